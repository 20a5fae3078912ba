/** Pure construction of the Node's status, labels and annotations from host readings. */
import { isValidLabelValue, LABEL_VALUE_MAX_LENGTH } from '../../shared/api/validation/names.js';
import type { ConditionsConfig } from './config.js';
import { KUBE_COMPAT } from '../../shared/version.js';
import type { NetworkInterfaceReading } from './host-probe.js';
import type { HostReadings, StaticHostInfo } from './readings.js';
import type { NodeAddress, NodeCondition, NodeStatus, NodeSystemInfo, ResourceList } from './types.js';

export const LABEL_ARCH = 'kubernetes.io/arch';
export const LABEL_OS = 'kubernetes.io/os';
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
/** Deprecated twins that kubelet still sets; older manifests select on them. */
export const LABEL_BETA_ARCH = 'beta.kubernetes.io/arch';
export const LABEL_BETA_OS = 'beta.kubernetes.io/os';
export const LABEL_DEVICE_MODEL = 'flotilla.io/device-model';
export const ANNOTATION_DEVICE_MODEL = 'flotilla.io/device-model';
export const ANNOTATION_CPU_TEMPERATURE = 'flotilla.io/cpu-temperature-celsius';

/** Node.js `process.arch` → Go's GOARCH, which Kubernetes and image platforms use. */
export function goArch(nodeArch: string): string {
  switch (nodeArch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'ppc64':
      return 'ppc64le'; // Node reports 'ppc64' for both; Linux on POWER is little-endian in practice
    case 'mipsel':
      return 'mipsle';
    default:
      return nodeArch; // arm64, arm, s390x, riscv64, loong64, mips already match
  }
}

/** Node.js `process.platform` → GOOS. */
export function goOS(platform: string): string {
  return platform === 'win32' ? 'windows' : platform;
}

const BINARY_SUFFIXES = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const;

/**
 * Bytes as Kubernetes canonicalises a BinarySI quantity: the largest binary suffix that divides
 * exactly ("4Gi", "3884844Ki"), else plain bytes.
 */
export function formatBinaryQuantity(bytes: number): string {
  const n = Math.max(0, Math.floor(bytes));
  if (n === 0) return '0';
  for (let i = 0; i < BINARY_SUFFIXES.length; i++) {
    const unit = 1024 ** (BINARY_SUFFIXES.length - i);
    if (n % unit === 0) return `${n / unit}${BINARY_SUFFIXES[i]}`;
  }
  return String(n);
}

/** CPU millicores as Kubernetes prints them: "4", "3500m". */
export function formatCpu(millis: number): string {
  const m = Math.max(0, Math.round(millis));
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

/** Turns any string into a valid label value: invalid characters → '-', ≤ 63 characters, alphanumeric ends. */
export function sanitizeLabelValue(value: string): string {
  const trimEnds = (s: string): string => s.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
  let v = trimEnds(value.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-{2,}/g, '-'));
  if (v.length > LABEL_VALUE_MAX_LENGTH) v = trimEnds(v.slice(0, LABEL_VALUE_MAX_LENGTH));
  return isValidLabelValue(v).length === 0 ? v : '';
}

/** The node's name: the configured override, else the lower-cased hostname (as kubelet does). */
export function nodeName(info: StaticHostInfo, cfg: ConditionsConfig): string {
  return (cfg.nodeName ?? info.hostname).toLowerCase();
}

function excluded(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

function usableAddress(family: 'IPv4' | 'IPv6', address: string): boolean {
  const a = address.toLowerCase();
  if (family === 'IPv4') return !a.startsWith('127.') && !a.startsWith('169.254.') && a !== '0.0.0.0';
  return a !== '::1' && a !== '::' && !/^fe[89ab][0-9a-f]:/.test(a);
}

/** InternalIP for every routable address of an up, non-loopback, non-container interface. */
export function internalAddresses(interfaces: readonly NetworkInterfaceReading[], cfg: ConditionsConfig): NodeAddress[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const i of interfaces) {
    if (!i.up || i.internal || excluded(i.name, cfg.excludeInterfaces)) continue;
    for (const a of i.addresses) {
      if (!usableAddress(a.family, a.address)) continue;
      const list = a.family === 'IPv4' ? v4 : v6;
      if (!list.includes(a.address)) list.push(a.address);
    }
  }
  return [...v4, ...v6].map((address) => ({ type: 'InternalIP', address }));
}

/** InternalIPs (IPv4 first, as dual-stack kubelets order them), then the Hostname. */
export function nodeAddresses(info: StaticHostInfo, readings: HostReadings, cfg: ConditionsConfig): NodeAddress[] {
  return [...internalAddresses(readings.interfaces, cfg), { type: 'Hostname', address: nodeName(info, cfg) }];
}

export function kubeletVersion(agentVersion: string): string {
  return `v${KUBE_COMPAT.major}.${KUBE_COMPAT.minor}.0-flotilla.${agentVersion}`;
}

export function nodeSystemInfo(info: StaticHostInfo, containerRuntimeVersion: string, cfg: ConditionsConfig): NodeSystemInfo {
  return {
    machineID: info.machineID,
    systemUUID: info.systemUUID,
    bootID: info.bootID,
    kernelVersion: info.os.kernel,
    osImage: info.osImage,
    containerRuntimeVersion,
    kubeletVersion: kubeletVersion(cfg.agentVersion),
    kubeProxyVersion: '',
    operatingSystem: goOS(info.os.platform),
    architecture: goArch(info.os.arch),
  };
}

/**
 * capacity: what the host has; allocatable: capacity minus system reservations and the hard
 * eviction thresholds, as kubelet computes it. ephemeral-storage is the agent data dir's
 * filesystem, left out when it cannot be read.
 */
export function nodeResources(
  info: StaticHostInfo,
  readings: HostReadings,
  cfg: ConditionsConfig,
): { capacity: ResourceList; allocatable: ResourceList } {
  const memTotal = Math.floor(readings.memory.totalBytes / 1024) * 1024;
  const capacity: ResourceList = {
    cpu: formatCpu(info.cpuCount * 1000),
    memory: formatBinaryQuantity(memTotal),
    pods: String(cfg.maxPods),
  };
  const allocatable: ResourceList = {
    cpu: formatCpu(info.cpuCount * 1000 - cfg.systemReserved.cpuMillis),
    memory: formatBinaryQuantity(memTotal - cfg.systemReserved.memoryBytes - cfg.eviction.memoryAvailableBytes),
    pods: String(cfg.maxPods),
  };
  const fs = readings.nodefs;
  if (fs) {
    capacity['ephemeral-storage'] = formatBinaryQuantity(fs.sizeBytes);
    const evictionReserve = Math.floor(fs.sizeBytes * cfg.eviction.nodefsAvailableFraction);
    allocatable['ephemeral-storage'] = formatBinaryQuantity(fs.sizeBytes - cfg.systemReserved.ephemeralStorageBytes - evictionReserve);
  }
  return { capacity, allocatable };
}

/** Labels the agent owns on its Node object. */
export function nodeLabels(info: StaticHostInfo, cfg: ConditionsConfig): Record<string, string> {
  const arch = goArch(info.os.arch);
  const os = goOS(info.os.platform);
  const labels: Record<string, string> = {
    [LABEL_BETA_ARCH]: arch,
    [LABEL_BETA_OS]: os,
    [LABEL_ARCH]: arch,
    [LABEL_HOSTNAME]: sanitizeLabelValue(nodeName(info, cfg)),
    [LABEL_OS]: os,
  };
  if (info.deviceModel !== undefined) {
    const model = sanitizeLabelValue(info.deviceModel);
    if (model) labels[LABEL_DEVICE_MODEL] = model;
  }
  return labels;
}

/** Annotations the agent owns on its Node object. */
export function nodeAnnotations(info: StaticHostInfo, readings: HostReadings): Record<string, string> {
  const annotations: Record<string, string> = {};
  if (info.deviceModel !== undefined) annotations[ANNOTATION_DEVICE_MODEL] = info.deviceModel;
  if (readings.cpuTemperatureCelsius !== undefined) {
    annotations[ANNOTATION_CPU_TEMPERATURE] = (Math.round(readings.cpuTemperatureCelsius * 10) / 10).toFixed(1);
  }
  return annotations;
}

export function buildNodeStatus(
  info: StaticHostInfo,
  readings: HostReadings,
  containerRuntimeVersion: string,
  conditions: NodeCondition[],
  cfg: ConditionsConfig,
): NodeStatus {
  const { capacity, allocatable } = nodeResources(info, readings, cfg);
  return {
    capacity,
    allocatable,
    conditions,
    addresses: nodeAddresses(info, readings, cfg),
    nodeInfo: nodeSystemInfo(info, containerRuntimeVersion, cfg),
  };
}

/**
 * What the planner reads of a Pod from the desired document. The pod is decoded first (the
 * hub validated and defaulted it; decoding again covers a document from an older hub), so
 * this only derives: the device's view of ports and mounts, and the kubelet's defaults.
 * Pure: no I/O.
 */
import type { KubeObject } from '../../shared/api/meta.js';
import { decodePod, isDecodeError } from '../../shared/api/types/index.js';
import type { Container, EnvFromSource, EnvVar, Pod, Protocol, PullPolicy, ResourceList, RestartPolicy, Volume } from '../../shared/api/types/index.js';
import { defaultPullPolicy } from '../../shared/api/defaults.js';

export type { PullPolicy, RestartPolicy } from '../../shared/api/types/index.js';

export interface PodRef {
  uid: string;
  namespace: string;
  name: string;
}

export interface PortSpec {
  name?: string;
  containerPort: number;
  hostPort?: number;
  protocol: Protocol;
  hostIP?: string;
}

export interface VolumeMountSpec {
  name: string;
  mountPath: string;
  readOnly: boolean;
  subPath?: string;
}

export interface ContainerModel {
  name: string;
  image: string;
  pullPolicy: PullPolicy;
  command?: string[];
  args?: string[];
  workingDir?: string;
  /** Resolved by env.ts. */
  env: EnvVar[];
  envFrom: EnvFromSource[];
  ports: PortSpec[];
  volumeMounts: VolumeMountSpec[];
  limits: ResourceList;
  requests: ResourceList;
  privileged: boolean;
  /** The container as the pod spec holds it: hashed, and handed to probes. */
  raw: Container;
}

export interface PodModel {
  ref: PodRef;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  nodeName: string;
  serviceAccountName: string;
  hostNetwork: boolean;
  restartPolicy: RestartPolicy;
  terminationGracePeriodSeconds: number;
  /** Set when the hub is deleting the pod (graceful deletion or eviction). */
  deletion?: { timestamp: string; graceSeconds: number };
  initContainers: ContainerModel[];
  containers: ContainerModel[];
  /** Resolved by agent/volumes. */
  volumes: Volume[];
  imagePullSecrets: string[];
  obj: Pod;
}

export const DEFAULT_GRACE_SECONDS = 30;
const SAFE_UID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function port(p: NonNullable<Container['ports']>[number], hostNetwork: boolean): PortSpec {
  const out: PortSpec = { containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' };
  if (p.hostPort) out.hostPort = p.hostPort;
  else if (hostNetwork) out.hostPort = p.containerPort;
  if (p.name) out.name = p.name;
  if (p.hostIP) out.hostIP = p.hostIP;
  return out;
}

function container(c: Container, hostNetwork: boolean): ContainerModel {
  const out: ContainerModel = {
    name: c.name,
    image: c.image,
    pullPolicy: c.imagePullPolicy ?? defaultPullPolicy(c.image),
    env: c.env ?? [],
    envFrom: c.envFrom ?? [],
    ports: (c.ports ?? []).map((p) => port(p, hostNetwork)),
    volumeMounts: (c.volumeMounts ?? []).map((m) => {
      const mount: VolumeMountSpec = { name: m.name, mountPath: m.mountPath, readOnly: m.readOnly === true };
      if (m.subPath) mount.subPath = m.subPath;
      return mount;
    }),
    limits: c.resources?.limits ?? {},
    requests: c.resources?.requests ?? {},
    privileged: c.securityContext?.privileged === true,
    raw: c,
  };
  if (c.command?.length) out.command = c.command;
  if (c.args?.length) out.args = c.args;
  if (c.workingDir) out.workingDir = c.workingDir;
  return out;
}

export type PodModelResult = { ok: true; pod: PodModel } | { ok: false; error: string };

/** Decodes a Pod of the desired document; fails when it is invalid or cannot be identified. */
export function podModel(obj: KubeObject): PodModelResult {
  let pod: Pod;
  try {
    pod = decodePod(obj);
  } catch (e) {
    if (isDecodeError(e)) return { ok: false, error: e.message };
    throw e;
  }
  const { uid, name, namespace, labels, annotations, deletionTimestamp, deletionGracePeriodSeconds } = pod.metadata;
  if (!uid || !name) return { ok: false, error: 'pod without metadata.uid or metadata.name' };
  // The uid names directories and containers: refuse anything that is not a plain token.
  if (!SAFE_UID_RE.test(uid)) return { ok: false, error: `pod uid ${JSON.stringify(uid)} is not [A-Za-z0-9_.-]` };
  const spec = pod.spec;
  const hostNetwork = spec.hostNetwork === true;
  const grace = spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  const model: PodModel = {
    ref: { uid, namespace: namespace || 'default', name },
    labels: labels ?? {},
    annotations: annotations ?? {},
    nodeName: spec.nodeName ?? '',
    serviceAccountName: spec.serviceAccountName || 'default',
    hostNetwork,
    restartPolicy: spec.restartPolicy ?? 'Always',
    terminationGracePeriodSeconds: grace,
    initContainers: (spec.initContainers ?? []).map((c) => container(c, hostNetwork)),
    containers: spec.containers.map((c) => container(c, hostNetwork)),
    volumes: spec.volumes ?? [],
    imagePullSecrets: (spec.imagePullSecrets ?? []).flatMap((s) => (s.name ? [s.name] : [])),
    obj: pod,
  };
  if (deletionTimestamp) model.deletion = { timestamp: deletionTimestamp, graceSeconds: deletionGracePeriodSeconds ?? grace };
  return { ok: true, pod: model };
}

/** `name_namespace(uid)`, as the kubelet names a pod in messages. */
export function podDisplay(ref: PodRef): string {
  return `${ref.name}_${ref.namespace}(${ref.uid})`;
}

/**
 * What the agent reads from its host, split by cost: `readStaticInfo` once at start,
 * `readHostReadings` on every status collection. The parsers are pure and exported for tests.
 */
import type { ConditionsConfig } from './config.js';
import type {
  FilesystemReading,
  HostProbe,
  MemoryReading,
  NetworkInterfaceReading,
  OsReading,
} from './host-probe.js';

export const PATHS = {
  osRelease: '/etc/os-release',
  machineID: '/etc/machine-id',
  dbusMachineID: '/var/lib/dbus/machine-id',
  bootID: '/proc/sys/kernel/random/boot_id',
  productUUID: '/sys/class/dmi/id/product_uuid',
  deviceTreeModel: ['/proc/device-tree/model', '/sys/firmware/devicetree/base/model'],
  cgroupControllers: '/sys/fs/cgroup/cgroup.controllers',
  procCgroups: '/proc/cgroups',
  cmdline: '/proc/cmdline',
  bootCmdline: ['/boot/firmware/cmdline.txt', '/boot/cmdline.txt'],
  loadavg: '/proc/loadavg',
  pidMax: '/proc/sys/kernel/pid_max',
  threadsMax: '/proc/sys/kernel/threads-max',
  thermal: '/sys/class/thermal/thermal_zone0/temp',
  throttled: '/sys/devices/platform/soc/soc:firmware/get_throttled',
} as const;

export interface MemoryCgroupState {
  /** undefined: nothing on this host says either way. */
  enabled: boolean | undefined;
  /** Where `enabled` came from: a path, or 'cmdline'. */
  source: string;
  /** /proc/cmdline carries cgroup_disable=memory (not undone by a later cgroup_enable=memory). */
  disabledOnCmdline: boolean;
}

export interface StaticHostInfo {
  hostname: string;
  os: OsReading;
  /** PRETTY_NAME from /etc/os-release, as kubelet reports it. */
  osImage: string;
  cpuCount: number;
  machineID: string;
  systemUUID: string;
  bootID: string;
  /** Device-tree model ("Raspberry Pi 4 Model B Rev 1.4"), when the board has a device tree. */
  deviceModel?: string;
  memoryCgroup: MemoryCgroupState;
  /** Where a user edits the kernel command line on this board (named in messages). */
  bootCmdlinePath: string;
  /** Sensor files found at start; only these are read on every collection. */
  thermalPath?: string;
  throttledPath?: string;
}

export interface ProcessReading {
  /** Kernel scheduling entities (threads), the total in /proc/loadavg's 4th field. */
  count: number;
  /** min(pid_max, threads-max). */
  max: number;
}

export interface HostReadings {
  memory: MemoryReading;
  /** Filesystem of the agent data dir. */
  nodefs?: FilesystemReading;
  /** Filesystem of Docker's data root, only when it is not the nodefs one. */
  imagefs?: FilesystemReading;
  interfaces: NetworkInterfaceReading[];
  processes?: ProcessReading;
  cpuTemperatureCelsius?: number;
  /** get_throttled bit mask from the Raspberry Pi firmware. */
  throttled?: number;
}

// --- parsers ----------------------------------------------------------------------------------

/** KEY=value lines of os-release(5), quotes and escapes removed. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let v = line.slice(eq + 1).trim();
    const q = v[0];
    if ((q === '"' || q === "'") && v.endsWith(q) && v.length >= 2) v = v.slice(1, -1);
    out[line.slice(0, eq)] = v.replace(/\\(["'$`\\])/g, '$1');
  }
  return out;
}

/** /proc/cgroups: subsystem → enabled column. */
export function parseProcCgroups(text: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const f = line.trim().split(/\s+/);
    const name = f[0];
    const enabled = f[3];
    if (name && enabled !== undefined) out.set(name, enabled === '1');
  }
  return out;
}

/** Whether a kernel command line disables the memory cgroup; the last of cgroup_disable / cgroup_enable wins. */
export function cmdlineDisablesMemoryCgroup(cmdline: string): boolean {
  let disabled = false;
  for (const tok of cmdline.trim().split(/\s+/)) {
    if (tok === '--') break; // the rest goes to init
    const eq = tok.indexOf('=');
    if (eq < 0) continue;
    const key = tok.slice(0, eq);
    const list = tok.slice(eq + 1).split(',');
    if (!list.includes('memory')) continue;
    if (key === 'cgroup_disable') disabled = true;
    else if (key === 'cgroup_enable') disabled = false;
  }
  return disabled;
}

/** get_throttled prints hex ("50005", some tools show "0x50005"). */
export function parseThrottled(text: string): number | undefined {
  const t = text.trim().replace(/^throttled=/, '').replace(/^0x/i, '');
  if (!/^[0-9a-f]+$/i.test(t)) return undefined;
  return parseInt(t, 16);
}

/** /proc/loadavg "0.52 0.58 0.59 3/1021 12345" → 1021. */
export function parseLoadavgThreads(text: string): number | undefined {
  const m = /^\S+\s+\S+\s+\S+\s+\d+\/(\d+)\s/.exec(text);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

/** thermal_zone*\/temp in millidegrees Celsius → °C. */
export function parseMilliCelsius(text: string): number | undefined {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return undefined;
  return Number(t) / 1000;
}

/** Device-tree strings are NUL-terminated. */
export function parseDeviceTreeString(text: string): string | undefined {
  const s = text.replace(/\0+$/, '').replace(/\0/g, ' ').trim();
  return s || undefined;
}

function positiveInt(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  return /^\d+$/.test(t) && Number(t) > 0 ? Number(t) : undefined;
}

// --- reading ----------------------------------------------------------------------------------

async function firstFile(probe: HostProbe, paths: readonly string[]): Promise<{ path: string; text: string } | undefined> {
  for (const path of paths) {
    const text = await probe.readFile(path);
    if (text !== undefined) return { path, text };
  }
  return undefined;
}

async function memoryCgroupState(probe: HostProbe): Promise<MemoryCgroupState> {
  const [controllers, procCgroups, cmdline] = await Promise.all([
    probe.readFile(PATHS.cgroupControllers),
    probe.readFile(PATHS.procCgroups),
    probe.readFile(PATHS.cmdline),
  ]);
  const disabledOnCmdline = cmdline !== undefined && cmdlineDisablesMemoryCgroup(cmdline);
  // cgroup v2 unified root: the controllers the kernel offers.
  if (controllers !== undefined) {
    return { enabled: controllers.trim().split(/\s+/).includes('memory'), source: PATHS.cgroupControllers, disabledOnCmdline };
  }
  const fromProc = procCgroups !== undefined ? parseProcCgroups(procCgroups).get('memory') : undefined;
  if (fromProc !== undefined) return { enabled: fromProc, source: PATHS.procCgroups, disabledOnCmdline };
  if (cmdline !== undefined) return { enabled: !disabledOnCmdline, source: 'cmdline', disabledOnCmdline };
  return { enabled: undefined, source: 'none', disabledOnCmdline };
}

/** Facts that do not change while the agent runs (a reboot restarts the agent). Expensive: once. */
export async function readStaticInfo(probe: HostProbe): Promise<StaticHostInfo> {
  const [os, cpuCount, hostname, osRelease, machineID, bootID, productUUID, model, memoryCgroup, bootCmdline, thermal, throttled] =
    await Promise.all([
      probe.osInfo(),
      probe.cpuCount(),
      probe.hostname(),
      probe.readFile(PATHS.osRelease),
      firstFile(probe, [PATHS.machineID, PATHS.dbusMachineID]),
      probe.readFile(PATHS.bootID),
      probe.readFile(PATHS.productUUID),
      firstFile(probe, PATHS.deviceTreeModel),
      memoryCgroupState(probe),
      firstFile(probe, PATHS.bootCmdline),
      probe.readFile(PATHS.thermal),
      probe.readFile(PATHS.throttled),
    ]);
  const pretty = osRelease !== undefined ? parseOsRelease(osRelease)['PRETTY_NAME'] : undefined;
  const fallbackImage = [os.distro, os.release, os.codename ? `(${os.codename})` : ''].filter(Boolean).join(' ');
  const info: StaticHostInfo = {
    hostname,
    os,
    osImage: pretty || fallbackImage || 'Linux',
    cpuCount: cpuCount > 0 ? cpuCount : 1,
    machineID: machineID?.text.trim() ?? '',
    systemUUID: productUUID?.trim().toLowerCase() ?? '',
    bootID: bootID?.trim() ?? '',
    memoryCgroup,
    bootCmdlinePath: bootCmdline?.path ?? PATHS.bootCmdline[0],
  };
  const deviceModel = model !== undefined ? parseDeviceTreeString(model.text) : undefined;
  if (deviceModel !== undefined) info.deviceModel = deviceModel;
  if (thermal !== undefined && parseMilliCelsius(thermal) !== undefined) info.thermalPath = PATHS.thermal;
  if (throttled !== undefined && parseThrottled(throttled) !== undefined) info.throttledPath = PATHS.throttled;
  return info;
}

async function readProcesses(probe: HostProbe): Promise<ProcessReading | undefined> {
  const [loadavg, pidMax, threadsMax] = await Promise.all([
    probe.readFile(PATHS.loadavg),
    probe.readFile(PATHS.pidMax),
    probe.readFile(PATHS.threadsMax),
  ]);
  const count = loadavg !== undefined ? parseLoadavgThreads(loadavg) : undefined;
  const limits = [positiveInt(pidMax), positiveInt(threadsMax)].filter((n): n is number => n !== undefined);
  if (count === undefined || limits.length === 0) return undefined;
  return { count, max: Math.min(...limits) };
}

/** Readings that change: cheap (no child processes), read on every collection. */
export async function readHostReadings(probe: HostProbe, info: StaticHostInfo, cfg: ConditionsConfig): Promise<HostReadings> {
  const [memory, nodefs, imagefs, interfaces, processes, thermal, throttled] = await Promise.all([
    probe.memory(),
    probe.filesystem(cfg.agentDataDir),
    probe.filesystem(cfg.dockerDataRoot),
    probe.networkInterfaces(),
    readProcesses(probe),
    info.thermalPath !== undefined ? probe.readFile(info.thermalPath) : undefined,
    info.throttledPath !== undefined ? probe.readFile(info.throttledPath) : undefined,
  ]);
  const out: HostReadings = { memory, interfaces };
  if (nodefs) out.nodefs = nodefs;
  if (imagefs && imagefs.device !== nodefs?.device) out.imagefs = imagefs;
  if (processes) out.processes = processes;
  const celsius = thermal !== undefined ? parseMilliCelsius(thermal) : undefined;
  if (celsius !== undefined) out.cpuTemperatureCelsius = celsius;
  const bits = throttled !== undefined ? parseThrottled(throttled) : undefined;
  if (bits !== undefined) out.throttled = bits;
  return out;
}

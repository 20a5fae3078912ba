/**
 * Node conditions as Kubernetes reports them, with kubelet's types and reasons, plus device
 * conditions where the hardware exposes them. Everything here is pure.
 */
import { rfc3339 } from '../../shared/util/clock.js';
import type { ConditionsConfig } from './config.js';
import { formatBinaryQuantity, internalAddresses } from './node-status.js';
import type { HostReadings, StaticHostInfo } from './readings.js';
import type { NodeCondition, Observed } from './types.js';

export const CONDITION = {
  Ready: 'Ready',
  MemoryPressure: 'MemoryPressure',
  DiskPressure: 'DiskPressure',
  PIDPressure: 'PIDPressure',
  NetworkUnavailable: 'NetworkUnavailable',
  MemoryCgroupDisabled: 'MemoryCgroupDisabled',
  UnderVoltage: 'UnderVoltage',
  CPUThrottled: 'CPUThrottled',
  CPUTemperatureHigh: 'CPUTemperatureHigh',
} as const;

export const REASON = {
  KubeletReady: 'KubeletReady',
  KubeletNotReady: 'KubeletNotReady',
  KubeletHasSufficientMemory: 'KubeletHasSufficientMemory',
  KubeletHasInsufficientMemory: 'KubeletHasInsufficientMemory',
  KubeletHasNoDiskPressure: 'KubeletHasNoDiskPressure',
  KubeletHasDiskPressure: 'KubeletHasDiskPressure',
  KubeletHasSufficientPID: 'KubeletHasSufficientPID',
  KubeletHasInsufficientPID: 'KubeletHasInsufficientPID',
  FilesystemUnreadable: 'FilesystemUnreadable',
  PIDCountUnavailable: 'PIDCountUnavailable',
  InterfacesUp: 'InterfacesUp',
  NoNetworkInterface: 'NoNetworkInterface',
  MemoryCgroupDisabled: 'MemoryCgroupDisabled',
  UnderVoltageDetected: 'UnderVoltageDetected',
  PowerSupplyOK: 'PowerSupplyOK',
  Throttled: 'Throttled',
  NotThrottled: 'NotThrottled',
  CPUTemperatureHigh: 'CPUTemperatureHigh',
  CPUTemperatureNormal: 'CPUTemperatureNormal',
} as const;

/** What the agent knows about the container runtime when it collects. */
export interface RuntimeState {
  reachable: boolean;
  /** "docker://20.10.24" or a bare "20.10.24" (docker:// is assumed). */
  version?: string;
  error?: string;
}

// --- Raspberry Pi firmware get_throttled ------------------------------------------------------

export const THROTTLED_BITS = {
  underVoltageNow: 1 << 0,
  armFreqCappedNow: 1 << 1,
  throttledNow: 1 << 2,
  softTempLimitNow: 1 << 3,
  underVoltageOccurred: 1 << 16,
  armFreqCappedOccurred: 1 << 17,
  throttledOccurred: 1 << 18,
  softTempLimitOccurred: 1 << 19,
} as const;

export type ThrottledFlags = { -readonly [K in keyof typeof THROTTLED_BITS]: boolean };

export function decodeThrottled(bits: number): ThrottledFlags {
  const b = THROTTLED_BITS;
  const on = (mask: number): boolean => (bits & mask) !== 0;
  return {
    underVoltageNow: on(b.underVoltageNow),
    armFreqCappedNow: on(b.armFreqCappedNow),
    throttledNow: on(b.throttledNow),
    softTempLimitNow: on(b.softTempLimitNow),
    underVoltageOccurred: on(b.underVoltageOccurred),
    armFreqCappedOccurred: on(b.armFreqCappedOccurred),
    throttledOccurred: on(b.throttledOccurred),
    softTempLimitOccurred: on(b.softTempLimitOccurred),
  };
}

function underVoltage(bits: number): Observed {
  const f = decodeThrottled(bits);
  if (f.underVoltageNow) {
    return {
      type: CONDITION.UnderVoltage,
      status: 'True',
      reason: REASON.UnderVoltageDetected,
      message: 'under-voltage detected now: the power supply cannot hold the board at 5V; use a stronger supply or a shorter, thicker cable',
      severity: 2,
    };
  }
  if (f.underVoltageOccurred) {
    return {
      type: CONDITION.UnderVoltage,
      status: 'True',
      reason: REASON.UnderVoltageDetected,
      message: 'under-voltage has occurred since boot (not at this moment): the power supply is marginal',
    };
  }
  return { type: CONDITION.UnderVoltage, status: 'False', reason: REASON.PowerSupplyOK, message: 'no under-voltage since boot' };
}

function cpuThrottled(bits: number): Observed {
  const f = decodeThrottled(bits);
  const now = [
    f.throttledNow ? 'throttled' : '',
    f.armFreqCappedNow ? 'ARM frequency capped' : '',
    f.softTempLimitNow ? 'soft temperature limit active' : '',
  ].filter(Boolean);
  if (now.length > 0) {
    return { type: CONDITION.CPUThrottled, status: 'True', reason: REASON.Throttled, message: `CPU is throttled now: ${now.join(', ')}` };
  }
  const past = f.throttledOccurred || f.armFreqCappedOccurred || f.softTempLimitOccurred;
  return {
    type: CONDITION.CPUThrottled,
    status: 'False',
    reason: REASON.NotThrottled,
    message: past ? 'CPU is not throttled now (throttling has occurred since boot)' : 'CPU is not throttled',
  };
}

// --- observation ------------------------------------------------------------------------------

function percent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}

function ready(runtime: RuntimeState): Observed {
  if (runtime.reachable) {
    return { type: CONDITION.Ready, status: 'True', reason: REASON.KubeletReady, message: 'agent is posting ready status' };
  }
  const detail = runtime.error?.trim();
  return {
    type: CONDITION.Ready,
    status: 'False',
    reason: REASON.KubeletNotReady,
    message: detail ? `container runtime is down: ${detail.slice(0, 512)}` : 'container runtime is down',
  };
}

function memoryPressure(readings: HostReadings, cfg: ConditionsConfig): Observed {
  const limit = cfg.eviction.memoryAvailableBytes;
  if (readings.memory.availableBytes < limit) {
    return {
      type: CONDITION.MemoryPressure,
      status: 'True',
      reason: REASON.KubeletHasInsufficientMemory,
      message: `agent has insufficient memory available: memory.available < ${formatBinaryQuantity(limit)}`,
    };
  }
  return { type: CONDITION.MemoryPressure, status: 'False', reason: REASON.KubeletHasSufficientMemory, message: 'agent has sufficient memory available' };
}

function diskPressure(readings: HostReadings, cfg: ConditionsConfig): Observed {
  const { nodefs, imagefs } = readings;
  if (!nodefs && !imagefs) {
    return {
      type: CONDITION.DiskPressure,
      status: 'Unknown',
      reason: REASON.FilesystemUnreadable,
      message: `agent cannot read the filesystems of ${cfg.agentDataDir} and ${cfg.dockerDataRoot}`,
    };
  }
  const e = cfg.eviction;
  const crossed: string[] = [];
  if (nodefs && nodefs.sizeBytes > 0 && nodefs.availableBytes < nodefs.sizeBytes * e.nodefsAvailableFraction) {
    crossed.push(`nodefs.available < ${percent(e.nodefsAvailableFraction)}`);
  }
  if (nodefs?.inodes !== undefined && nodefs.inodesFree !== undefined && nodefs.inodes > 0 && nodefs.inodesFree < nodefs.inodes * e.nodefsInodesFreeFraction) {
    crossed.push(`nodefs.inodesFree < ${percent(e.nodefsInodesFreeFraction)}`);
  }
  if (imagefs && imagefs.sizeBytes > 0 && imagefs.availableBytes < imagefs.sizeBytes * e.imagefsAvailableFraction) {
    crossed.push(`imagefs.available < ${percent(e.imagefsAvailableFraction)}`);
  }
  if (crossed.length > 0) {
    return { type: CONDITION.DiskPressure, status: 'True', reason: REASON.KubeletHasDiskPressure, message: `agent has disk pressure: ${crossed.join(', ')}` };
  }
  return { type: CONDITION.DiskPressure, status: 'False', reason: REASON.KubeletHasNoDiskPressure, message: 'agent has no disk pressure' };
}

function pidPressure(readings: HostReadings, cfg: ConditionsConfig): Observed {
  const p = readings.processes;
  if (!p) {
    return { type: CONDITION.PIDPressure, status: 'Unknown', reason: REASON.PIDCountUnavailable, message: 'agent cannot count processes' };
  }
  const fraction = cfg.eviction.pidAvailableFraction;
  if (p.max - p.count < p.max * fraction) {
    return {
      type: CONDITION.PIDPressure,
      status: 'True',
      reason: REASON.KubeletHasInsufficientPID,
      message: `agent has insufficient PID available: pid.available < ${percent(fraction)}`,
    };
  }
  return { type: CONDITION.PIDPressure, status: 'False', reason: REASON.KubeletHasSufficientPID, message: 'agent has sufficient PID available' };
}

function networkUnavailable(readings: HostReadings, cfg: ConditionsConfig): Observed {
  if (internalAddresses(readings.interfaces, cfg).length > 0) {
    return { type: CONDITION.NetworkUnavailable, status: 'False', reason: REASON.InterfacesUp, message: 'a network interface other than loopback is up with an address' };
  }
  return { type: CONDITION.NetworkUnavailable, status: 'True', reason: REASON.NoNetworkInterface, message: 'no network interface other than loopback is up with an address' };
}

function memoryCgroupDisabled(info: StaticHostInfo): Observed | undefined {
  const m = info.memoryCgroup;
  if (m.enabled !== false) return undefined;
  const fix = `add cgroup_enable=memory cgroup_memory=1 to ${info.bootCmdlinePath}`;
  const message = m.disabledOnCmdline
    ? `memory cgroup is disabled on the kernel command line (cgroup_disable=memory): memory limits will not be enforced; ${fix}`
    : `memory cgroup controller is not enabled (${m.source}): memory limits will not be enforced; ${fix}`;
  return { type: CONDITION.MemoryCgroupDisabled, status: 'True', reason: REASON.MemoryCgroupDisabled, message };
}

function cpuTemperature(celsius: number, cfg: ConditionsConfig): Observed {
  const limit = cfg.cpuTemperatureHighCelsius;
  if (celsius >= limit) {
    return { type: CONDITION.CPUTemperatureHigh, status: 'True', reason: REASON.CPUTemperatureHigh, message: `CPU temperature is at or above ${limit}°C` };
  }
  return { type: CONDITION.CPUTemperatureHigh, status: 'False', reason: REASON.CPUTemperatureNormal, message: `CPU temperature is below ${limit}°C` };
}

/**
 * The conditions as observed now, in the order kubectl shows them. Device conditions appear only
 * where the source exists: UnderVoltage and CPUThrottled with the Pi firmware's get_throttled,
 * CPUTemperatureHigh with a thermal zone, MemoryCgroupDisabled only while it is True (it can
 * change only across a reboot, which restarts the agent).
 */
export function observeConditions(
  info: StaticHostInfo,
  readings: HostReadings,
  runtime: RuntimeState,
  cfg: ConditionsConfig,
): Observed[] {
  const out: Observed[] = [
    networkUnavailable(readings, cfg),
    memoryPressure(readings, cfg),
    diskPressure(readings, cfg),
    pidPressure(readings, cfg),
    ready(runtime),
  ];
  const cg = memoryCgroupDisabled(info);
  if (cg) out.push(cg);
  if (readings.throttled !== undefined) out.push(underVoltage(readings.throttled), cpuThrottled(readings.throttled));
  if (readings.cpuTemperatureCelsius !== undefined) out.push(cpuTemperature(readings.cpuTemperatureCelsius, cfg));
  return out;
}

// --- transitions ------------------------------------------------------------------------------

/**
 * Stamps observed conditions with times: lastHeartbeatTime is `now`; lastTransitionTime is kept
 * from `previous` while the status is unchanged and becomes `now` when it changes (or the type
 * is new). Types in `previous` but not observed are dropped. Pure.
 */
export function mergeConditions(previous: readonly NodeCondition[] | undefined, observed: readonly Observed[], now: Date): NodeCondition[] {
  const stamp = rfc3339(now);
  return observed.map((o) => {
    const prev = previous?.find((p) => p.type === o.type);
    return {
      type: o.type,
      status: o.status,
      lastHeartbeatTime: stamp,
      lastTransitionTime: prev && prev.status === o.status ? prev.lastTransitionTime : stamp,
      reason: o.reason,
      message: o.message,
    };
  });
}

/** Conditions that hold their worst observation for the transition period after it clears. */
export const HELD_CONDITIONS: readonly string[] = [
  CONDITION.MemoryPressure,
  CONDITION.DiskPressure,
  CONDITION.PIDPressure,
  CONDITION.CPUThrottled,
  CONDITION.CPUTemperatureHigh,
  CONDITION.UnderVoltage,
];

function severity(o: Observed): number {
  return o.severity ?? (o.status === 'True' ? 1 : 0);
}

export interface HeldTrue {
  /** ms since the epoch when the condition was last observed True. */
  at: number;
  observed: Observed;
}

/**
 * kubelet's eviction-pressure-transition-period, so that a signal hovering at its threshold does
 * not flap the condition (and with it the status digest): a held condition observed less severe
 * (False, or UnderVoltage "since boot" after "now") within `periodMs` of its last worse
 * observation is reported as that observation until the period has passed. A clock that went
 * backwards releases the hold. Pure: returns the new hold table.
 */
export function holdPressure(
  observed: readonly Observed[],
  held: ReadonlyMap<string, HeldTrue>,
  nowMs: number,
  periodMs: number,
): { observed: Observed[]; held: Map<string, HeldTrue> } {
  const next = new Map<string, HeldTrue>();
  const out = observed.map((o) => {
    if (!HELD_CONDITIONS.includes(o.type) || o.status === 'Unknown') return o;
    const h = held.get(o.type);
    if (h && nowMs - h.at >= 0 && nowMs - h.at < periodMs && severity(h.observed) > severity(o)) {
      next.set(o.type, h);
      return h.observed;
    }
    if (severity(o) > 0) next.set(o.type, { at: nowMs, observed: o });
    return o;
  });
  return { observed: out, held: next };
}

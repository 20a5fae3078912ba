/** Configuration of node status reporting. main.ts builds it; everything has a default. */
import { FLOTILLA_VERSION } from '../../shared/version.js';

const Mi = 1024 * 1024;

export interface ConditionsConfig {
  /** Flotilla agent version; nodeInfo.kubeletVersion becomes `v1.32.0-flotilla.<agentVersion>`. */
  agentVersion: string;
  /** Node name override (kubelet's --hostname-override); default: the lower-cased hostname. */
  nodeName?: string;
  /** Docker's data root (`docker info` DockerRootDir): the image filesystem. */
  dockerDataRoot: string;
  /** The agent's data dir: the node filesystem, reported as ephemeral-storage. */
  agentDataDir: string;
  /** capacity.pods. Kubernetes' default is 110; small boards may want fewer. */
  maxPods: number;
  /** Subtracted from capacity to give allocatable (kubelet's --system-reserved + --kube-reserved). */
  systemReserved: {
    cpuMillis: number;
    memoryBytes: number;
    ephemeralStorageBytes: number;
  };
  /**
   * Hard eviction thresholds (kubelet's --eviction-hard): they raise the pressure conditions and
   * are subtracted from allocatable like kubelet does (memory, ephemeral-storage).
   */
  eviction: {
    /** memory.available < this → MemoryPressure. Default 100Mi. */
    memoryAvailableBytes: number;
    /** nodefs.available < this fraction of the node filesystem → DiskPressure. Default 0.10. */
    nodefsAvailableFraction: number;
    /** nodefs.inodesFree < this fraction → DiskPressure. Default 0.05. */
    nodefsInodesFreeFraction: number;
    /** imagefs.available < this fraction → DiskPressure, only when Docker's root is a separate filesystem. Default 0.15. */
    imagefsAvailableFraction: number;
    /** pid.available < this fraction of min(pid_max, threads-max) → PIDPressure. Default 0.05. */
    pidAvailableFraction: number;
  };
  /** At or above this CPU temperature CPUTemperatureHigh is True. Default 80 °C. */
  cpuTemperatureHighCelsius: number;
  /**
   * How long a pressure-like condition stays True after its signal clears (kubelet's
   * --eviction-pressure-transition-period), so a reading that hovers at a threshold does not
   * flap the condition. Default 5 minutes; 0 turns it off.
   */
  pressureTransitionPeriodMs: number;
  /**
   * Interfaces whose addresses are not node addresses (container bridges and veths). A trailing
   * `*` matches any suffix.
   */
  excludeInterfaces: string[];
}

export const DEFAULT_CONDITIONS_CONFIG: Readonly<ConditionsConfig> = Object.freeze({
  agentVersion: FLOTILLA_VERSION,
  dockerDataRoot: '/var/lib/docker',
  agentDataDir: '/var/lib/flotilla',
  maxPods: 110,
  systemReserved: Object.freeze({ cpuMillis: 0, memoryBytes: 0, ephemeralStorageBytes: 0 }),
  eviction: Object.freeze({
    memoryAvailableBytes: 100 * Mi,
    nodefsAvailableFraction: 0.1,
    nodefsInodesFreeFraction: 0.05,
    imagefsAvailableFraction: 0.15,
    pidAvailableFraction: 0.05,
  }),
  cpuTemperatureHighCelsius: 80,
  pressureTransitionPeriodMs: 5 * 60 * 1000,
  excludeInterfaces: Object.freeze(['docker*', 'veth*', 'br-*', 'cni*', 'flannel*', 'virbr*', 'vxlan*']) as string[],
});

export interface ConditionsConfigInput extends Partial<Omit<ConditionsConfig, 'systemReserved' | 'eviction'>> {
  systemReserved?: Partial<ConditionsConfig['systemReserved']>;
  eviction?: Partial<ConditionsConfig['eviction']>;
}

/** Fills in defaults; throws on values that cannot be meant (negative sizes, fractions outside [0, 1)). */
export function conditionsConfig(input: ConditionsConfigInput = {}): ConditionsConfig {
  const d = DEFAULT_CONDITIONS_CONFIG;
  const cfg: ConditionsConfig = {
    agentVersion: input.agentVersion ?? d.agentVersion,
    dockerDataRoot: input.dockerDataRoot ?? d.dockerDataRoot,
    agentDataDir: input.agentDataDir ?? d.agentDataDir,
    maxPods: input.maxPods ?? d.maxPods,
    systemReserved: { ...d.systemReserved, ...input.systemReserved },
    eviction: { ...d.eviction, ...input.eviction },
    cpuTemperatureHighCelsius: input.cpuTemperatureHighCelsius ?? d.cpuTemperatureHighCelsius,
    pressureTransitionPeriodMs: input.pressureTransitionPeriodMs ?? d.pressureTransitionPeriodMs,
    excludeInterfaces: [...(input.excludeInterfaces ?? d.excludeInterfaces)],
  };
  if (input.nodeName !== undefined) cfg.nodeName = input.nodeName;
  if (!Number.isInteger(cfg.maxPods) || cfg.maxPods < 0) throw new Error(`maxPods must be a non-negative integer, got ${cfg.maxPods}`);
  if (!Number.isFinite(cfg.pressureTransitionPeriodMs) || cfg.pressureTransitionPeriodMs < 0) {
    throw new Error(`pressureTransitionPeriodMs must be a non-negative number, got ${cfg.pressureTransitionPeriodMs}`);
  }
  for (const [k, v] of Object.entries(cfg.systemReserved)) {
    if (!Number.isFinite(v) || v < 0) throw new Error(`systemReserved.${k} must be a non-negative number, got ${v}`);
  }
  for (const [k, v] of Object.entries(cfg.eviction)) {
    const ok = k === 'memoryAvailableBytes' ? Number.isFinite(v) && v >= 0 : v >= 0 && v < 1;
    if (!ok) throw new Error(`eviction.${k} out of range: ${v}`);
  }
  return cfg;
}

/**
 * A container's `resources` → cgroup settings, as the kubelet maps them on cgroup v1:
 * limits.memory → memory limit and memory+swap (no swap beyond the limit); limits.cpu → CFS
 * quota over a 100 ms period; requests.cpu → cpu shares (max(2, millicpu·1024/1000)); a node
 * pids limit per container. A limit the kernel cannot enforce is left out and reported as a
 * warning, never silently dropped. Pure.
 */
import type { RuntimeInfo } from '../engine/types.js';
import { quantityValue } from '../../shared/api/quantity.js';
import type { ContainerModel } from './pod-model.js';

export const CPU_PERIOD_US = 100_000;
/** The kubelet's floor for a CFS quota (1 ms). */
const MIN_QUOTA_US = 1000;
const MIN_SHARES = 2;
const SHARES_PER_CPU = 1024;

export type RuntimeCaps = Pick<RuntimeInfo, 'memoryLimitSupported' | 'cpuCfsQuotaSupported' | 'pidsLimitSupported'>;

export interface CgroupSettings {
  memoryBytes?: number;
  memorySwapBytes?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpuShares: number;
  pidsLimit?: number;
}

export interface CgroupResult {
  settings: CgroupSettings;
  /** Limits the node cannot enforce, for a Warning event. */
  warnings: string[];
}

/** The kubelet's MilliCPUToShares. */
export function milliCpuToShares(milli: number): number {
  if (milli <= 0) return MIN_SHARES;
  return Math.max(MIN_SHARES, Math.floor((milli * SHARES_PER_CPU) / 1000));
}

export function cgroupSettings(c: ContainerModel, pidsLimit: number, caps: RuntimeCaps): CgroupResult {
  const warnings: string[] = [];
  const settings: CgroupSettings = { cpuShares: MIN_SHARES };
  const memory = quantityValue(c.limits['memory']);
  if (memory !== undefined && memory > 0) {
    if (caps.memoryLimitSupported) {
      settings.memoryBytes = Math.floor(memory);
      settings.memorySwapBytes = Math.floor(memory);
    } else {
      warnings.push(
        `limits.memory ${String(c.limits['memory'])} of container "${c.name}" is not enforced: the kernel has the memory cgroup disabled (enable it with cgroup_enable=memory on the kernel command line)`,
      );
    }
  }
  const cpuLimit = quantityValue(c.limits['cpu']);
  if (cpuLimit !== undefined && cpuLimit > 0) {
    if (caps.cpuCfsQuotaSupported) {
      settings.cpuPeriod = CPU_PERIOD_US;
      settings.cpuQuota = Math.max(MIN_QUOTA_US, Math.round(cpuLimit * CPU_PERIOD_US));
    } else {
      warnings.push(`limits.cpu ${String(c.limits['cpu'])} of container "${c.name}" is not enforced: the kernel has no CFS bandwidth control`);
    }
  }
  // No request but a limit: the request is the limit (the hub defaults it; a hand-made document may not).
  const cpuRequest = quantityValue(c.requests['cpu']) ?? cpuLimit;
  if (cpuRequest !== undefined) settings.cpuShares = milliCpuToShares(Math.round(cpuRequest * 1000));
  if (pidsLimit > 0) {
    if (caps.pidsLimitSupported) settings.pidsLimit = pidsLimit;
    else warnings.push(`the node's pids limit (${pidsLimit} per container) is not enforced on container "${c.name}": the kernel has the pids cgroup disabled`);
  }
  return { settings, warnings };
}

/**
 * Usage from two cgroup readings a window apart: CPU as the rate of cumulative CPU time over the
 * window, memory as the later working set. Pods group their app containers (the sandbox holding
 * the network is left out, as metrics-server reports only the pod's containers). Pure.
 */
import { METRICS_LIMITS, type MetricsMessage, type PodUsage, type Usage } from '../../shared/protocol/metrics.js';
import type { CgroupReading } from './cgroups.js';

export interface SampledContainer {
  id: string;
  podNamespace: string;
  podName: string;
  podUid: string;
  container: string;
}

export interface Readings {
  node: CgroupReading | undefined;
  containers: Map<string, CgroupReading>;
}

function clamp(n: number, max: number): number {
  return Math.min(max, Math.max(0, Math.round(n)));
}

/** Usage over `windowMs`; a counter that went backwards (a restarted container) reads as 0. */
export function usageBetween(before: CgroupReading, after: CgroupReading, windowMs: number): Usage {
  const cpuNs = after.cpuUsageNs - before.cpuUsageNs;
  return {
    cpuNanoCores: windowMs > 0 ? clamp((cpuNs * 1000) / windowMs, METRICS_LIMITS.maxNanoCores) : 0,
    memoryBytes: clamp(after.memoryWorkingSetBytes, METRICS_LIMITS.maxMemoryBytes),
  };
}

export function usageReport(containers: readonly SampledContainer[], before: Readings, after: Readings, windowMs: number): MetricsMessage {
  const pods = new Map<string, PodUsage>();
  for (const c of containers) {
    const b = before.containers.get(c.id);
    const a = after.containers.get(c.id);
    if (!a || !b) continue;
    const key = `${c.podNamespace}/${c.podName}`;
    let pod = pods.get(key);
    if (!pod) {
      if (pods.size >= METRICS_LIMITS.maxPods) continue;
      pod = { namespace: c.podNamespace, name: c.podName, ...(c.podUid ? { uid: c.podUid } : {}), containers: [] };
      pods.set(key, pod);
    }
    if (pod.containers.length < METRICS_LIMITS.maxContainersPerPod) pod.containers.push({ name: c.container, ...usageBetween(b, a, windowMs) });
  }
  const node = before.node && after.node ? usageBetween(before.node, after.node, windowMs) : { cpuNanoCores: 0, memoryBytes: 0 };
  const window = Math.min(METRICS_LIMITS.maxWindowMs, Math.max(METRICS_LIMITS.minWindowMs, Math.round(windowMs)));
  return { v: 1, t: 'metrics', windowMs: window, node, pods: [...pods.values()] };
}

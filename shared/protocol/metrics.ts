/**
 * Resource usage on the link (for the Metrics API, `kubectl top`): the hub asks with a `metrics`
 * command on the node's cmd topic; the agent answers on its `metrics` channel (QoS 0) with the
 * node's and each pod's usage over a short sampling window, and also sends one at a slow
 * default period. The hub stamps the time it received a report: the device clock is not trusted.
 */
import { isDNS1123Label } from '../api/validation/names.js';
import { checkRecord, type Fields } from './fields.js';
import { NAMESPACE, OBJECT_NAME, UID } from './agent-schemas.js';

/** Usage as the kubelet's summary reports it: CPU as a rate, memory as the working set. */
export interface Usage {
  /** Billionths of a core, averaged over the sample window. */
  cpuNanoCores: number;
  /** Memory in use minus inactive file cache (the kubelet's working set). */
  memoryBytes: number;
}

export interface ContainerUsage extends Usage {
  name: string;
}

export interface PodUsage {
  namespace: string;
  name: string;
  uid?: string;
  containers: ContainerUsage[];
}

export interface MetricsMessage {
  v: 1;
  t: 'metrics';
  /** The sampling window the CPU rates are averaged over. */
  windowMs: number;
  node: Usage;
  pods: PodUsage[];
}

export interface MetricsCommand {
  v: 1;
  t: 'cmd';
  cmd: 'metrics';
}

/** What a report may hold: beyond these it is refused whole. */
export const METRICS_LIMITS = {
  maxPods: 256,
  maxContainersPerPod: 32,
  /** A thousand cores. */
  maxNanoCores: 1e12,
  /** One pebibyte. */
  maxMemoryBytes: 2 ** 50,
  minWindowMs: 100,
  maxWindowMs: 600_000,
} as const;

function readUsage(f: Fields): Usage {
  return { cpuNanoCores: f.int('cpuNanoCores', 0, METRICS_LIMITS.maxNanoCores), memoryBytes: f.int('memoryBytes', 0, METRICS_LIMITS.maxMemoryBytes) };
}

export function readMetrics(f: Fields): MetricsMessage {
  const pods = f.array('pods', METRICS_LIMITS.maxPods).map(({ item, path }): PodUsage => {
    const p = checkRecord(item, path);
    const containers = p.array('containers', METRICS_LIMITS.maxContainersPerPod).map(({ item: c, path: cp }) => {
      const cf = checkRecord(c, cp);
      return { name: cf.string('name', { check: isDNS1123Label }), ...readUsage(cf) };
    });
    const uid = p.optString('uid', UID);
    return { namespace: p.string('namespace', NAMESPACE), name: p.string('name', OBJECT_NAME), ...(uid !== undefined ? { uid } : {}), containers };
  });
  return { v: 1, t: 'metrics', windowMs: f.int('windowMs', METRICS_LIMITS.minWindowMs, METRICS_LIMITS.maxWindowMs), node: readUsage(f.record('node')), pods };
}

/**
 * The tolerations every DaemonSet pod gets (pkg/controller/daemon/util
 * `AddOrUpdateDaemonPodTolerations`): a daemon stays on a node that went not-ready or
 * unreachable for any length of time, and is placed on nodes under pressure or cordoned.
 */
import {
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
  type Toleration,
} from '../../../shared/api/taints.js';

const exists = (key: string, effect: Toleration['effect']): Toleration => ({ key, operator: 'Exists', effect });

const ALWAYS: readonly Toleration[] = [
  exists(TAINT_NODE_NOT_READY, 'NoExecute'),
  exists(TAINT_NODE_UNREACHABLE, 'NoExecute'),
  exists(TAINT_NODE_DISK_PRESSURE, 'NoSchedule'),
  exists(TAINT_NODE_MEMORY_PRESSURE, 'NoSchedule'),
  exists(TAINT_NODE_PID_PRESSURE, 'NoSchedule'),
  exists(TAINT_NODE_UNSCHEDULABLE, 'NoSchedule'),
];

/** Kubernetes adds this one only to host-network daemons (they do not need the pod network). */
const HOST_NETWORK: readonly Toleration[] = [exists(TAINT_NODE_NETWORK_UNAVAILABLE, 'NoSchedule')];

/** Same key, operator, value and effect: Kubernetes' `Toleration.MatchToleration`. */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
}

/**
 * The pod's own tolerations with the DaemonSet ones added; a user toleration matching one of
 * them (say, unreachable with tolerationSeconds) is replaced by it, as `AddOrUpdateTolerationInPodSpec` does.
 */
export function daemonPodTolerations(own: readonly Toleration[], hostNetwork: boolean): Toleration[] {
  const out = [...own];
  for (const t of hostNetwork ? [...ALWAYS, ...HOST_NETWORK] : ALWAYS) {
    const i = out.findIndex((o) => sameToleration(o, t));
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

/**
 * The pod-gc planner: for one pod and whether its node exists, what the hub should do about it.
 * Pure.
 *
 * Flotilla has no scheduler: a pod runs where `spec.nodeName` says (DaemonSets fill it in for
 * their pods). A pod that names no node, or a node that does not exist, would sit in Pending
 * with no word why; it gets `PodScheduled=False` saying why (and a Warning event, once per
 * change of reason) once it has been pending for `explainAfterMs`, so applying pods just before
 * their device enrolls raises no false alarm. A pod bound to a node that does not exist is kept:
 * a device of that name may still enroll. But one being deleted there would stay Terminating
 * forever, since no agent will ever confirm it stopped: when its grace period is over it is
 * deleted, as Kubernetes' pod GC does for orphaned pods.
 */
import type { Pod, PodCondition } from '../../../shared/api/types/index.js';
import { rfc3339 } from '../../../shared/util/clock.js';

/** The condition reasons this controller writes (and so may take back). */
export const UNBOUND_REASON = 'Unschedulable';
export const NODE_NOT_FOUND_REASON = 'NodeNotFound';

export interface PodGcConfig {
  /** How long a pod may be pending before it is explained. */
  explainAfterMs: number;
}

export const DEFAULT_POD_GC_CONFIG: Readonly<PodGcConfig> = { explainAfterMs: 5_000 };

export type PodGcStep =
  | { kind: 'none' }
  /** Nothing yet: look again in `afterMs`. */
  | { kind: 'wait'; afterMs: number }
  /** Finish the deletion (grace 0): no agent will. */
  | { kind: 'forceDelete'; why: string }
  /** Write the condition (PodScheduled=False) and record a Warning event. */
  | { kind: 'explain'; condition: PodCondition; eventReason: string }
  /** The node now exists: PodScheduled=True replaces what this controller wrote. */
  | { kind: 'clear'; condition: PodCondition };

const TERMINAL = new Set(['Succeeded', 'Failed']);

function isDaemonSetPod(pod: Pod): boolean {
  return (pod.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.kind === 'DaemonSet');
}

function scheduledCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
}

/** Milliseconds from `now` until `time` (RFC 3339); 0 when it is past or unreadable. */
function msUntil(time: string | undefined, now: Date, plusMs = 0): number {
  const t = Date.parse(time ?? '');
  return Number.isNaN(t) ? 0 : Math.max(0, t + plusMs - now.getTime());
}

function explain(pod: Pod, reason: string, message: string, eventReason: string, now: Date, config: PodGcConfig): PodGcStep {
  const current = scheduledCondition(pod);
  if (current?.status === 'False' && current.reason === reason && current.message === message) return { kind: 'none' };
  const wait = msUntil(pod.metadata.creationTimestamp, now, config.explainAfterMs);
  if (wait > 0) return { kind: 'wait', afterMs: wait };
  return { kind: 'explain', condition: { type: 'PodScheduled', status: 'False', reason, message, lastTransitionTime: rfc3339(now) }, eventReason };
}

export function planPodGc(pod: Pod, nodeExists: boolean, now: Date, config: PodGcConfig = DEFAULT_POD_GC_CONFIG): PodGcStep {
  const nodeName = pod.spec.nodeName ?? '';
  if (pod.metadata.deletionTimestamp) {
    if (nodeName === '' || nodeExists) return { kind: 'none' };
    const wait = msUntil(pod.metadata.deletionTimestamp, now);
    if (wait > 0) return { kind: 'wait', afterMs: wait };
    return { kind: 'forceDelete', why: `node ${nodeName} does not exist: no agent will stop the pod` };
  }
  if (TERMINAL.has(pod.status?.phase ?? '')) return { kind: 'none' };
  if (nodeName === '') {
    if (isDaemonSetPod(pod)) return { kind: 'none' };
    return explain(
      pod,
      UNBOUND_REASON,
      'the pod has no spec.nodeName and Flotilla does not schedule pods: set spec.nodeName to a node, or run it from a DaemonSet',
      'FailedScheduling',
      now,
      config,
    );
  }
  if (!nodeExists) {
    return explain(pod, NODE_NOT_FOUND_REASON, `node "${nodeName}" does not exist: the pod starts when a device of that name enrolls`, 'NodeNotFound', now, config);
  }
  const current = scheduledCondition(pod);
  if (current?.status === 'False' && (current.reason === NODE_NOT_FOUND_REASON || current.reason === UNBOUND_REASON)) {
    return { kind: 'clear', condition: { type: 'PodScheduled', status: 'True', lastTransitionTime: rfc3339(now) } };
  }
  return { kind: 'none' };
}

/**
 * The taint-eviction planner (Kubernetes' NoExecute taint manager, level-based): for the pods
 * bound to a node, which must go now and which may stay until when. Pure.
 *
 * Deadlines count from each taint's `timeAdded`, so they survive hub restarts; for a taint
 * without one (added by hand through the API) the caller says when it first saw the taint.
 * Per taint, the first toleration that tolerates it decides (as Kubernetes does); a pod's
 * deadline is the earliest over the node's NoExecute taints.
 */
import { taintsOf, tolerates, type Taint } from '../../../shared/api/taints.js';
import type { Node, Pod } from '../../../shared/api/types/index.js';

export interface EvictionDecision {
  pod: Pod;
  /** `evict`: delete it now; `wait`: it may stay until `at`. */
  action: 'evict' | 'wait';
  /** When the pod's time is (or was) up: now for an untolerated taint. */
  at: Date;
  /** The taint that decided it. */
  taint: Taint;
}

/** When a taint without `timeAdded` was first seen; undefined = now. */
export type TaintFirstSeen = (taint: Taint) => Date | undefined;

/** When `taint` was added: its timeAdded, else when it was first seen, else now. */
export function taintAddedAt(taint: Taint, now: Date, firstSeen?: TaintFirstSeen): Date {
  const t = taint.timeAdded === undefined ? Number.NaN : Date.parse(taint.timeAdded);
  if (!Number.isNaN(t)) return new Date(t);
  return firstSeen?.(taint) ?? now;
}

/** One pod against the node's NoExecute taints; undefined = tolerated without a time limit. */
export function planPodEviction(pod: Pod, noExecute: readonly Taint[], now: Date, firstSeen?: TaintFirstSeen): EvictionDecision | undefined {
  const tolerations = pod.spec.tolerations ?? [];
  let earliest: { at: number; taint: Taint } | undefined;
  for (const taint of noExecute) {
    const toleration = tolerations.find((t) => tolerates(t, taint));
    if (!toleration) return { pod, action: 'evict', at: now, taint };
    if (toleration.tolerationSeconds === undefined) continue;
    const at = taintAddedAt(taint, now, firstSeen).getTime() + Math.max(0, toleration.tolerationSeconds) * 1000;
    if (!earliest || at < earliest.at) earliest = { at, taint };
  }
  if (!earliest) return undefined;
  return { pod, action: earliest.at <= now.getTime() ? 'evict' : 'wait', at: new Date(earliest.at), taint: earliest.taint };
}

/**
 * Decisions for the pods bound to `node`: pods tolerated forever, pods already being deleted
 * and pods bound elsewhere are left out.
 */
export function planEvictions(node: Node, pods: readonly Pod[], now: Date, firstSeen?: TaintFirstSeen): EvictionDecision[] {
  const noExecute = taintsOf(node).filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return [];
  const name = node.metadata.name ?? '';
  const out: EvictionDecision[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp || pod.spec.nodeName !== name) continue;
    const d = planPodEviction(pod, noExecute, now, firstSeen);
    if (d) out.push(d);
  }
  return out;
}

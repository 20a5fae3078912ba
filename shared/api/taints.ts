/**
 * Node taints and pod tolerations, with Kubernetes' matching rules (k8s.io/api core/v1
 * `Toleration.ToleratesTaint`, component-helpers' `FindMatchingUntoleratedTaint`, and the
 * taint-eviction controller's `GetMatchingTolerations` + `getMinTolerationTime`).
 */
import type { Node } from './types/node.js';
import type { TaintEffect, Toleration, Taint } from './types/scheduling.js';

export type { Taint, TaintEffect, Toleration, TolerationOperator } from './types/scheduling.js';

export const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Well-known taint keys (k8s.io/api core/v1 well_known_taints.go). */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

export function isTaintEffect(v: unknown): v is TaintEffect {
  return typeof v === 'string' && (TAINT_EFFECTS as readonly string[]).includes(v);
}

/** Kubernetes' `Toleration.ToleratesTaint`. */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator || 'Equal') {
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => tolerates(t, taint));
}

/**
 * The first taint with one of `effects` (all effects when omitted) that no toleration
 * tolerates, or undefined when every such taint is tolerated.
 */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[], effects?: readonly TaintEffect[]): Taint | undefined {
  return taints.find((taint) => (effects === undefined || effects.includes(taint.effect)) && !tolerationsTolerateTaint(tolerations, taint));
}

/**
 * For each taint, the first toleration that tolerates it (the taint-eviction controller's
 * `GetMatchingTolerations`); undefined when some taint is not tolerated at all.
 */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[]): Toleration[] | undefined {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => tolerates(x, taint));
    if (!t) return undefined;
    used.push(t);
  }
  return used;
}

/**
 * How many seconds a pod with `tolerations` may stay on a node with the NoExecute `taints`:
 * undefined = forever (every taint is tolerated without a time limit), 0 = evict now (some
 * taint is not tolerated, or tolerated with tolerationSeconds <= 0), else the smallest
 * tolerationSeconds among the tolerations used. Counted from when the taints were added.
 */
export function minTolerationSeconds(tolerations: readonly Toleration[], taints: readonly Taint[]): number | undefined {
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return undefined;
  const used = matchingTolerations(noExecute, tolerations);
  if (!used) return 0;
  let min: number | undefined;
  for (const t of used) {
    if (t.tolerationSeconds === undefined) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = min === undefined ? t.tolerationSeconds : Math.min(min, t.tolerationSeconds);
  }
  return min;
}

/** Taints identify by (key, effect): a node has at most one of each. */
export function sameTaintIdentity(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/** `key=value:Effect`, `key:Effect` or `key` (kubectl's Taint.ToString). */
export function formatTaint(t: { key: string; value?: string; effect?: string }): string {
  let s = t.key;
  if (t.value) s += `=${t.value}`;
  if (t.effect) s += `:${t.effect}`;
  return s;
}

// ------------------------------------------------------------------ reading objects

/** A node's `spec.taints` (a copy of the list: callers may change it). */
export function taintsOf(node: Node): Taint[] {
  return [...(node.spec?.taints ?? [])];
}

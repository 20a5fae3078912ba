/**
 * Kubernetes' DefaultTolerationSeconds admission plugin: a Pod created without a toleration
 * for the not-ready / unreachable NoExecute taints gets one for 300 s, so a pod stays on a
 * node that went silent for five minutes before it is evicted. Tolerations the pod has
 * (including `operator: Exists` with an empty key or effect) are respected, never duplicated.
 */
import type { KubeObject } from '../../../shared/api/meta.js';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from '../../../shared/api/taints.js';
import { isRecord } from '../../../shared/util/guards.js';

export interface DefaultTolerationSecondsConfig {
  /** kube-apiserver's --default-not-ready-toleration-seconds. */
  notReadySeconds: number;
  /** kube-apiserver's --default-unreachable-toleration-seconds. */
  unreachableSeconds: number;
}

export const DEFAULT_TOLERATION_SECONDS: DefaultTolerationSecondsConfig = { notReadySeconds: 300, unreachableSeconds: 300 };

/** Does this (raw) toleration already cover `key`:NoExecute, as the plugin judges it? */
function covers(raw: unknown, key: string): boolean {
  if (!isRecord(raw)) return false;
  const k = raw['key'];
  const effect = raw['effect'];
  return (k === key || k === undefined || k === '') && (effect === 'NoExecute' || effect === undefined || effect === '');
}

/**
 * The pod with the default tolerations added, or the same object when nothing needs adding
 * (also when `spec` or `spec.tolerations` is malformed: validation reports that).
 */
export function applyDefaultTolerationSeconds(pod: KubeObject, cfg: DefaultTolerationSecondsConfig = DEFAULT_TOLERATION_SECONDS): KubeObject {
  const spec = pod['spec'];
  if (!isRecord(spec)) return pod;
  const existing = spec['tolerations'];
  if (existing !== undefined && existing !== null && !Array.isArray(existing)) return pod;
  const list: unknown[] = Array.isArray(existing) ? existing : [];
  const added: Record<string, unknown>[] = [];
  for (const [key, seconds] of [
    [TAINT_NODE_NOT_READY, cfg.notReadySeconds],
    [TAINT_NODE_UNREACHABLE, cfg.unreachableSeconds],
  ] as const) {
    if (!list.some((t) => covers(t, key))) added.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  if (added.length === 0) return pod;
  return { ...pod, spec: { ...spec, tolerations: [...list, ...added] } };
}

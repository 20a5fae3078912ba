/**
 * Which pods a DaemonSet controls (controller-runtime's `ClaimPods`, Kubernetes'
 * `PodControllerRefManager`): pods whose controlling ownerReference is the DaemonSet's uid and
 * whose labels still match its selector; orphans (no controlling owner) that match are
 * adopted; owned pods that no longer match are released. Nothing is adopted while the
 * DaemonSet is being deleted, and pods being deleted are never adopted.
 *
 * The candidates come from the runtime cache's indexes, not a scan of the namespace: the pods
 * owned by the DaemonSet's uid, plus the pods carrying the label of one of its selector's
 * `key=value` / `key in (…)` / `key` requirements (a DaemonSet selector always has one in
 * practice: it must match the template's labels). Only a selector made of nothing but
 * `notin` / `!key` / `gt` / `lt` requirements falls back to every pod of the namespace.
 */
import { labelSelectorFromSpec, matchesLabels, type LabelRequirement, type LabelSelector } from '../../../shared/api/label-selector.js';
import type { DaemonSet, Pod } from '../../../shared/api/types/index.js';
import type { CacheReader } from '../runtime/index.js';
import { controllerRef } from './observe.js';

export interface Claim {
  /** Controlled and matching: the pods the planner sees (adopted ones included). */
  owned: Pod[];
  adopt: Pod[];
  release: Pod[];
}

/** The requirement the label index can answer most narrowly: an equality, else a set, else an existence. */
function indexedRequirement(selector: LabelSelector): LabelRequirement | undefined {
  const rank = (r: LabelRequirement): number => ['Equals', 'In', 'Exists'].indexOf(r.operator);
  return selector.requirements.filter((r) => rank(r) >= 0).sort((a, b) => rank(a) - rank(b))[0];
}

/** The pods `claimPods` must look at: owned by the DaemonSet, or labelled so its selector may match. */
export function claimCandidates(ds: DaemonSet, cache: CacheReader): Pod[] {
  const namespace = ds.metadata.namespace ?? 'default';
  const selector = labelSelectorFromSpec(ds.spec.selector);
  const owned = cache.ownedBy(ds.metadata.uid ?? '', 'Pod');
  if (selector.nothing) return owned;
  const r = indexedRequirement(selector);
  const labelled = r === undefined ? cache.list('Pod', namespace) : cache.podsLabelled(namespace, r.key, r.operator === 'Exists' ? undefined : r.values);
  const byName = new Map([...owned, ...labelled].map((p) => [p.metadata.name ?? '', p]));
  return [...byName.values()];
}

export function claimPods(ds: DaemonSet, candidates: readonly Pod[]): Claim {
  const uid = ds.metadata.uid ?? '';
  const selector = labelSelectorFromSpec(ds.spec.selector);
  const out: Claim = { owned: [], adopt: [], release: [] };
  for (const pod of candidates) {
    const ref = controllerRef(pod.metadata);
    const matches = matchesLabels(selector, pod.metadata.labels);
    if (ref?.uid === uid) {
      if (matches) out.owned.push(pod);
      else if (!pod.metadata.deletionTimestamp) out.release.push(pod);
      else out.owned.push(pod);
    } else if (!ref && matches && !pod.metadata.deletionTimestamp && !ds.metadata.deletionTimestamp) {
      out.adopt.push(pod);
    }
  }
  return out;
}

/** The ownerReference a DaemonSet puts on what it controls. */
export function daemonSetOwnerRef(ds: { name: string; uid: string }): { apiVersion: string; kind: string; name: string; uid: string; controller: boolean; blockOwnerDeletion: boolean } {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.name, uid: ds.uid, controller: true, blockOwnerDeletion: true };
}

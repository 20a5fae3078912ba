/**
 * Which pods a DaemonSet controls (controller-runtime's `ClaimPods`, Kubernetes'
 * `PodControllerRefManager`): pods whose controlling ownerReference is the DaemonSet's uid and
 * whose labels still match its selector; orphans (no controlling owner) that match are
 * adopted; owned pods that no longer match are released. Nothing is adopted while the
 * DaemonSet is being deleted, and pods being deleted are never adopted.
 */
import { labelSelectorFromSpec, matchesLabels } from '../../../shared/api/label-selector.js';
import type { DaemonSet, Pod } from '../../../shared/api/types/index.js';
import { controllerRef } from './observe.js';

export interface Claim {
  /** Controlled and matching: the pods the planner sees (adopted ones included). */
  owned: Pod[];
  adopt: Pod[];
  release: Pod[];
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

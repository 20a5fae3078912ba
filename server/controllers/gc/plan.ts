/**
 * The garbage collector's decisions for one object (pkg/controller/garbagecollector), pure:
 * - as a dependent: every owner it names is gone → delete it; some are gone → drop those
 *   ownerReferences;
 * - as an owner being deleted with the `orphan` finalizer: remove its ownerReference from every
 *   dependent, then the finalizer;
 * - with the `foregroundDeletion` finalizer: delete every dependent, and remove the finalizer
 *   once no dependent that blocks owner deletion (`blockOwnerDeletion: true`) is left.
 */
import type { KubeObject } from '../../../shared/api/meta.js';
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN } from '../../apiserver/admission/propagation.js';

/** What is known about the owner an ownerReference names. */
export type OwnerState = 'present' | 'absent';

export type GcStep =
  | { kind: 'deleteSelf' }
  | { kind: 'dropOwnerRefs'; uids: string[] }
  | { kind: 'orphanDependent'; dependent: KubeObject }
  | { kind: 'deleteDependent'; dependent: KubeObject }
  | { kind: 'removeFinalizer'; finalizer: string };

export interface GcInput {
  obj: KubeObject;
  /** Objects naming `obj` in their ownerReferences. */
  dependents: readonly KubeObject[];
  ownerState(ref: { kind: string; name: string; uid: string }): OwnerState;
}

export function planCollection(input: GcInput): GcStep[] {
  const { obj, dependents } = input;
  const m = obj.metadata;
  const uid = m.uid ?? '';
  const steps: GcStep[] = [];

  const refs = m.ownerReferences ?? [];
  if (refs.length > 0 && !m.deletionTimestamp) {
    const absent = refs.filter((r) => input.ownerState(r) === 'absent').map((r) => r.uid);
    if (absent.length === refs.length) return [{ kind: 'deleteSelf' }];
    if (absent.length > 0) steps.push({ kind: 'dropOwnerRefs', uids: absent });
  }

  if (!m.deletionTimestamp) return steps;
  const finalizers = m.finalizers ?? [];
  if (finalizers.includes(FINALIZER_ORPHAN)) {
    for (const d of dependents) steps.push({ kind: 'orphanDependent', dependent: d });
    steps.push({ kind: 'removeFinalizer', finalizer: FINALIZER_ORPHAN });
  } else if (finalizers.includes(FINALIZER_FOREGROUND)) {
    for (const d of dependents) if (!d.metadata.deletionTimestamp) steps.push({ kind: 'deleteDependent', dependent: d });
    const blocking = dependents.some((d) => (d.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true));
    if (!blocking) steps.push({ kind: 'removeFinalizer', finalizer: FINALIZER_FOREGROUND });
  }
  return steps;
}

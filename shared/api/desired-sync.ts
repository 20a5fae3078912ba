/**
 * The Node annotations that show whether a device has caught up with its desired state, both
 * written by the hub only (an agent's reported annotations cannot set them):
 *
 *   flotilla.io/desired-revision  the revision of the latest document the hub issued for the node
 *   flotilla.io/applied-revision  the revision the device reports it has carried out
 *   flotilla.io/desired-hash      the content digest of the document at desired-revision (so a
 *                                 restarted hub republishes unchanged content at the same revision)
 *
 * Values are `[EPOCH.]SEQ` (shared/protocol/revision.ts). `kubectl get nodes -o wide` and
 * `flotctl get nodes -o wide` show them with the verdict (Current, Behind, Ahead, Unknown).
 */
import { parseRevision, syncState, type SyncState } from '../protocol/revision.js';

export const DESIRED_REVISION_ANNOTATION = 'flotilla.io/desired-revision';
export const APPLIED_REVISION_ANNOTATION = 'flotilla.io/applied-revision';
export const DESIRED_HASH_ANNOTATION = 'flotilla.io/desired-hash';

/** Keys only the hub writes on a Node. */
export const HUB_OWNED_NODE_ANNOTATIONS: readonly string[] = [DESIRED_REVISION_ANNOTATION, APPLIED_REVISION_ANNOTATION, DESIRED_HASH_ANNOTATION];

export interface DesiredSync {
  desired: string | undefined;
  applied: string | undefined;
  state: SyncState;
}

export function desiredSync(annotations: Readonly<Record<string, string>> | undefined): DesiredSync {
  const desired = annotations?.[DESIRED_REVISION_ANNOTATION];
  const applied = annotations?.[APPLIED_REVISION_ANNOTATION];
  return { desired, applied, state: syncState(parseRevision(desired), parseRevision(applied)) };
}

/**
 * Which revision a node's desired document goes out at. New content always gets a new, higher
 * sequence. The first publish after a hub start republishes the retained document the broker
 * lost; when the Node records that the content at its desired revision (same epoch) hashes the
 * same, the document keeps that revision: the devices take it as the duplicate it is (no new
 * document written to their flash, no status change to report) and the hub writes nothing to
 * the Node. Without this, every hub restart cost each node three Node writes and its device a
 * re-apply, in the middle of the reconnect storm.
 */
import { DESIRED_HASH_ANNOTATION, DESIRED_REVISION_ANNOTATION } from '../../../shared/api/desired-sync.js';
import { parseRevision } from '../../../shared/protocol/index.js';

export interface RevisionInput {
  /** Nothing was published for the node since this hub started. */
  firstSinceStart: boolean;
  annotations: Readonly<Record<string, string>> | undefined;
  /** The content's digest now. */
  hash: string;
  epoch: number;
  /** The store's current resourceVersion (monotonic across restarts). */
  nextSeq: () => number;
}

/** `fresh`: a new revision, to be recorded on the Node; otherwise the recorded one, reused. */
export function revisionToIssue(i: RevisionInput): { seq: number; fresh: boolean } {
  if (i.firstSinceStart && i.annotations?.[DESIRED_HASH_ANNOTATION] === i.hash) {
    const held = parseRevision(i.annotations[DESIRED_REVISION_ANNOTATION]);
    if (held && held.epoch === i.epoch) return { seq: held.seq, fresh: false };
  }
  return { seq: i.nextSeq(), fresh: true };
}

/** What the DaemonSet planners hand the executors. */
import type { PodTemplateSpec } from '../../../shared/api/types/index.js';
import type { NewRevision } from './revisions.js';

export type DeleteReason =
  /** The node no longer wants the pod (label gone, NoExecute taint not tolerated). */
  | 'misscheduled'
  /** Phase Failed: deleted so it is recreated (with backoff). */
  | 'failed'
  | 'succeeded'
  /** More than one pod on the node: all but the oldest (or the surge pair) go. */
  | 'duplicate'
  /** Rolling update: an old pod makes room for, or is replaced by, an updated one. */
  | 'update'
  /** Bound to a node that does not exist. */
  | 'no-node';

export type CreateReason = 'missing' | 'surge';

export type DaemonSetStep =
  | { kind: 'createRevision'; revision: NewRevision }
  | { kind: 'renumberRevision'; name: string; revision: number }
  /** Pods labelled with a duplicate revision's hash take the kept one's. */
  | { kind: 'relabelPods'; fromHash: string; toHash: string }
  | { kind: 'deleteRevision'; name: string }
  | { kind: 'deletePod'; pod: string; node: string; reason: DeleteReason }
  /**
   * A pod from the current template bound to `node`, labelled with `hash` (and the template
   * generation); with `template`, from that older revision's template instead (stable-revision.ts).
   */
  | { kind: 'createPod'; node: string; hash: string; reason: CreateReason; template?: PodTemplateSpec };

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** The events executors emit per pod, with Kubernetes' texts. */
export const createdEvent = (pod: string): PlannedEvent => ({ type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${pod}` });
export const deletedEvent = (pod: string): PlannedEvent => ({ type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${pod}` });
export const failedCreateEvent = (error: string): PlannedEvent => ({ type: 'Warning', reason: 'FailedCreate', message: `Error creating: ${error}` });
export const failedDeleteEvent = (pod: string, error: string): PlannedEvent => ({ type: 'Warning', reason: 'FailedDelete', message: `Error deleting pod ${pod}: ${error}` });

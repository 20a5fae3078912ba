/** What starting a controller gives back to the hub. */
import type { WorkQueue } from '../../shared/reconcile/work-queue.js';

export interface RunningController {
  /** The controller's queue (tests wait on `queue.idle()`). */
  queue: WorkQueue;
  /** Stops watching and cancels pending timers; a reconcile in flight finishes. */
  stop(): void;
}

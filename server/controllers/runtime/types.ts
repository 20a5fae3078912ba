/** How a controller is declared for the runtime (controller-runtime's shape). */
import type { ReconcileResult } from '../../../shared/reconcile/work-queue.js';
import type { Logger } from '../../../shared/util/logger.js';
import type { StoreEvent } from '../../store/watch-hub.js';
import type { CachedKind, CacheReader } from './cache.js';

export type { ReconcileResult } from '../../../shared/reconcile/work-queue.js';

/** A kind whose changes wake the controller, and which of its keys each change concerns. */
export interface Watch {
  kind: CachedKind;
  /**
   * The keys (of the controller's kind) a change concerns. Synchronous when the cache answers;
   * may be async when it must read the API. Throwing or rejecting is logged and retried with
   * backoff.
   */
  map(e: StoreEvent, cache: CacheReader): Iterable<string> | Promise<Iterable<string>>;
}

/** Wakes a controller from outside the store (e.g. a lease renewed); returns its unsubscribe. */
export type Source = (enqueue: (key: string) => void) => () => void;

export interface ReconcileContext {
  /** Fresh state: the store's objects, current as of the last completed write, with indexes. */
  cache: CacheReader;
  /** Carries `controller`, `key` and `reconcileId`. */
  log: Logger;
}

export interface Controller {
  /** Names the controller in logs. */
  name: string;
  /** The kind whose keys (`name`, or `namespace/name`) it reconciles; every object of it is queued at start. */
  kind: CachedKind;
  /**
   * What wakes it. A change to `kind` itself queues that object's key unless a watch for
   * `kind` is listed here (which then decides).
   */
  watches?: Watch[];
  sources?: Source[];
  /** How many keys may reconcile at once (one key never runs twice at once). Default 1. */
  workers?: number;
  /**
   * Reads fresh state for `key` and enforces all of it. Resolve `{ requeueAfterMs }` to look
   * again later (time-based decisions); throw to be retried with backoff and jitter.
   */
  reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | void>;
}

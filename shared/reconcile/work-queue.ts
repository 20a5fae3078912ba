/**
 * A keyed work queue for level-based controllers, after client-go's: a key is queued at most
 * once, is never processed by two workers at once, and if it is added again while being
 * processed it runs once more afterwards. Failures requeue with backoff and jitter.
 */
import type { Clock } from '../util/clock.js';
import { errorMessage } from '../util/guards.js';
import type { Logger } from '../util/logger.js';
import { Backoff, type BackoffPolicy } from './backoff.js';

export type Reconcile = (key: string) => Promise<ReconcileResult | void>;

export interface ReconcileResult {
  /** Run this key again after this long even if nothing changes (time-based decisions). */
  requeueAfterMs?: number;
}

/** Reports a failed reconcile; the key is retried after `retryInMs`. */
export type OnFailure = (key: string, error: unknown, retry: { retryInMs: number; attempt: number }) => void;

export interface WorkQueueDeps {
  clock: Clock;
  logger: Logger;
  policy: BackoffPolicy;
  workers?: number;
  random?: () => number;
  /** Replaces the default warning log of a failed reconcile. */
  onFailure?: OnFailure;
}

export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly order: string[] = [];
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, () => void>();
  private readonly backoff: Backoff;
  private running = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly name: string,
    private readonly reconcile: Reconcile,
    private readonly deps: WorkQueueDeps,
  ) {
    this.backoff = new Backoff(deps.policy, deps.random);
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.pump();
  }

  /** Adds `key` after `ms`, unless an earlier timer for it is already pending. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const existing = this.timers.get(key);
    if (existing) existing();
    this.timers.set(
      key,
      this.deps.clock.setTimer(() => {
        this.timers.delete(key);
        this.add(key);
      }, ms),
    );
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }

  /** Resolves when nothing is queued or running (for tests). */
  idle(): Promise<void> {
    if (this.order.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  get length(): number {
    return this.order.length;
  }

  /** Something is queued or running (timers waiting to add keys do not count). */
  get busy(): boolean {
    return this.order.length > 0 || this.running > 0;
  }

  private pump(): void {
    const workers = this.deps.workers ?? 1;
    while (this.running < workers && this.order.length > 0 && !this.stopped) {
      const key = this.order.shift();
      if (key === undefined) break;
      this.queued.delete(key);
      this.active.add(key);
      this.running += 1;
      void this.process(key);
    }
    if (this.order.length === 0 && this.running === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async process(key: string): Promise<void> {
    try {
      const result = await this.reconcile(key);
      this.backoff.reset(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (e: unknown) {
      const delay = this.backoff.next(key);
      const attempt = this.backoff.attempts(key);
      if (this.deps.onFailure) this.deps.onFailure(key, e, { retryInMs: delay, attempt });
      else this.deps.logger.warn('reconcile failed', { controller: this.name, key, error: errorMessage(e), retryInMs: delay, attempt });
      this.addAfter(key, delay);
    } finally {
      this.active.delete(key);
      this.running -= 1;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}

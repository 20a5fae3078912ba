/**
 * Runs controllers: one store watch feeds the cache and every controller's watch mappings;
 * each controller gets a work queue (de-duplication, one run per key at a time, backoff with
 * jitter). Failures of the initial list, of a watch mapping or of a reconcile are logged and
 * retried; none escapes as an unhandled rejection, and none reaches the store's write path.
 */
import { kindByName, resourceName } from '../../../shared/api/kinds.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffPolicy } from '../../../shared/reconcile/backoff.js';
import { WorkQueue, type ReconcileResult } from '../../../shared/reconcile/work-queue.js';
import type { Clock } from '../../../shared/util/clock.js';
import { errorMessage } from '../../../shared/util/guards.js';
import type { Logger } from '../../../shared/util/logger.js';
import type { StoreEvent } from '../../store/watch-hub.js';
import { ObjectCache, type CachedKind } from './cache.js';
import { keyOf, ownKey } from './maps.js';
import type { Controller, Watch } from './types.js';

/**
 * The part of the ObjectStore the runtime reads: lists with their resourceVersion (objects of
 * its own, which the cache keeps), and the watch.
 */
export interface WatchableStore {
  list(resource: string): Promise<{ items: KubeObject[]; rv: number }>;
  watch(fromRv: number | undefined, listener: (e: StoreEvent) => void): { cancel: () => void };
}

export interface RuntimeDeps {
  store: WatchableStore;
  clock: Clock;
  logger: Logger;
  /** Retry policy for failed lists, mappings and reconciles. */
  backoff?: BackoffPolicy;
  random?: () => number;
}

/** A reconcile's failure, carrying the run's id to the failure log. */
class ReconcileFailure extends Error {
  constructor(
    readonly reconcileId: number,
    readonly error: unknown,
  ) {
    super(errorMessage(error));
  }
}

/** One controller at run time: its queue, and its queue of watch mappings to retry. */
class Running {
  readonly queue: WorkQueue;
  /** Mappings that failed, by `watchIndex@rv`, retried by `retries`. */
  readonly failedMaps = new Map<string, { watch: Watch; event: StoreEvent }>();
  readonly retries: WorkQueue;
  readonly mapBackoff: Backoff;
  readonly watches: Watch[];
  readonly log: Logger;
  stopSources: (() => void)[] = [];

  constructor(
    readonly controller: Controller,
    rt: ControllerRuntime,
    deps: RuntimeDeps,
  ) {
    const { name, kind } = controller;
    const own = controller.watches ?? [];
    this.watches = own.some((w) => w.kind === kind) ? own : [{ kind, map: ownKey }, ...own];
    const log = deps.logger.child({ controller: name });
    const base = { clock: deps.clock, logger: log, policy: deps.backoff ?? DEFAULT_BACKOFF, ...(deps.random ? { random: deps.random } : {}) };
    this.queue = new WorkQueue(name, (key) => rt.reconcileOnce(this, key), {
      ...base,
      workers: controller.workers ?? 1,
      onFailure: (key, e, retry) => {
        const fields = e instanceof ReconcileFailure ? { reconcileId: e.reconcileId, error: errorMessage(e.error) } : { error: errorMessage(e) };
        log.warn('reconcile failed', { key, ...fields, ...retry });
      },
    });
    // Timers, stop and idle for mappings to retry; their backoff is counted in `mapBackoff`.
    this.retries = new WorkQueue(`${name}/watch`, (id) => rt.retryMapping(this, id), base);
    this.mapBackoff = new Backoff(base.policy, deps.random);
    this.log = log;
  }

  /** Records a failed mapping of `event` and schedules it again with backoff. */
  mappingFailed(id: string, watch: Watch, event: StoreEvent, error: unknown): void {
    this.failedMaps.set(id, { watch, event });
    const retryInMs = this.mapBackoff.next(id);
    const m = event.object.metadata;
    this.log.warn('watch mapping failed', {
      kind: watch.kind,
      object: m.namespace ? `${m.namespace}/${m.name ?? ''}` : m.name,
      rv: event.rv,
      error: errorMessage(error),
      retryInMs,
      attempt: this.mapBackoff.attempts(id),
    });
    this.retries.addAfter(id, retryInMs);
  }

  mappingDone(id: string): void {
    this.failedMaps.delete(id);
    this.mapBackoff.reset(id);
  }

  stop(): void {
    for (const s of this.stopSources) s();
    this.stopSources = [];
    this.queue.stop();
    this.retries.stop();
  }
}

export class ControllerRuntime {
  readonly cache: ObjectCache;
  private readonly running: Running[];
  private readonly log: Logger;
  private readonly syncBackoff: Backoff;
  private cancelWatch: () => void = () => undefined;
  private cancelSyncTimer: () => void = () => undefined;
  private wakeSync: () => void = () => undefined;
  private started: Promise<void> | undefined;
  private stopped = false;
  private reconciles = 0;
  /** Async watch mappings not yet settled (idle() waits for them). */
  private readonly pendingMaps = new Set<Promise<unknown>>();

  constructor(
    controllers: Controller[],
    private readonly deps: RuntimeDeps,
  ) {
    this.log = deps.logger.child({ component: 'controller-runtime' });
    this.syncBackoff = new Backoff(deps.backoff ?? DEFAULT_BACKOFF, deps.random);
    this.running = controllers.map((c) => new Running(c, this, deps));
    // Pods are always held: the indexes are over pods.
    const kinds = new Set<CachedKind>(['Pod']);
    for (const r of this.running) for (const w of r.watches) kinds.add(w.kind);
    this.cache = new ObjectCache(kinds);
  }

  /**
   * Fills the cache (retrying a failing list with backoff), then starts the controllers and
   * queues every object of each one's kind. Resolves once that is done, or when stopped first.
   */
  start(): Promise<void> {
    this.started ??= this.run();
    return this.started;
  }

  /** Resolves when the cache is filled and nothing is queued, running or being mapped. */
  async idle(): Promise<void> {
    await this.start();
    while (!this.stopped && this.busy()) {
      await Promise.all([...this.running.flatMap((r) => [r.queue.idle(), r.retries.idle()]), ...this.pendingMaps]);
    }
  }

  /**
   * Stops watching and cancels every timer; reconciles in flight finish (on the cache as it
   * was: it is kept, so none of them mistakes an emptied cache for deleted objects).
   */
  stop(): void {
    this.stopped = true;
    this.cancelWatch();
    this.cancelSyncTimer();
    this.wakeSync();
    for (const r of this.running) r.stop();
  }

  /** The work queue's reconcile: runs the controller once for `key` with a fresh log context. */
  async reconcileOnce(r: Running, key: string): Promise<ReconcileResult | void> {
    // Keys are queued from store watch callbacks, which run inside a store write; start after it.
    await Promise.resolve();
    const reconcileId = ++this.reconciles;
    const log = this.deps.logger.child({ controller: r.controller.name, key, reconcileId });
    try {
      return await r.controller.reconcile(key, { cache: this.cache, log });
    } catch (e: unknown) {
      throw new ReconcileFailure(reconcileId, e);
    }
  }

  /** The retry queue's reconcile: maps a failed event again (reading current state). */
  async retryMapping(r: Running, id: string): Promise<void> {
    const failed = r.failedMaps.get(id);
    if (!failed) return;
    try {
      const keys = await failed.watch.map(failed.event, this.cache);
      r.mappingDone(id);
      for (const k of keys) r.queue.add(k);
    } catch (e: unknown) {
      r.mappingFailed(id, failed.watch, failed.event, e);
    }
  }

  private busy(): boolean {
    return this.pendingMaps.size > 0 || this.running.some((r) => r.queue.busy || r.retries.busy);
  }

  private async run(): Promise<void> {
    // Subscribe before listing so nothing is missed; events are held until their kind is listed.
    let held: StoreEvent[] | undefined = [];
    this.cancelWatch = this.deps.store.watch(undefined, (e) => {
      if (held) held.push(e);
      else this.onEvent(e);
    }).cancel;
    const listedAt = await this.sync();
    if (!listedAt) return;
    for (const e of held) if (e.rv > (listedAt.get(e.object.kind) ?? Infinity)) this.cache.apply(e);
    held = undefined;
    for (const r of this.running) {
      const { controller, queue } = r;
      r.stopSources = (controller.sources ?? []).map((s) => s((key) => queue.add(key)));
      for (const o of this.cache.list(controller.kind)) queue.add(keyOf(o));
      this.log.info('controller started', { controller: controller.name, kind: controller.kind, watches: r.watches.map((w) => w.kind) });
    }
  }

  /** Lists every cached kind into the cache, retrying with backoff; the rv each list is consistent with. */
  private async sync(): Promise<Map<string, number> | undefined> {
    const kinds = [...this.cache.kinds];
    while (!this.stopped) {
      try {
        const listedAt = new Map<string, number>();
        for (const kind of kinds) {
          const info = kindByName(kind);
          if (!info) continue;
          const { items, rv } = await this.deps.store.list(resourceName(info));
          this.cache.replace(kind, items);
          listedAt.set(kind, rv);
        }
        this.syncBackoff.reset('sync');
        return listedAt;
      } catch (e: unknown) {
        const retryInMs = this.syncBackoff.next('sync');
        this.log.warn('cache sync failed', { kinds, error: errorMessage(e), retryInMs, attempt: this.syncBackoff.attempts('sync') });
        await new Promise<void>((resolve) => {
          this.wakeSync = resolve;
          this.cancelSyncTimer = this.deps.clock.setTimer(resolve, retryInMs);
        });
      }
    }
    return undefined;
  }

  /** Called by the store inside a write: must not throw. */
  private onEvent(e: StoreEvent): void {
    try {
      this.cache.apply(e);
    } catch (err: unknown) {
      this.log.error('cache update failed', { kind: e.object.kind, rv: e.rv, error: errorMessage(err) });
    }
    for (const r of this.running) {
      r.watches.forEach((w, i) => {
        if (w.kind === e.object.kind) this.map(r, w, i, e);
      });
    }
  }

  private map(r: Running, watch: Watch, index: number, e: StoreEvent): void {
    const fail = (err: unknown): void => r.mappingFailed(`${index}@${e.rv}`, watch, e, err);
    try {
      const keys = watch.map(e, this.cache);
      if (!(keys instanceof Promise)) {
        for (const k of keys) r.queue.add(k);
        return;
      }
      const p = keys.then(
        (ks) => {
          for (const k of ks) r.queue.add(k);
        },
        fail,
      );
      this.pendingMaps.add(p);
      void p.finally(() => this.pendingMaps.delete(p));
    } catch (err: unknown) {
      fail(err);
    }
  }
}

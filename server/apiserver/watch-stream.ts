/**
 * `?watch=true`: newline-delimited `{type, object}` events, resumable from a resourceVersion.
 * What a stream holds in its send buffer counts against the watch budget (watch-budget.ts): a
 * client that does not read is cut off rather than buffered without bound.
 */
import type { ServerResponse } from 'node:http';
import { apiVersionOf, resourceName } from '../../shared/api/kinds.js';
import type { KubeObject, WatchEvent } from '../../shared/api/meta.js';
import type { Clock } from '../../shared/util/clock.js';
import type { ObjectStore } from '../store/object-store.js';
import type { StoreEvent } from '../store/watch-hub.js';
import type { ListOptions } from './list-options.js';
import type { ResourcePath } from './request-path.js';
import type { ResourceService } from './resource-service.js';
import type { WatchBudget, WatchBudgetLimits } from './watch-budget.js';

export interface WatchLimits extends WatchBudgetLimits {
  /** Default stream length when the client gives no timeoutSeconds (Kubernetes: 30-60 min). */
  defaultTimeoutSeconds: number;
  bookmarkIntervalMs: number;
}

/** Store events held while the initial state is still being written; past it the watch is dropped. */
const MAX_PENDING_EVENTS = 10_000;

/** Resolves true once `res` has drained, false if it closed first. */
function drained(res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => (): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

/** How a watch event looks to a client whose selector may have matched only before or only after. */
function translate(e: StoreEvent, path: ResourcePath, opts: ListOptions): WatchEvent | undefined {
  if (path.namespace && e.object.metadata.namespace !== path.namespace) return undefined;
  const now = opts.matches(e.object);
  if (e.type !== 'MODIFIED') return now ? { type: e.type, object: e.object } : undefined;
  const before = e.prev ? opts.matches(e.prev) : now;
  if (now && before) return { type: 'MODIFIED', object: e.object };
  if (now) return { type: 'ADDED', object: e.object };
  if (before) return { type: 'DELETED', object: e.object };
  return undefined;
}

export async function serveWatch(
  res: ServerResponse,
  deps: { service: ResourceService; store: ObjectStore; clock: Clock; budget: WatchBudget },
  path: ResourcePath,
  opts: ListOptions,
  limits: WatchLimits,
  render: (obj: KubeObject) => unknown,
): Promise<void> {
  const resource = resourceName(path.info);
  let fromRv = opts.resourceVersion;
  let initial: KubeObject[] = [];
  if (fromRv === undefined) {
    // No resourceVersion: the current state as ADDED events first, as Kubernetes does.
    const list = await deps.service.list(path, { ...opts, limit: undefined, continueKey: undefined });
    initial = list.items;
    fromRv = Number(list.metadata.resourceVersion);
  }
  let lastRv = fromRv;
  const pending: StoreEvent[] = [];
  let live = false;
  const write = (ev: { type: string; object: unknown }): void => {
    if (!res.destroyed) res.write(JSON.stringify(ev) + '\n');
  };
  const send = (ev: WatchEvent): void => {
    write({ type: ev.type, object: render(ev.object) });
    account.update(res.writableLength);
  };
  const deliver = (e: StoreEvent): void => {
    if (e.resource !== resource) return;
    lastRv = e.rv;
    const ev = translate(e, path, opts);
    if (ev) send(ev);
  };
  const hold = (e: StoreEvent): void => {
    if (e.resource !== resource) return;
    pending.push(e);
    if (pending.length > MAX_PENDING_EVENTS) deps.budget.dropWatch(account, 'initial state not read');
  };
  // Throws 410 before any header is written when fromRv is too old.
  const sub = deps.store.watch(fromRv, (e) => (live ? deliver(e) : hold(e)));
  const account = deps.budget.open({ resource, ...(path.namespace ? { namespace: path.namespace } : {}) }, () => res.destroy());
  const timeoutMs = (opts.timeoutSeconds ?? limits.defaultTimeoutSeconds) * 1000;
  const stops: (() => void)[] = [];
  const end = (): void => {
    sub.cancel();
    account.close();
    for (const s of stops) s();
    if (!res.writableEnded) res.end();
  };
  res.on('close', end);
  res.on('drain', () => account.track(res.writableLength));
  stops.push(deps.clock.setTimer(end, timeoutMs));
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.flushHeaders();
  // The initial state is written as the client reads it (it may be larger than the watch's share).
  for (const obj of initial) {
    write({ type: 'ADDED', object: render(obj) });
    if (!account.track(res.writableLength) && !(await drained(res))) return;
  }
  for (const e of sub.backlog) deliver(e);
  for (const e of pending) deliver(e);
  pending.length = 0;
  live = true;

  if (opts.allowBookmarks) {
    const bookmark = (): void => {
      // Bookmarks carry only a resourceVersion, never rendered as a table row.
      const object = { apiVersion: apiVersionOf(path.info), kind: path.info.kind, metadata: { resourceVersion: String(lastRv) } };
      write({ type: 'BOOKMARK', object });
      account.update(res.writableLength);
      stops.push(deps.clock.setTimer(bookmark, limits.bookmarkIntervalMs));
    };
    stops.push(deps.clock.setTimer(bookmark, limits.bookmarkIntervalMs));
  }
}

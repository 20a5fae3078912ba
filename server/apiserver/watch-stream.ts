/** `?watch=true`: newline-delimited `{type, object}` events, resumable from a resourceVersion. */
import type { ServerResponse } from 'node:http';
import { apiVersionOf, resourceName } from '../../shared/api/kinds.js';
import type { KubeObject, WatchEvent } from '../../shared/api/meta.js';
import type { Clock } from '../../shared/util/clock.js';
import type { ObjectStore } from '../store/object-store.js';
import type { StoreEvent } from '../store/watch-hub.js';
import type { ListOptions } from './list-options.js';
import type { ResourcePath } from './request-path.js';
import type { ResourceService } from './resource-service.js';

export interface WatchLimits {
  /** Default stream length when the client gives no timeoutSeconds (Kubernetes: 30-60 min). */
  defaultTimeoutSeconds: number;
  /** A client this far behind (bytes queued) is cut off rather than buffered without bound. */
  maxBufferedBytes: number;
  bookmarkIntervalMs: number;
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
  deps: { service: ResourceService; store: ObjectStore; clock: Clock },
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
  const send = (ev: WatchEvent): void => {
    res.write(JSON.stringify({ type: ev.type, object: render(ev.object) }) + '\n');
    if (res.writableLength > limits.maxBufferedBytes) res.destroy();
  };
  const deliver = (e: StoreEvent): void => {
    if (e.resource !== resource) return;
    lastRv = e.rv;
    const ev = translate(e, path, opts);
    if (ev) send(ev);
  };
  // Throws 410 before any header is written when fromRv is too old.
  const sub = deps.store.watch(fromRv, (e) => (live ? deliver(e) : pending.push(e)));
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.flushHeaders();
  for (const obj of initial) send({ type: 'ADDED', object: obj });
  for (const e of sub.backlog) deliver(e);
  for (const e of pending) deliver(e);
  live = true;

  const timeoutMs = (opts.timeoutSeconds ?? limits.defaultTimeoutSeconds) * 1000;
  const stops: (() => void)[] = [];
  const end = (): void => {
    sub.cancel();
    for (const s of stops) s();
    if (!res.writableEnded) res.end();
  };
  stops.push(deps.clock.setTimer(end, timeoutMs));
  if (opts.allowBookmarks) {
    const bookmark = (): void => {
      // Bookmarks carry only a resourceVersion, never rendered as a table row.
      const object = { apiVersion: apiVersionOf(path.info), kind: path.info.kind, metadata: { resourceVersion: String(lastRv) } };
      res.write(JSON.stringify({ type: 'BOOKMARK', object }) + '\n');
      stops.push(deps.clock.setTimer(bookmark, limits.bookmarkIntervalMs));
    };
    stops.push(deps.clock.setTimer(bookmark, limits.bookmarkIntervalMs));
  }
  res.on('close', end);
}

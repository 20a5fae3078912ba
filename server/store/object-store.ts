/**
 * The hub's only source of truth: every served object, one datafile per resource (in nedb's
 * format, which earlier hubs wrote through nedb), a global monotonic resourceVersion, and
 * in-process watch fan-out.
 *
 * Objects are stored serialized (nedb refused field names with dots, which label keys have).
 * Reads are served from memory (memory-table.ts: key order and exact-match indexes): a write
 * becomes visible, with its resourceVersion, to readers and watchers only once its datafile
 * write succeeded. The datafiles are read at start and appended to through one open
 * descriptor each (datafile.ts), and compacted from memory.
 *
 * Writes are group-committed: a write is decided at once against the latest state (committed
 * or still on its way to disk: `pending`), in call order, so read-modify-write cycles never
 * interleave; the writes that queue up while one batch is written go to disk together in the
 * next, one append per datafile, and become visible in resourceVersion order.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../shared/api/errors.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { Clock } from '../../shared/util/clock.js';
import type { Logger } from '../../shared/util/logger.js';
import { errorMessage } from '../../shared/util/guards.js';
import { DataFile, deletionLine, readDataFile } from './datafile.js';
import { STORE_FILE_MODES } from './file-modes.js';
import { indexedColumns, objectKey, type IndexedColumns } from './keys.js';
import { MemoryTable, type Entry, type Scan } from './memory-table.js';
import { Mutex } from './mutex.js';
import { WatchHub, type Listener, type StoreEvent } from './watch-hub.js';

interface StoredDoc extends IndexedColumns {
  _id: string;
  rv: number;
  json: string;
}

interface CounterDoc {
  _id: 'rv';
  value: number;
}

export interface StoreOptions {
  dir: string;
  resources: readonly string[];
  clock: Clock;
  logger: Logger;
  /** How often datafiles are compacted (nedb's files are append-only). */
  compactionIntervalMs: number;
  /** How many events a watch can resume across. */
  watchHistory: number;
}

export interface ListQuery {
  namespace?: string;
  /** An equality on one indexed column, to narrow the scan. */
  index?: { column: keyof IndexedColumns; value: string };
}

/** One page of a list: only the objects `matches` keeps, after `after`, at most `limit`. */
export interface ListPage {
  matches?: (obj: KubeObject) => boolean;
  limit?: number;
  /** The key the previous page ended with. */
  after?: string;
}

export interface ListResult<T = KubeObject> {
  items: T[];
  rv: number;
  /** Set when more objects match: the key of the page's last object, and how many remain. */
  more?: { lastKey: string; remaining: number };
}

/** Decides the next state of one object (against the latest state): return undefined to write nothing. */
export type Mutation = (current: KubeObject) => { next: KubeObject } | { remove: true } | undefined;

/** A write decided and on its way to disk; visible once its batch is written. */
interface Write {
  resource: string;
  key: string;
  rv: number;
  /** The datafile line: the serialized document or nedb's deletion marker. */
  line: string;
  /** The stored JSON text; undefined for a removal. */
  json: string | undefined;
  event: StoreEvent;
  done: Promise<void>;
  settle: { resolve: () => void; reject: (e: unknown) => void };
}

export class ObjectStore {
  /** Keeps batch appends and compaction (which replaces the files) apart. */
  private readonly lock = new Mutex();
  private stopCompaction: () => void = () => undefined;
  private closed = false;
  /** The resourceVersion of the last write readers can see (`rv` runs ahead during a write). */
  private visibleRv: number;
  /** Writes not written yet, in rv order. */
  private queue: Write[] = [];
  /** The latest write per resource and key that is not visible yet. */
  private readonly pending = new Map<string, Map<string, Write>>();
  private draining: Promise<void> | undefined;

  private constructor(
    private readonly files: Map<string, DataFile>,
    private readonly memory: Map<string, MemoryTable>,
    private readonly meta: DataFile,
    private rv: number,
    private readonly hub: WatchHub,
    private readonly opts: StoreOptions,
  ) {
    this.visibleRv = rv;
  }

  static async open(opts: StoreOptions): Promise<ObjectStore> {
    await mkdir(opts.dir, { recursive: true, mode: STORE_FILE_MODES.dirMode });
    const files = new Map<string, DataFile>();
    const memory = new Map<string, MemoryTable>();
    let maxRv = 0;
    for (const resource of opts.resources) {
      const filename = join(opts.dir, `${resource}.db`);
      const table = new MemoryTable();
      for (const [id, doc] of await readDataFile(filename)) {
        const json = doc.json;
        const rv = doc.rv;
        if (typeof json !== 'string' || typeof rv !== 'number') throw new Error(`${filename}: document ${id} has no json or rv field`);
        table.put(id, JSON.parse(json) as KubeObject, json);
        maxRv = Math.max(maxRv, rv);
      }
      files.set(resource, await DataFile.open(filename));
      memory.set(resource, table);
    }
    const metaFile = join(opts.dir, 'meta.db');
    const counter = (await readDataFile(metaFile)).get('rv')?.value;
    // A crash between the object write and the counter write leaves the object ahead: take the max.
    const rv = Math.max(typeof counter === 'number' ? counter : 0, maxRv);
    const store = new ObjectStore(files, memory, await DataFile.open(metaFile), rv, new WatchHub(rv, opts.watchHistory), opts);
    store.scheduleCompaction();
    opts.logger.info('store opened', { dir: opts.dir, resourceVersion: rv });
    return store;
  }

  currentRv(): number {
    return this.rv;
  }

  get(resource: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const entry = this.mem(resource).get(objectKey(namespace, name));
    return Promise.resolve(entry ? (JSON.parse(entry.json) as KubeObject) : undefined);
  }

  /**
   * Objects sorted by key and the resourceVersion the list is consistent with. Read from memory
   * in one synchronous pass (no write can interleave); only the page's objects are parsed.
   */
  list(resource: string, q: ListQuery = {}, page: ListPage = {}): Promise<ListResult> {
    return Promise.resolve(this.page(resource, q, page, (e) => JSON.parse(e.json) as KubeObject));
  }

  /**
   * As list(), handing out the stored objects themselves, unparsed: for readers that only look
   * (a Table's rows). The caller must not change them or keep them past the answer.
   */
  listStored(resource: string, q: ListQuery = {}, page: ListPage = {}): Promise<ListResult> {
    return Promise.resolve(this.page(resource, q, page, (e) => e.obj));
  }

  /** As list(), with each object as its stored JSON text (for answers that only re-encode it). */
  listJson(resource: string, q: ListQuery = {}, page: ListPage = {}): Promise<ListResult<string>> {
    return Promise.resolve(this.page(resource, q, page, (e) => e.json));
  }

  private page<T>(resource: string, q: ListQuery, page: ListPage, item: (e: Entry) => T): ListResult<T> {
    const rv = this.visibleRv;
    const items: T[] = [];
    let lastKey = '';
    let remaining = 0;
    const scan: Scan = {};
    if (q.namespace) scan.namespace = q.namespace;
    if (q.index) scan.index = q.index;
    if (page.after !== undefined) scan.after = page.after;
    const table = this.mem(resource);
    for (const e of table.scan(scan)) {
      if (page.matches && !page.matches(e.obj)) continue;
      if (page.limit !== undefined && items.length >= page.limit) {
        // Without a filter the rest of a key range is counted, not visited.
        const rest = page.matches ? undefined : table.countAfter({ ...scan, after: lastKey });
        if (rest !== undefined) {
          remaining = rest;
          break;
        }
        remaining += 1;
        continue;
      }
      items.push(item(e));
      lastKey = e.key;
    }
    return remaining > 0 ? { items, rv, more: { lastKey, remaining } } : { items, rv };
  }

  /** Inserts a new object; 409 AlreadyExists when the key is taken. */
  async create(resource: string, obj: KubeObject): Promise<KubeObject> {
    const key = objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
    if (this.latest(resource, key) !== undefined) throw ApiError.alreadyExists(resource, obj.metadata.name ?? '');
    const stored = this.stamp(obj);
    const doc = toDoc(key, stored);
    await this.submit(resource, key, JSON.stringify(doc), doc.json, { rv: this.rv, resource, type: 'ADDED', object: stored });
    return stored;
  }

  /**
   * Reads the latest state of the object, lets `mutate` decide, and queues the result at once,
   * so read-modify-write cycles (updates, patches, deletes) never interleave.
   */
  async mutate(resource: string, namespace: string | undefined, name: string, mutate: Mutation): Promise<KubeObject> {
    const key = objectKey(namespace, name);
    const json = this.latest(resource, key);
    if (json === undefined) throw ApiError.notFound(resource, name);
    const current = JSON.parse(json) as KubeObject;
    const decision = mutate(JSON.parse(json) as KubeObject);
    if (!decision) {
      // Nothing to write, but what the caller is told must be durable.
      await this.pending.get(resource)?.get(key)?.done;
      return current;
    }
    if ('remove' in decision) {
      this.rv += 1;
      const gone = structuredClone(current);
      gone.metadata.resourceVersion = String(this.rv);
      await this.submit(resource, key, deletionLine(key), undefined, { rv: this.rv, resource, type: 'DELETED', object: gone });
      return gone;
    }
    const stored = this.stamp(decision.next);
    const doc = toDoc(key, stored);
    await this.submit(resource, key, JSON.stringify(doc), doc.json, { rv: this.rv, resource, type: 'MODIFIED', object: stored, prev: current });
    return stored;
  }

  /** Events after `fromRv` (410 when too old), then live events until cancelled. */
  watch(fromRv: number | undefined, listener: Listener): { backlog: StoreEvent[]; cancel: () => void } {
    return this.hub.subscribe(fromRv, listener);
  }

  /** Rewrites every datafile to one line per live document, from memory. */
  async compact(): Promise<void> {
    await this.lock.run(async () => {
      for (const [resource, file] of this.files) {
        const lines: string[] = [];
        for (const e of this.mem(resource).scan({})) lines.push(JSON.stringify(entryDoc(e)));
        await file.rewrite(lines);
      }
      await this.meta.rewrite([counterLine(this.visibleRv)]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopCompaction();
    await this.draining;
    await this.compact();
    for (const f of [...this.files.values(), this.meta]) await f.close();
  }

  /** The latest JSON text under `key`: a write on its way to disk, else the visible object. */
  private latest(resource: string, key: string): string | undefined {
    const w = this.pending.get(resource)?.get(key);
    return w ? w.json : this.mem(resource).get(key)?.json;
  }

  private stamp(obj: KubeObject): KubeObject {
    this.rv += 1;
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(this.rv);
    return stored;
  }

  /** Queues a decided write; resolves once it is on disk and visible. */
  private submit(resource: string, key: string, line: string, json: string | undefined, event: StoreEvent): Promise<void> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    let settle: Write['settle'] = { resolve: () => undefined, reject: () => undefined };
    const done = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const w: Write = { resource, key, rv: event.rv, line, json, event, done, settle };
    this.queue.push(w);
    const byKey = this.pending.get(resource) ?? new Map<string, Write>();
    byKey.set(key, w);
    this.pending.set(resource, byKey);
    // Writes queued in the same turn go out together.
    this.draining ??= Promise.resolve().then(() => this.drain());
    return done;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.lock.run(() => this.writeBatch(batch));
      } catch (e: unknown) {
        // Later writes may have been decided on top of these: they fail too, and the next
        // writes start again from what is on disk.
        const failed = [...batch, ...this.queue];
        this.queue = [];
        this.pending.clear();
        this.opts.logger.error('store write failed', { writes: failed.length, error: errorMessage(e) });
        for (const w of failed) w.settle.reject(e);
      }
    }
    this.draining = undefined;
  }

  /** One append per datafile for the whole batch, then every write made visible in rv order. */
  private async writeBatch(batch: readonly Write[]): Promise<void> {
    const lines = new Map<string, string[]>();
    let removed = false;
    for (const w of batch) {
      const list = lines.get(w.resource) ?? [];
      list.push(w.line);
      lines.set(w.resource, list);
      removed ||= w.json === undefined;
    }
    const appends = [...lines].map(([resource, l]) => this.file(resource).append(l));
    // The counter matters only when the newest object may be gone: after a removal.
    const last = batch[batch.length - 1];
    if (removed && last) appends.push(this.meta.append([counterLine(last.rv)]));
    await Promise.all(appends);
    for (const w of batch) {
      const table = this.mem(w.resource);
      // A copy of its own: the stored object is also handed to the caller and to watchers.
      if (w.json === undefined) table.remove(w.key);
      else table.put(w.key, JSON.parse(w.json) as KubeObject, w.json);
      const byKey = this.pending.get(w.resource);
      if (byKey?.get(w.key) === w) byKey.delete(w.key);
      this.visibleRv = w.rv;
      this.hub.publish(w.event);
      w.settle.resolve();
    }
  }

  private mem(resource: string): MemoryTable {
    const t = this.memory.get(resource);
    if (!t) throw new Error(`store has no table for resource ${resource}`);
    return t;
  }

  private file(resource: string): DataFile {
    const f = this.files.get(resource);
    if (!f) throw new Error(`store has no table for resource ${resource}`);
    return f;
  }

  private scheduleCompaction(): void {
    const { clock, compactionIntervalMs, logger } = this.opts;
    const tick = (): void => {
      this.compact()
        .then(() => logger.debug('store compacted', {}))
        .catch((e: unknown) => logger.error('store compaction failed', { error: errorMessage(e) }))
        .finally(() => {
          if (!this.closed) this.stopCompaction = clock.setTimer(tick, compactionIntervalMs);
        });
    };
    this.stopCompaction = clock.setTimer(tick, compactionIntervalMs);
  }
}

/** nedb reads a datafile (and rewrites it without superseded lines); the store then appends itself. */
function counterLine(rv: number): string {
  return JSON.stringify({ _id: 'rv', value: rv } satisfies CounterDoc);
}

function entryDoc(e: Entry): StoredDoc {
  return { _id: e.key, ...e.columns, rv: Number(e.obj.metadata.resourceVersion), json: e.json };
}

function toDoc(key: string, obj: KubeObject): StoredDoc {
  return { _id: key, ...indexedColumns(obj), rv: Number(obj.metadata.resourceVersion), json: JSON.stringify(obj) };
}


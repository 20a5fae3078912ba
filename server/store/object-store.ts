/**
 * The hub's only source of truth: every served object, one nedb datafile per resource,
 * a global monotonic resourceVersion, and in-process watch fan-out.
 *
 * Objects are stored serialized (nedb refuses field names with dots, which label keys have).
 * Reads are served from memory (memory-table.ts: key order and exact-match indexes), outside
 * the write lock: a write becomes visible, with its resourceVersion, only once its datafile
 * write succeeded. nedb keeps only its primary key index: its indexes on low-cardinality
 * columns (every Node has the same namespace '') copied a whole bucket on each update.
 */
import { STORE_FILE_MODES } from './file-modes.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Datastore from 'nedb-promises';
import { ApiError } from '../../shared/api/errors.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { Clock } from '../../shared/util/clock.js';
import type { Logger } from '../../shared/util/logger.js';
import { errorMessage } from '../../shared/util/guards.js';
import { indexedColumns, objectKey, type IndexedColumns } from './keys.js';
import { MemoryTable, type Scan } from './memory-table.js';
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

/** nedb's promise-returning compaction; nedb-promises forwards it but does not declare it. */
interface Compactable {
  compactDatafileAsync(): Promise<void>;
}

function isCompactable(v: unknown): v is Compactable {
  return typeof v === 'object' && v !== null && typeof (v as Partial<Compactable>).compactDatafileAsync === 'function';
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

/** Decides the next state of one object under the write lock: return undefined to write nothing. */
export type Mutation = (current: KubeObject) => { next: KubeObject } | { remove: true } | undefined;

export class ObjectStore {
  private readonly lock = new Mutex();
  private stopCompaction: () => void = () => undefined;
  private closed = false;
  /** The resourceVersion of the last write readers can see (`rv` runs ahead during a write). */
  private visibleRv: number;

  private constructor(
    private readonly tables: Map<string, Datastore<StoredDoc>>,
    private readonly memory: Map<string, MemoryTable>,
    private readonly meta: Datastore<CounterDoc>,
    private rv: number,
    private readonly hub: WatchHub,
    private readonly opts: StoreOptions,
  ) {
    this.visibleRv = rv;
  }

  static async open(opts: StoreOptions): Promise<ObjectStore> {
    await mkdir(opts.dir, { recursive: true, mode: 0o700 });
    const tables = new Map<string, Datastore<StoredDoc>>();
    const memory = new Map<string, MemoryTable>();
    let maxRv = 0;
    for (const resource of opts.resources) {
      // nedb's `modes` (owner-only files) is missing from nedb-promises' typings.
      const dbOptions = { filename: join(opts.dir, `${resource}.db`), autoload: false, modes: STORE_FILE_MODES };
      const ds = Datastore.create(dbOptions) as Datastore<StoredDoc>;
      await ds.load();
      // Datafiles written with the old column indexes carry them in their index lines: drop them.
      for (const fieldName of ['ns', 'nodeName', 'ownerUid', 'involvedUid']) await ds.removeIndex(fieldName);
      const table = new MemoryTable();
      for (const doc of await ds.find({})) {
        table.put(doc._id, parse(doc), doc.json);
        maxRv = Math.max(maxRv, doc.rv);
      }
      tables.set(resource, ds);
      memory.set(resource, table);
    }
    // nedb's `modes` (owner-only files) is missing from nedb-promises' typings.
    const dbOptions = { filename: join(opts.dir, 'meta.db'), autoload: false, modes: STORE_FILE_MODES };
    const meta = Datastore.create(dbOptions) as Datastore<CounterDoc>;
    await meta.load();
    const counter = await meta.findOne({ _id: 'rv' });
    // A crash between the object write and the counter write leaves the object ahead: take the max.
    const rv = Math.max(counter?.value ?? 0, maxRv);
    const store = new ObjectStore(tables, memory, meta, rv, new WatchHub(rv, opts.watchHistory), opts);
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
    return Promise.resolve(this.page(resource, q, page, (json) => JSON.parse(json) as KubeObject));
  }

  /** As list(), with each object as its stored JSON text (for answers that only re-encode it). */
  listJson(resource: string, q: ListQuery = {}, page: ListPage = {}): Promise<ListResult<string>> {
    return Promise.resolve(this.page(resource, q, page, (json) => json));
  }

  private page<T>(resource: string, q: ListQuery, page: ListPage, item: (json: string) => T): ListResult<T> {
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
      items.push(item(e.json));
      lastKey = e.key;
    }
    return remaining > 0 ? { items, rv, more: { lastKey, remaining } } : { items, rv };
  }

  /** Inserts a new object; 409 AlreadyExists when the key is taken. */
  create(resource: string, obj: KubeObject): Promise<KubeObject> {
    return this.lock.run(async () => {
      const key = objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
      const table = this.table(resource);
      if (this.mem(resource).get(key)) throw ApiError.alreadyExists(resource, obj.metadata.name ?? '');
      const stored = this.stamp(obj);
      const doc = toDoc(key, stored);
      await Promise.all([table.insert(doc), this.saveCounter()]);
      this.commit(resource, key, stored, doc.json);
      this.emit({ rv: this.rv, resource, type: 'ADDED', object: stored });
      return stored;
    });
  }

  /**
   * Reads the current object, lets `mutate` decide, and writes the result, all under the write
   * lock, so read-modify-write cycles (updates, patches, deletes) never interleave.
   */
  mutate(resource: string, namespace: string | undefined, name: string, mutate: Mutation): Promise<KubeObject> {
    return this.lock.run(async () => {
      const key = objectKey(namespace, name);
      const table = this.table(resource);
      const entry = this.mem(resource).get(key);
      if (!entry) throw ApiError.notFound(resource, name);
      const current = JSON.parse(entry.json) as KubeObject;
      const decision = mutate(JSON.parse(entry.json) as KubeObject);
      if (!decision) return current;
      if ('remove' in decision) {
        this.rv += 1;
        await Promise.all([table.remove({ _id: key }, {}), this.saveCounter()]);
        this.commit(resource, key, undefined, '');
        const gone = structuredClone(current);
        gone.metadata.resourceVersion = String(this.rv);
        this.emit({ rv: this.rv, resource, type: 'DELETED', object: gone });
        return gone;
      }
      const stored = this.stamp(decision.next);
      const doc = toDoc(key, stored);
      await Promise.all([table.update({ _id: key }, doc, {}), this.saveCounter()]);
      this.commit(resource, key, stored, doc.json);
      this.emit({ rv: this.rv, resource, type: 'MODIFIED', object: stored, prev: current });
      return stored;
    });
  }

  /** Events after `fromRv` (410 when too old), then live events until cancelled. */
  watch(fromRv: number | undefined, listener: Listener): { backlog: StoreEvent[]; cancel: () => void } {
    return this.hub.subscribe(fromRv, listener);
  }

  /** Rewrites every datafile to one line per live document. */
  async compact(): Promise<void> {
    for (const ds of [...this.tables.values(), this.meta]) {
      if (isCompactable(ds)) await ds.compactDatafileAsync();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopCompaction();
    await this.lock.run(() => this.compact());
  }

  private stamp(obj: KubeObject): KubeObject {
    this.rv += 1;
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(this.rv);
    return stored;
  }

  /** Makes a write that reached the datafile visible to readers (`obj` undefined: a removal). */
  private commit(resource: string, key: string, obj: KubeObject | undefined, json: string): void {
    // A copy of its own: the stored object is also handed to the caller and to watchers.
    if (obj) this.mem(resource).put(key, JSON.parse(json) as KubeObject, json);
    else this.mem(resource).remove(key);
    this.visibleRv = this.rv;
  }

  private mem(resource: string): MemoryTable {
    const t = this.memory.get(resource);
    if (!t) throw new Error(`store has no table for resource ${resource}`);
    return t;
  }

  private saveCounter(): Promise<unknown> {
    return this.meta.update({ _id: 'rv' }, { _id: 'rv', value: this.rv }, { upsert: true });
  }

  private emit(e: StoreEvent): void {
    this.hub.publish(e);
  }

  private table(resource: string): Datastore<StoredDoc> {
    const t = this.tables.get(resource);
    if (!t) throw new Error(`store has no table for resource ${resource}`);
    return t;
  }

  private scheduleCompaction(): void {
    const { clock, compactionIntervalMs, logger } = this.opts;
    const tick = (): void => {
      this.lock
        .run(() => this.compact())
        .then(() => logger.debug('store compacted', {}))
        .catch((e: unknown) => logger.error('store compaction failed', { error: errorMessage(e) }))
        .finally(() => {
          if (!this.closed) this.stopCompaction = clock.setTimer(tick, compactionIntervalMs);
        });
    };
    this.stopCompaction = clock.setTimer(tick, compactionIntervalMs);
  }
}

function toDoc(key: string, obj: KubeObject): StoredDoc {
  return { _id: key, ...indexedColumns(obj), rv: Number(obj.metadata.resourceVersion), json: JSON.stringify(obj) };
}

function parse(doc: StoredDoc): KubeObject {
  return JSON.parse(doc.json) as KubeObject;
}

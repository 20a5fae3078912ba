/**
 * One resource's objects in memory, the way the hub reads them: by key, in key order (so a page
 * of a list starts where the last one ended, by binary search), and by exact-match indexes on the
 * scalar columns the hub queries (a Map from value to keys: updating an object touches only its
 * own entries, however many objects share a value). The datafile behind it is only written.
 */
import type { KubeObject } from '../../shared/api/meta.js';
import { INDEXED_FIELDS, indexedColumns, type IndexedColumns } from './keys.js';

export interface Entry {
  key: string;
  /** The stored object: shared, never handed out (readers get `parse(json)`). */
  obj: KubeObject;
  json: string;
  columns: IndexedColumns;
}

export interface Scan {
  /** Only keys in this namespace (a contiguous key range: keys are `namespace/name`). */
  namespace?: string;
  index?: { column: keyof IndexedColumns; value: string };
  /** Start after this key. */
  after?: string;
}

const INDEX_COLUMNS = INDEXED_FIELDS.filter((c) => c !== 'ns');

export class MemoryTable {
  private readonly entries = new Map<string, Entry>();
  /** Every key, sorted. */
  private readonly keys: string[] = [];
  private readonly indexes = new Map<keyof IndexedColumns, Map<string, Set<string>>>(INDEX_COLUMNS.map((c) => [c, new Map()]));

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Entry | undefined {
    return this.entries.get(key);
  }

  /** Inserts or replaces the object stored under `key`. */
  put(key: string, obj: KubeObject, json: string): void {
    const before = this.entries.get(key);
    if (before) this.unindex(before);
    else this.keys.splice(lowerBound(this.keys, key), 0, key);
    const entry: Entry = { key, obj, json, columns: indexedColumns(obj) };
    this.entries.set(key, entry);
    for (const c of INDEX_COLUMNS) {
      const value = entry.columns[c];
      if (value === '') continue;
      const byValue = this.indexes.get(c);
      const set = byValue?.get(value) ?? new Set<string>();
      set.add(key);
      byValue?.set(value, set);
    }
  }

  remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.unindex(entry);
    this.entries.delete(key);
    const at = lowerBound(this.keys, key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  /** Entries in key order; stop iterating to stop the scan (a page costs its own size). */
  *scan(q: Scan): Generator<Entry> {
    const byValue = q.index ? this.indexes.get(q.index.column) : undefined;
    if (q.index && byValue) {
      const keys = [...(byValue.get(q.index.value) ?? [])].sort();
      for (const key of keys) {
        if (q.after !== undefined && key <= q.after) continue;
        const e = this.entries.get(key);
        if (e && (q.namespace === undefined || e.columns.ns === q.namespace)) yield e;
      }
      return;
    }
    const namespace = q.index?.column === 'ns' ? q.index.value : q.namespace;
    // A column without an index of its own (the name: unique per namespace) is checked per entry.
    const column = q.index && q.index.column !== 'ns' ? q.index : undefined;
    const prefix = namespace !== undefined ? `${namespace}/` : '';
    let from = lowerBound(this.keys, prefix);
    if (q.after !== undefined && q.after >= prefix) from = upperBound(this.keys, q.after);
    for (let i = from; i < this.keys.length; i++) {
      const key = this.keys[i];
      if (key === undefined || !key.startsWith(prefix)) return;
      const e = this.entries.get(key);
      if (e && (namespace === undefined || e.columns.ns === namespace) && (!column || e.columns[column.column] === column.value)) yield e;
    }
  }

  /**
   * How many entries a scan yields, counted without visiting them; undefined for scans through
   * an index (count those by scanning).
   */
  countAfter(q: Scan): number | undefined {
    if (q.index) return undefined;
    const prefix = q.namespace !== undefined ? `${q.namespace}/` : '';
    let from = lowerBound(this.keys, prefix);
    if (q.after !== undefined && q.after >= prefix) from = upperBound(this.keys, q.after);
    // Keys of the namespace are contiguous: they end before the first key past the prefix.
    const to = prefix === '' ? this.keys.length : lowerBound(this.keys, `${q.namespace ?? ''}0`);
    return Math.max(0, to - from);
  }

  private unindex(entry: Entry): void {
    for (const c of INDEX_COLUMNS) {
      const value = entry.columns[c];
      const byValue = this.indexes.get(c);
      const set = byValue?.get(value);
      if (!set) continue;
      set.delete(entry.key);
      if (set.size === 0) byValue?.delete(value);
    }
  }
}

/** The first index whose key is >= `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] ?? '') < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index whose key is > `key`. */
function upperBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] ?? '') <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

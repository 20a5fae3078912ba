/**
 * metadata.managedFields bookkeeping shared by server-side apply and ordinary writes:
 * which fields count as managed, entry identity and order, and conflict errors.
 */

import { ApiError } from '../api/errors.js';
import { kindByName } from '../api/kinds.js';
import type { KubeObject, ManagedFieldsEntry } from '../api/meta.js';
import { isRecord } from '../util/guards.js';
import { cloneJson } from './json.js';
import {
  buildFieldSet,
  changedFields,
  difference,
  emptyFieldSet,
  fromFieldsV1,
  isEmptyFieldSet,
  memberPaths,
  pathString,
  toFieldsV1,
  union,
  type FieldNode,
} from './field-set.js';

/** One managedFields entry with its fields decoded. */
export interface Manager {
  entry: ManagedFieldsEntry;
  set: FieldNode;
}

/** Metadata the server owns: never part of anyone's managed fields (Kubernetes' stripMeta). */
const SERVER_METADATA = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink'];

/**
 * The fields of `obj` a write may own: everything but apiVersion, kind and server-owned
 * metadata; for a kind with a status subresource, not `status` on the main resource and
 * not `spec` on the status subresource (the fields each one resets).
 */
export function managedFieldSet(obj: unknown, kind: string, strict: boolean, subresource?: string): FieldNode {
  const set = buildFieldSet(obj, kind, strict);
  set.children.delete('f:apiVersion');
  set.children.delete('f:kind');
  const meta = set.children.get('f:metadata');
  if (meta) {
    for (const f of SERVER_METADATA) meta.children.delete(`f:${f}`);
    if (isEmptyFieldSet(meta)) set.children.delete('f:metadata');
  }
  if (kindByName(kind)?.hasStatus) set.children.delete(subresource === 'status' ? 'f:spec' : 'f:status');
  return set;
}

export function decodeManagers(entries: unknown): Manager[] {
  if (!Array.isArray(entries)) return [];
  return entries
    .filter((e): e is ManagedFieldsEntry => isRecord(e) && typeof e['manager'] === 'string' && (e['operation'] === 'Apply' || e['operation'] === 'Update'))
    .map((entry) => ({ entry: cloneJson(entry), set: fromFieldsV1(entry.fieldsV1) }));
}

/** Kubernetes' order: Apply entries before Update ones, then by time, manager, apiVersion, subresource. */
export function encodeManagers(managers: Manager[]): ManagedFieldsEntry[] {
  const seconds = (e: ManagedFieldsEntry): number => (e.time ? Math.floor(Date.parse(e.time) / 1000) || 0 : 0);
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return managers
    .filter((m) => !isEmptyFieldSet(m.set))
    .map((m) => ({ ...m.entry, fieldsType: 'FieldsV1' as const, fieldsV1: toFieldsV1(m.set) }))
    .sort(
      (a, b) =>
        cmp(a.operation, b.operation) ||
        seconds(a) - seconds(b) ||
        cmp(a.manager, b.manager) ||
        cmp(a.apiVersion, b.apiVersion) ||
        cmp(a.subresource ?? '', b.subresource ?? ''),
    );
}

/** Entry identity: an applier is the same manager at any apiVersion, an updater is not. */
export function sameManager(a: ManagedFieldsEntry, b: ManagedFieldsEntry): boolean {
  return (
    a.manager === b.manager &&
    a.operation === b.operation &&
    (a.subresource ?? '') === (b.subresource ?? '') &&
    (a.operation === 'Apply' || a.apiVersion === b.apiVersion)
  );
}

export function newEntry(manager: string, operation: 'Apply' | 'Update', apiVersion: string, time: string, subresource?: string): ManagedFieldsEntry {
  const entry: ManagedFieldsEntry = { manager, operation, apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: {} };
  if (subresource) entry.subresource = subresource;
  return entry;
}

/** How Kubernetes names a manager in a conflict. */
function describeManager(e: ManagedFieldsEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += e.time ? ` using ${e.apiVersion} at ${e.time}` : ` using ${e.apiVersion}`;
  return s;
}

/** The 409 Kubernetes returns when an apply would change fields other managers own. */
export function conflictError(conflicts: Manager[]): ApiError {
  const rows = conflicts.flatMap((c) => memberPaths(c.set).map((p) => ({ who: describeManager(c.entry), path: pathString(p) })));
  const first = rows[0];
  let message: string;
  if (rows.length === 1 && first) {
    message = `Apply failed with 1 conflict: conflict with ${first.who}: ${first.path}`;
  } else {
    const who = [...new Set(rows.map((r) => r.who))].sort();
    const lines = who.flatMap((w) => [`conflicts with ${w}:`, ...rows.filter((r) => r.who === w).map((r) => `- ${r.path}`)]);
    message = `Apply failed with ${rows.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, {
    causes: rows.map((r) => ({ reason: 'FieldManagerConflict', message: `conflict with ${r.who}`, field: r.path })),
  });
}

export interface UpdateOptions {
  manager: string;
  now: string;
  kind: string;
  /** 'status' for writes to the status subresource. */
  subresource?: string;
}

/**
 * Records an ordinary write (create, update, non-apply patch) in managedFields, as the
 * Kubernetes API server does: the writer takes every field it added or changed, and
 * every manager loses the fields the write changed or removed. Returns a copy of
 * `updated` with the new managedFields (any managedFields it carried are ignored).
 * Like Kubernetes, an existing object without managedFields stays untracked.
 */
export function recordUpdate(existing: KubeObject | undefined, updated: KubeObject, opts: UpdateOptions): KubeObject {
  const out = cloneJson(updated);
  const previous = existing ? decodeManagers(existing.metadata.managedFields) : [];
  if (existing && previous.length === 0) {
    delete out.metadata.managedFields;
    return out;
  }
  const before = existing ? managedFieldSet(withoutManagedFields(existing), opts.kind, false, opts.subresource) : emptyFieldSet();
  const after = managedFieldSet(withoutManagedFields(out), opts.kind, false, opts.subresource);
  const managers = takeFields(previous, before, after);
  const changed = changedFields(before, after);
  if (!isEmptyFieldSet(changed)) {
    const self = newEntry(opts.manager, 'Update', out.apiVersion, opts.now, opts.subresource);
    const mine = managers.find((m) => sameManager(m.entry, self));
    if (mine) {
      mine.set = union(mine.set, changed);
      mine.entry.time = opts.now;
    } else {
      managers.push({ entry: self, set: changed });
    }
  }
  setManagedFields(out, managers);
  return out;
}

/** Every manager loses the fields that changed or went away between `before` and `after`. */
export function takeFields(managers: Manager[], before: FieldNode, after: FieldNode): Manager[] {
  const taken = union(changedFields(before, after), difference(before, after));
  return managers.map((m) => ({ entry: m.entry, set: difference(m.set, taken) }));
}

export function withoutManagedFields(obj: KubeObject): KubeObject {
  const copy: KubeObject = { ...obj, metadata: { ...obj.metadata } };
  delete copy.metadata.managedFields;
  return copy;
}

export function setManagedFields(obj: KubeObject, managers: Manager[]): void {
  const entries = encodeManagers(managers);
  if (entries.length > 0) obj.metadata.managedFields = entries;
  else delete obj.metadata.managedFields;
}

/**
 * Server-side apply (`PATCH` with `application/apply-patch+yaml`), as the Kubernetes API
 * server does it for `kubectl apply --server-side`: the applied configuration is merged
 * into the live object, the manager comes to own exactly the fields of its configuration,
 * fields it applied before and dropped now are removed unless someone else owns them,
 * and changing a field another manager owns is a conflict unless forced.
 */

import { ApiError } from '../api/errors.js';
import { kindByName } from '../api/kinds.js';
import type { KubeObject } from '../api/meta.js';
import { isRecord, type JsonObject } from '../util/guards.js';
import {
  buildFieldSet,
  changedFields,
  difference,
  intersection,
  isEmptyFieldSet,
  keyElement,
  locate,
  pathBelow,
  toFieldsV1,
  union,
  type FieldNode,
  type Location,
} from './field-set.js';
import { cloneJson, deleteKey, getKey, jsonEqual, setKey } from './json.js';
import {
  conflictError,
  decodeManagers,
  managedFieldSet,
  newEntry,
  sameManager,
  setManagedFields,
  takeFields,
  withoutManagedFields,
  type Manager,
} from './managed-fields.js';
import { childPath, isAtomicMap, itemPath, listMapKeys, listStrategy } from './strategy.js';

export interface ServerSideApplyOptions {
  /** The fieldManager of the request. */
  manager: string;
  /** `force=true` (`kubectl apply --server-side --force-conflicts`). */
  force: boolean;
  /** RFC 3339 time for the manager's entry. */
  now: string;
  kind: string;
}

/** Kubernetes' owner of the fields of an object that had no managedFields when first applied to. */
export const BEFORE_FIRST_APPLY = 'before-first-apply';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Metadata the server owns: apply keeps the live values whatever the configuration says. */
const SERVER_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
];

/**
 * Applies `applied` for `opts.manager` to `existing` (undefined: the object is created)
 * and returns the resulting object with its managedFields. Throws a 409 Conflict naming
 * the fields and their managers when the apply would change fields other managers own
 * and `force` is false, and a 400 for a configuration apply cannot use. Inputs are not
 * mutated. Preconditions (metadata.resourceVersion, uid), defaulting and validation are
 * the caller's.
 */
export function serverSideApply(existing: KubeObject | undefined, applied: KubeObject, opts: ServerSideApplyOptions): KubeObject {
  if (!isRecord(applied) || !isRecord(applied.metadata)) throw ApiError.badRequest('the applied configuration must be an object with metadata');
  const managedFields: unknown = applied.metadata.managedFields;
  if (managedFields !== undefined && managedFields !== null && !(Array.isArray(managedFields) && managedFields.length === 0)) {
    throw ApiError.badRequest('metadata.managedFields must be nil', 'metadata.managedFields');
  }
  const config = withoutManagedFields(cloneJson(applied));
  if (kindByName(opts.kind)?.hasStatus) delete config['status'];
  const configSet = managedFieldSet(config, opts.kind, true);
  const self = newEntry(opts.manager, 'Apply', config.apiVersion, opts.now);

  if (!existing) {
    const created = mergeValue(undefined, config, '', opts.kind) as KubeObject;
    setManagedFields(created, [{ entry: self, set: configSet }]);
    return syncLastApplied(created, config, opts.manager);
  }

  let managers = decodeManagers(existing.metadata.managedFields);
  if (managers.length === 0) {
    // Fields set before anyone applied belong to "before-first-apply", so that apply can neither
    // silently take them over nor prune them.
    const set = managedFieldSet(withoutManagedFields(existing), opts.kind, false);
    managers = [{ entry: newEntry(BEFORE_FIRST_APPLY, 'Update', existing.apiVersion, opts.now), set }];
  }
  let outcome = applyOnce(existing, config, configSet, managers, self, opts.kind, opts.force);
  if ('conflicts' in outcome) {
    // kubectl moving from client-side apply: fields its last-applied annotation holds, unchanged
    // since, are kubectl's to take (Kubernetes' lastAppliedManager).
    const allowed = opts.manager === 'kubectl' ? lastAppliedFields(existing, opts.kind) : undefined;
    const remaining = outcome.conflicts
      .map((c) => ({ entry: c.entry, set: allowed ? difference(c.set, allowed) : c.set }))
      .filter((c) => !isEmptyFieldSet(c.set));
    if (remaining.length > 0) throw conflictError(remaining);
    outcome = applyOnce(existing, config, configSet, managers, self, opts.kind, true);
    if ('conflicts' in outcome) throw conflictError(outcome.conflicts);
  }
  return syncLastApplied(outcome.result, config, opts.manager);
}

/** The FieldsV1 of an object as an applier of it would own it (no server metadata, no status). */
export function fieldSetOf(obj: unknown, kind: string): Record<string, unknown> {
  return toFieldsV1(managedFieldSet(obj, kind, false));
}

function applyOnce(
  existing: KubeObject,
  config: KubeObject,
  configSet: FieldNode,
  managers: Manager[],
  self: Manager['entry'],
  kind: string,
  force: boolean,
): { result: KubeObject } | { conflicts: Manager[] } {
  const live = withoutManagedFields(cloneJson(existing));
  const own = managers.find((m) => sameManager(m.entry, self));
  const others = managers.filter((m) => m !== own);

  const merged = mergeValue(cloneJson(live), config, '', kind) as KubeObject;
  for (const f of SERVER_METADATA) {
    const v = getKey(live.metadata as JsonObject, f);
    if (v === undefined) deleteKey(merged.metadata as JsonObject, f);
    else setKey(merged.metadata as JsonObject, f, v);
  }
  if (own) prune(merged, own.set, union(configSet, ...others.map((o) => o.set)), '', kind);

  const before = buildFieldSet(live, kind, false);
  const after = buildFieldSet(merged, kind, false);
  const changed = changedFields(before, after);
  const conflicts = others
    .map((o) => ({ entry: o.entry, set: intersection(o.set, changed) }))
    .filter((c) => !isEmptyFieldSet(c.set));
  if (conflicts.length > 0 && !force) return { conflicts };

  // The entry's time moves only when the apply changed the object, so a repeated apply is a no-op.
  const time = jsonEqual(live, merged) && own?.entry.time ? own.entry.time : self.time;
  setManagedFields(merged, [...takeFields(others, before, after), { entry: { ...self, time }, set: configSet }]);
  return { result: merged };
}

/**
 * Merges the configuration into the live value (a private copy, modified in place):
 * maps merge, null unsets, atomic lists and maps are replaced, keyed lists and sets merge
 * item by item in structured-merge-diff's order.
 */
function mergeValue(live: unknown, config: unknown, path: string, kind: string): unknown {
  if (isRecord(config)) {
    const out: JsonObject = isRecord(live) && !isAtomicMap(kind, path) ? live : {};
    for (const [key, value] of Object.entries(config)) {
      if (value === null) deleteKey(out, key);
      else setKey(out, key, mergeValue(getKey(out, key), value, childPath(path, key), kind));
    }
    return out;
  }
  if (!Array.isArray(config)) return config;
  const strategy = listStrategy(kind, path);
  const item = itemPath(path);
  if (strategy === 'atomic') return config.map((v) => mergeValue(undefined, v, item, kind));
  const id =
    strategy === 'merge-primitive'
      ? (v: unknown) => `v:${JSON.stringify(v)}`
      : (v: unknown, i: number) => keyElement(v, listMapKeys(strategy)) ?? `i:${i}`;
  return mergeLists(Array.isArray(live) ? live : [], config, id, (l, r) => mergeValue(l, r, item, kind));
}

/**
 * structured-merge-diff's list merge: items only the live list has stay where they are,
 * the configuration's items come in its order, merged with their live counterparts.
 */
function mergeLists(
  live: unknown[],
  config: unknown[],
  id: (v: unknown, i: number) => string,
  mergeItem: (l: unknown, r: unknown) => unknown,
): unknown[] {
  const lIds = live.map(id);
  const rIds = config.map(id);
  const inConfig = new Set(rIds);
  const liveById = new Map<string, unknown>();
  lIds.forEach((k, i) => {
    if (!liveById.has(k)) liveById.set(k, live[i]);
  });
  const shared = rIds.filter((k) => liveById.has(k));
  let nextShared = 0;
  const done = new Set<string>();
  const out: unknown[] = [];
  let li = 0;
  let ri = 0;
  while (li < live.length || ri < config.length) {
    const lk = lIds[li];
    const rk = rIds[ri];
    if (lk !== undefined && rk !== undefined) {
      if (lk === rk) {
        done.add(lk);
        out.push(mergeItem(liveById.get(lk), config[ri]));
        li++;
        ri++;
        nextShared++;
        continue;
      }
      // A shared item, but not the next one the configuration wants: it comes later.
      if (inConfig.has(lk) && shared[nextShared] !== undefined && shared[nextShared] !== lk) {
        li++;
        continue;
      }
    }
    if (lk !== undefined) {
      if (!inConfig.has(lk)) {
        out.push(live[li]);
        li++;
        continue;
      }
      if (done.has(lk)) {
        li++;
        continue;
      }
    }
    if (rk !== undefined) {
      done.add(rk);
      out.push(mergeItem(liveById.get(rk), config[ri]));
      ri++;
      if (shared[nextShared] === rk) nextShared++;
    }
  }
  return out;
}

function valueAt(container: unknown, loc: Location): unknown {
  if ('key' in loc) return isRecord(container) ? getKey(container, loc.key) : undefined;
  return Array.isArray(container) ? container[loc.index] : undefined;
}

function removeAt(container: unknown, loc: Location): void {
  if ('key' in loc) {
    if (isRecord(container)) deleteKey(container, loc.key);
  } else if (Array.isArray(container)) {
    container.splice(loc.index, 1);
  }
}

function sizeOf(v: JsonObject | unknown[]): number {
  return Array.isArray(v) ? v.length : Object.keys(v).length;
}

/**
 * Removes from `value` what the manager applied last time (`last`) and nobody owns now
 * (`owned`, including the manager's new configuration). A map or list emptied by the
 * removal goes too, as Kubernetes' omitempty encoding drops it.
 */
function prune(value: unknown, last: FieldNode, owned: FieldNode | undefined, path: string, kind: string): void {
  for (const [pe, lastChild] of last.children) {
    const loc = locate(value, pe, kind, path);
    if (!loc) continue;
    const ownedChild = owned?.children.get(pe);
    if (lastChild.member && (ownedChild === undefined || isEmptyFieldSet(ownedChild))) {
      removeAt(value, loc);
      continue;
    }
    const inner = valueAt(value, loc);
    if (!isRecord(inner) && !Array.isArray(inner)) continue;
    const wasEmpty = sizeOf(inner) === 0;
    prune(inner, lastChild, ownedChild, pathBelow(path, pe), kind);
    if (!wasEmpty && sizeOf(inner) === 0 && !ownedChild?.member) removeAt(value, loc);
  }
}

/** The fields of kubectl's last-applied annotation whose values the live object still has. */
function lastAppliedFields(existing: KubeObject, kind: string): FieldNode | undefined {
  const text = existing.metadata.annotations?.[LAST_APPLIED];
  if (typeof text !== 'string') return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(lastApplied)) return undefined;
  const lastSet = buildFieldSet(lastApplied, kind, false);
  return difference(lastSet, changedFields(lastSet, buildFieldSet(withoutManagedFields(existing), kind, false)));
}

/** After kubectl applies server-side, a last-applied annotation the object carries is brought up to date. */
function syncLastApplied(obj: KubeObject, config: KubeObject, manager: string): KubeObject {
  const annotations = obj.metadata.annotations;
  if (manager !== 'kubectl' || typeof annotations?.[LAST_APPLIED] !== 'string') return obj;
  const recorded = cloneJson(config);
  const recordedAnnotations = recorded.metadata.annotations;
  if (recordedAnnotations) {
    delete recordedAnnotations[LAST_APPLIED];
    if (Object.keys(recordedAnnotations).length === 0) delete recorded.metadata.annotations;
  }
  setKey(annotations, LAST_APPLIED, `${JSON.stringify(sortKeys(recorded))}\n`);
  return obj;
}

/** Go's encoding/json writes map keys sorted. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isRecord(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) setKey(out, k, sortKeys(v[k]));
  return out;
}

/**
 * Kubernetes strategic merge patch (`application/strategic-merge-patch+json`), as
 * k8s.io/apimachinery/pkg/util/strategicpatch applies it on the server: maps merge,
 * null deletes, lists merge or are replaced per the strategy table, and the `$patch`,
 * `$retainKeys`, `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`
 * directives are honoured and never stored.
 */

import { ApiError } from '../api/errors.js';
import { isRecord, type JsonObject } from '../util/guards.js';
import { cloneJson, deleteKey, getKey, hasKey, jsonEqual, setKey } from './json.js';
import { childPath, itemPath, listStrategy } from './strategy.js';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM = '$deleteFromPrimitiveList/';
const SET_ORDER = '$setElementOrder/';

/** Where the merge is: `strategy` indexes the strategy table, `field` (with the patch's indices) names errors. */
interface At {
  kind: string;
  strategy: string;
  field: string;
}

/** A map removed by `$patch: delete`; its parent drops the key. */
const DELETED = Symbol('deleted');

/**
 * Applies a strategic merge patch for an object of `kind`. Throws a 400 ApiError naming
 * the field for a patch Kubernetes would reject. Neither input is mutated.
 */
export function strategicMergePatch(target: unknown, patch: unknown, kind: string): unknown {
  if (!isRecord(patch)) throw ApiError.badRequest('a strategic merge patch must be a JSON object');
  const original: JsonObject = isRecord(target) ? cloneJson(target) : {};
  const out = mergeMap(original, patch, { kind, strategy: '', field: '' });
  return out === DELETED ? {} : out;
}

function bad(field: string, message: string): ApiError {
  return ApiError.badRequest(message, field === '' ? undefined : field);
}

function fieldAt(at: At, key: string): At {
  return { kind: at.kind, strategy: childPath(at.strategy, key), field: childPath(at.field, key) };
}

function itemAt(at: At, index: number): At {
  return { kind: at.kind, strategy: itemPath(at.strategy), field: `${at.field}[${index}]` };
}

/** Merges `patch` into `original`, a private copy that is modified and returned. */
function mergeMap(original: JsonObject, patch: JsonObject, at: At): JsonObject | typeof DELETED {
  if (hasKey(patch, PATCH)) {
    const directive = getKey(patch, PATCH);
    if (directive === 'delete') return DELETED;
    if (directive === 'replace') {
      const rest = { ...patch };
      deleteKey(rest, PATCH);
      return mergeMap({}, rest, at);
    }
    // `merge` is the default for maps; Kubernetes itself rejects it here, we accept it as a no-op.
    if (directive !== 'merge') throw bad(childPath(at.field, PATCH), `unknown patch type ${JSON.stringify(directive)}`);
  }
  if (hasKey(patch, RETAIN_KEYS)) applyRetainKeys(original, patch, at);

  const ordered = new Set<string>();
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const name = directiveTarget(key, SET_ORDER, at);
    if (applyElementOrder(original, patch, name, order, at)) ordered.add(name);
  }

  for (const [key, value] of Object.entries(patch)) {
    // Other `$` keys are directives (handled around this loop) or unknown ones, which are never stored.
    if (key.startsWith('$') || ordered.has(key)) continue;
    if (value === null) {
      deleteKey(original, key);
      continue;
    }
    const merged = mergeValue(original, key, value, fieldAt(at, key));
    if (merged === DELETED) deleteKey(original, key);
    else setKey(original, key, merged);
  }

  for (const [key, values] of Object.entries(patch)) {
    if (!key.startsWith(DELETE_FROM)) continue;
    const name = directiveTarget(key, DELETE_FROM, at);
    if (!Array.isArray(values)) throw bad(childPath(at.field, key), 'invalid patch format of primitive list: must be a list');
    const current = getKey(original, name);
    if (!Array.isArray(current)) continue;
    const left = current.filter((v) => !values.some((d) => jsonEqual(d, v)));
    // An emptied set is dropped, as Kubernetes' omitempty encoding of finalizers does.
    if (left.length === 0) deleteKey(original, name);
    else setKey(original, name, left);
  }
  return original;
}

function directiveTarget(key: string, prefix: string, at: At): string {
  const name = key.slice(prefix.length);
  if (name === '') throw bad(childPath(at.field, key), `invalid patch format: "${prefix}" must name a list`);
  return name;
}

/** The value of `original[key]` after merging `value` into it. */
function mergeValue(original: JsonObject, key: string, value: unknown, at: At): unknown {
  const current = getKey(original, key);
  if (isRecord(current) && isRecord(value)) return mergeMap(current, value, at);
  if (Array.isArray(current) && Array.isArray(value)) return mergeList(current, value, at);
  return materialize(value, at);
}

/** A patch value with nothing to merge into, stripped of directives and nulls. */
function materialize(value: unknown, at: At): unknown {
  if (isRecord(value)) return mergeMap({}, value, at);
  if (Array.isArray(value)) return mergeList([], value, at);
  return value;
}

/** `$retainKeys`: clears every field of the original not listed; the patch may only set listed fields. */
function applyRetainKeys(original: JsonObject, patch: JsonObject, at: At): void {
  const field = childPath(at.field, RETAIN_KEYS);
  const retain = getKey(patch, RETAIN_KEYS);
  if (!Array.isArray(retain)) throw bad(field, 'invalid patch format of retainKeys: must be a list of field names');
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith('$')) continue;
    if (!retain.includes(key)) throw bad(field, `invalid patch format of retainKeys: "${key}" is set but not retained`);
  }
  for (const key of Object.keys(original)) if (!retain.includes(key)) deleteKey(original, key);
}

function mergeList(original: unknown[], patch: unknown[], at: At): unknown[] {
  const strategy = listStrategy(at.kind, at.strategy);
  if (strategy === 'atomic') return replaceList(patch, at);
  if (strategy === 'merge-primitive') return mergePrimitives(original, patch, at);
  return mergeKeyed(original, patch, strategy.mergeKey, at);
}

/** An atomic list is replaced by the patch's; items carrying a `$patch` directive are dropped, as Kubernetes does. */
function replaceList(patch: unknown[], at: At): unknown[] {
  const out: unknown[] = [];
  patch.forEach((item, i) => {
    if (isRecord(item) && hasKey(item, PATCH)) return;
    const v = materialize(item, itemAt(at, i));
    if (v !== DELETED) out.push(v);
  });
  return out;
}

/** A set of primitives (finalizers): the union, in the order Kubernetes gives it. */
function mergePrimitives(original: unknown[], patch: unknown[], at: At): unknown[] {
  patch.forEach((v, i) => {
    if (v !== null && typeof v === 'object') {
      throw bad(itemAt(at, i).field, 'a merged list of primitives cannot hold objects or lists');
    }
  });
  const merged: unknown[] = [];
  for (const v of [...original, ...patch]) if (!merged.includes(v)) merged.push(v);
  const inPatch = (v: unknown): boolean => patch.includes(v);
  return normalizeOrder(
    merged.filter(inPatch),
    merged.filter((v) => !inPatch(v)),
    (v) => patch.indexOf(v),
    (v) => original.indexOf(v),
  );
}

function mergeKeyOf(item: unknown, mergeKey: string): unknown {
  return isRecord(item) ? getKey(item, mergeKey) : undefined;
}

/** Same merge key value; like Kubernetes, `80` and `"80"` differ. */
function sameKey(a: unknown, b: unknown, mergeKey: string): boolean {
  const ka = mergeKeyOf(a, mergeKey);
  return ka !== undefined && ka === mergeKeyOf(b, mergeKey);
}

function requireMergeKey(item: unknown, mergeKey: string, at: At): JsonObject {
  if (!isRecord(item)) throw bad(at.field, `must be an object with the merge key "${mergeKey}"`);
  if (!hasKey(item, mergeKey)) throw bad(at.field, `does not contain declared merge key: ${mergeKey}`);
  return item;
}

/** A list of objects merged on `mergeKey`, with `$patch: delete|replace` items. */
function mergeKeyed(original: unknown[], patch: unknown[], mergeKey: string, at: At): unknown[] {
  let kept = original;
  let replace = false;
  const items: { item: JsonObject; at: At }[] = [];
  patch.forEach((item, i) => {
    const here = itemAt(at, i);
    if (!isRecord(item)) throw bad(here.field, `must be an object with the merge key "${mergeKey}"`);
    if (!hasKey(item, PATCH)) return void items.push({ item, at: here });
    const directive = getKey(item, PATCH);
    if (directive === 'delete') {
      requireMergeKey(item, mergeKey, here);
      kept = kept.filter((o) => !sameKey(o, item, mergeKey));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive !== 'merge') {
      throw bad(childPath(here.field, PATCH), `unknown patch type ${JSON.stringify(directive)}`);
    }
  });
  if (replace) return items.map((p) => mergeMap({}, p.item, p.at));

  const merged = [...kept];
  for (const { item, at: here } of items) {
    requireMergeKey(item, mergeKey, here);
    const i = merged.findIndex((o) => sameKey(o, item, mergeKey));
    const current = merged[i];
    merged[i < 0 ? merged.length : i] = isRecord(current) ? mergeMap(current, item, here) : mergeMap({}, item, here);
  }
  const inPatch = (o: unknown): boolean => items.some((p) => sameKey(o, p.item, mergeKey));
  const indexIn = (list: unknown[]) => (o: unknown) => {
    const i = list.findIndex((x) => sameKey(x, o, mergeKey));
    return i >= 0 ? i : list.indexOf(o);
  };
  return normalizeOrder(
    merged.filter(inPatch),
    merged.filter((o) => !inPatch(o)),
    indexIn(items.map((p) => p.item)),
    indexIn(kept),
  );
}

/**
 * Kubernetes' list order after a merge: patch items in patch order, server-only items in
 * their old order, and a server-only item goes before a patch item only when it came
 * before it in the old list. So an item new to the list lands before the untouched ones,
 * unless `$setElementOrder` says otherwise.
 */
function normalizeOrder<T>(patchItems: T[], serverOnly: T[], patchIndex: (x: T) => number, serverIndex: (x: T) => number): T[] {
  const rank = (f: (x: T) => number) => (a: T, b: T) => (f(a) < 0 ? Infinity : f(a)) - (f(b) < 0 ? Infinity : f(b)) || 0;
  const right = [...patchItems].sort(rank(patchIndex));
  const left = [...serverOnly].sort(rank(serverIndex));
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    const takeLeft = j >= right.length || (i < left.length && before(left[i] as T, right[j] as T, serverIndex));
    out.push(takeLeft ? (left[i++] as T) : (right[j++] as T));
  }
  return out;
}

/** True when both were in the old list and `l` came first. */
function before<T>(l: T, r: T, serverIndex: (x: T) => number): boolean {
  const li = serverIndex(l);
  const ri = serverIndex(r);
  return li >= 0 && ri >= 0 && li < ri;
}

/**
 * `$setElementOrder/<name>`: merges the list as usual, then orders the items it names as
 * listed, keeping the others where they were. Returns false for an atomic list, whose
 * order is the patch's anyway.
 */
function applyElementOrder(original: JsonObject, patch: JsonObject, name: string, order: unknown, at: At): boolean {
  const listAt = fieldAt(at, name);
  const strategy = listStrategy(at.kind, listAt.strategy);
  if (strategy === 'atomic') return false;
  const field = childPath(at.field, SET_ORDER + name);
  if (!Array.isArray(order)) throw bad(field, 'invalid patch format of setElementOrder list: must be a list');
  const current = getKey(original, name);
  const patchList = getKey(patch, name);
  if (patchList !== undefined && !Array.isArray(patchList)) {
    throw bad(listAt.field, 'must be a list when $setElementOrder is given for it');
  }
  const mergeKey = strategy === 'merge-primitive' ? undefined : strategy.mergeKey;
  const same = (a: unknown, b: unknown): boolean => (mergeKey === undefined ? a === b : sameKey(a, b, mergeKey));
  if (mergeKey !== undefined) order.forEach((o, i) => requireMergeKey(o, mergeKey, { ...at, field: `${field}[${i}]` }));

  // Items the patch sets must appear in the order list, in the same relative order.
  let oi = 0;
  for (const item of patchList ?? []) {
    if (isRecord(item) && hasKey(item, PATCH)) continue;
    if (mergeKey !== undefined) requireMergeKey(item, mergeKey, listAt);
    while (oi < order.length && !same(item, order[oi])) oi++;
    if (oi === order.length) throw bad(field, `the order of ${listAt.field} in the patch does not match the $setElementOrder list`);
    oi++;
  }

  const originalList = Array.isArray(current) ? current : undefined;
  let merged: unknown[];
  if (originalList && patchList) merged = mergeList(originalList, patchList, listAt);
  else if (originalList) merged = originalList;
  else if (patchList) merged = mergeList([], patchList, listAt);
  else return true;

  const inOrder = (x: unknown): boolean => order.some((o) => same(x, o));
  const indexIn = (list: unknown[]) => (x: unknown) => list.findIndex((o) => same(x, o));
  setKey(
    original,
    name,
    normalizeOrder(merged.filter(inOrder), merged.filter((x) => !inOrder(x)), indexIn(order), indexIn(originalList ?? [])),
  );
  return true;
}

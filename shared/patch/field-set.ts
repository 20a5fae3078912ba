/**
 * Field sets as server-side apply tracks them (structured-merge-diff's fieldpath.Set) and
 * their FieldsV1 encoding in managedFields: `f:<field>`, `k:<item keys as JSON>` for an
 * item of a keyed list, `v:<value as JSON>` for an item of a set, `i:<index>` for a list
 * item without keys, and `.` marking a path that is in the set and also has children in it.
 */

import { ApiError } from '../api/errors.js';
import { isRecord, type JsonObject } from '../util/guards.js';
import { getKey, jsonEqual, setKey } from './json.js';
import { childPath, isAtomicMap, itemPath, listMapKeys, listStrategy, type ListMapKey } from './strategy.js';

export interface FieldNode {
  /** The path to this node is itself in the set. */
  member: boolean;
  children: Map<string, FieldNode>;
  /** The object's value at a member path, when the set was built from an object. */
  value?: unknown;
}

export function emptyFieldSet(): FieldNode {
  return { member: false, children: new Map() };
}

export function isEmptyFieldSet(n: FieldNode): boolean {
  return !n.member && [...n.children.values()].every(isEmptyFieldSet);
}

/**
 * The fields an object sets, as structured-merge-diff's ToFieldSet computes them: every
 * scalar, null, empty map, atomic list or atomic map is a leaf, every item of a keyed
 * list or set is a member, and the lists and maps that hold them are not. With `strict`,
 * a keyed list item without its keys or a repeated item is a 400 (apply's config must
 * identify its items); otherwise such an item is identified by its index.
 */
export function buildFieldSet(obj: unknown, kind: string, strict: boolean): FieldNode {
  const root = emptyFieldSet();
  if (isRecord(obj)) walkFields(obj, '', '', root, kind, strict);
  return root;
}

function child(node: FieldNode, pe: string): FieldNode {
  let c = node.children.get(pe);
  if (!c) {
    c = emptyFieldSet();
    node.children.set(pe, c);
  }
  return c;
}

function leaf(node: FieldNode, value: unknown): void {
  node.member = true;
  node.value = value;
}

function walkFields(obj: JsonObject, path: string, display: string, node: FieldNode, kind: string, strict: boolean): void {
  for (const [key, value] of Object.entries(obj)) {
    const c = child(node, `f:${key}`);
    walk(value, childPath(path, key), childPath(display, key), c, kind, strict);
    if (!c.member && c.children.size === 0) node.children.delete(`f:${key}`);
  }
}

function walk(value: unknown, path: string, display: string, node: FieldNode, kind: string, strict: boolean): void {
  if (isRecord(value)) {
    if (isAtomicMap(kind, path) || Object.keys(value).length === 0) return leaf(node, value);
    return walkFields(value, path, display, node, kind, strict);
  }
  if (!Array.isArray(value)) return leaf(node, value);
  const strategy = listStrategy(kind, path);
  if (strategy === 'atomic') return leaf(node, value);
  const keys = strategy === 'merge-primitive' ? undefined : listMapKeys(strategy);
  value.forEach((item, i) => {
    const at = `${display}[${i}]`;
    let pe = keys ? keyElement(item, keys) : `v:${JSON.stringify(item)}`;
    if (pe === undefined) {
      if (strict) {
        const names = keys?.map((k) => `"${k.name}"`).join(', ') ?? '';
        throw ApiError.badRequest(`associative list with keys has an element that omits key field ${names}`, at);
      }
      pe = `i:${i}`;
    }
    if (node.children.has(pe)) {
      if (strict) throw ApiError.badRequest(`duplicate entries for key ${pathString([pe])}`, display);
      return;
    }
    const c = child(node, pe);
    leaf(c, item);
    if (keys && isRecord(item) && !isAtomicMap(kind, itemPath(path))) walkFields(item, itemPath(path), at, c, kind, strict);
  });
}

/** `k:{"containerPort":80,"protocol":"TCP"}`: the item's keys in name order, schema defaults filled in. */
export function keyElement(item: unknown, keys: readonly ListMapKey[]): string | undefined {
  if (!isRecord(item)) return undefined;
  const id: JsonObject = {};
  for (const k of [...keys].sort((a, b) => compareStrings(a.name, b.name))) {
    const v = getKey(item, k.name) ?? k.default;
    if (v === undefined || v === null) return undefined;
    setKey(id, k.name, v);
  }
  return `k:${JSON.stringify(id)}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Field names first, then keys, values and indices, as structured-merge-diff orders them. */
function comparePathElements(a: string, b: string): number {
  const rank = (pe: string): number => 'fkvi'.indexOf(pe.charAt(0));
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (a.startsWith('i:')) return Number(a.slice(2)) - Number(b.slice(2));
  return compareStrings(a, b);
}

export function toFieldsV1(n: FieldNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (n.member && n.children.size > 0) out['.'] = {};
  for (const pe of [...n.children.keys()].sort(comparePathElements)) {
    const c = n.children.get(pe);
    if (c && !isEmptyFieldSet(c)) setKey(out, pe, toFieldsV1(c));
  }
  return out;
}

/** Parses FieldsV1; anything malformed is read as owning nothing there. */
export function fromFieldsV1(v: unknown): FieldNode {
  const node = emptyFieldSet();
  if (!isRecord(v)) return node;
  for (const [pe, sub] of Object.entries(v)) {
    if (pe === '.') {
      node.member = true;
      continue;
    }
    const c = fromFieldsV1(sub);
    if (c.children.size === 0) c.member = true;
    node.children.set(pe, c);
  }
  return node;
}

export function union(...sets: FieldNode[]): FieldNode {
  const out = emptyFieldSet();
  for (const s of sets) {
    out.member ||= s.member;
    for (const [pe, c] of s.children) out.children.set(pe, union(out.children.get(pe) ?? emptyFieldSet(), c));
  }
  return out;
}

/** Members of `a` that are not members of `b`. */
export function difference(a: FieldNode, b: FieldNode | undefined): FieldNode {
  const out: FieldNode = { member: a.member && !b?.member, children: new Map() };
  for (const [pe, c] of a.children) {
    const d = difference(c, b?.children.get(pe));
    if (!isEmptyFieldSet(d)) out.children.set(pe, d);
  }
  return out;
}

export function intersection(a: FieldNode, b: FieldNode): FieldNode {
  const out: FieldNode = { member: a.member && b.member, children: new Map() };
  for (const [pe, c] of a.children) {
    const other = b.children.get(pe);
    if (!other) continue;
    const i = intersection(c, other);
    if (!isEmptyFieldSet(i)) out.children.set(pe, i);
  }
  return out;
}

/**
 * Members of `next` that are new or hold a different value than in `prev` (both built
 * from objects): structured-merge-diff's Compare, Added plus Modified.
 */
export function changedFields(prev: FieldNode, next: FieldNode): FieldNode {
  return changedUnder(prev, next);
}

function changedUnder(prev: FieldNode | undefined, next: FieldNode): FieldNode {
  const isLeaf = next.children.size === 0 && prev !== undefined && prev.children.size === 0;
  const member = next.member && (!prev?.member || (isLeaf && !jsonEqual(prev.value, next.value)));
  const out: FieldNode = { member, children: new Map() };
  for (const [pe, c] of next.children) {
    const d = changedUnder(prev?.children.get(pe), c);
    if (!isEmptyFieldSet(d)) out.children.set(pe, d);
  }
  return out;
}

/** Every member path, as lists of path elements, in FieldsV1 order. */
export function memberPaths(n: FieldNode, prefix: string[] = []): string[][] {
  const out: string[][] = n.member && prefix.length > 0 ? [prefix] : [];
  for (const pe of [...n.children.keys()].sort(comparePathElements)) {
    const c = n.children.get(pe);
    if (c) out.push(...memberPaths(c, [...prefix, pe]));
  }
  return out;
}

/** A path as Kubernetes prints it in apply conflicts: `.spec.containers[name="app"].image`. */
export function pathString(pes: string[]): string {
  return pes
    .map((pe) => {
      const body = pe.slice(2);
      if (pe.startsWith('f:')) return `.${body}`;
      if (pe.startsWith('v:')) return `[=${body}]`;
      if (pe.startsWith('i:')) return `[${body}]`;
      const keys = parseJson(body);
      if (!isRecord(keys)) return `[${body}]`;
      return `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    })
    .join('');
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}

/** Where a path element points inside a value: a map key or a list index. */
export type Location = { key: string } | { index: number };

/** Finds `pe` in `value`, the map or list at strategy path `path` of an object of `kind`. */
export function locate(value: unknown, pe: string, kind: string, path: string): Location | undefined {
  const body = pe.slice(2);
  if (pe.startsWith('f:')) return isRecord(value) && Object.hasOwn(value, body) ? { key: body } : undefined;
  if (!Array.isArray(value)) return undefined;
  if (pe.startsWith('i:')) {
    const i = Number(body);
    return Number.isInteger(i) && i >= 0 && i < value.length ? { index: i } : undefined;
  }
  const want = parseJson(body);
  let index = -1;
  if (pe.startsWith('v:')) {
    index = value.findIndex((item) => jsonEqual(item, want));
  } else if (pe.startsWith('k:') && isRecord(want)) {
    const strategy = listStrategy(kind, path);
    const defaults = typeof strategy === 'object' ? listMapKeys(strategy) : [];
    index = value.findIndex(
      (item) =>
        isRecord(item) &&
        Object.entries(want).every(([k, v]) => jsonEqual(getKey(item, k) ?? defaults.find((d) => d.name === k)?.default, v)),
    );
  }
  return index >= 0 ? { index } : undefined;
}

/** The strategy path below `path` that path element `pe` leads to. */
export function pathBelow(path: string, pe: string): string {
  return pe.startsWith('f:') ? childPath(path, pe.slice(2)) : itemPath(path);
}

/** JSON value helpers shared by the patch formats. */

import { deepClone, isRecord, type JsonObject } from '../util/guards.js';

/** Own-property read: `obj[key]` would reach Object.prototype for keys such as "__proto__" or "constructor". */
export function getKey(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function hasKey(obj: JsonObject, key: string): boolean {
  return Object.hasOwn(obj, key);
}

/** Own-property write: `obj[key] = v` replaces the prototype when key is "__proto__", a legal ConfigMap key. */
export function setKey(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

export function deleteKey(obj: JsonObject, key: string): void {
  if (Object.hasOwn(obj, key)) Reflect.deleteProperty(obj, key);
}

/** Structural JSON equality: member order of objects does not matter, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isRecord(a)) {
    if (!isRecord(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

export function cloneJson<T>(v: T): T {
  return v === null || typeof v !== 'object' ? v : deepClone(v);
}

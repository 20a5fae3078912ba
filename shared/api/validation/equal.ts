/** Structural comparison of decoded JSON, for immutability checks on update. */
import { isRecord } from '../../util/guards.js';
import { child, index } from './field-errors.js';

/** Deep equality of JSON values; key order does not matter, and null equals absent. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return diffPaths(a, b, '', 1).length === 0;
}

/** Paths (Kubernetes form) where `a` and `b` differ, at most `limit` of them. */
export function diffPaths(a: unknown, b: unknown, path: string, limit = 5): string[] {
  const out: string[] = [];
  walk(a ?? undefined, b ?? undefined, path, out, limit);
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: string[], limit: number): void {
  if (out.length >= limit || a === b) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(path);
      return;
    }
    for (let i = 0; i < a.length && out.length < limit; i++) walk(a[i] ?? undefined, b[i] ?? undefined, index(path, i), out, limit);
    return;
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) {
      if (out.length >= limit) return;
      walk(a[k] ?? undefined, b[k] ?? undefined, child(path, k), out, limit);
    }
    return;
  }
  out.push(path);
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, numbers as
 * JSON.stringify writes them (the RFC 8785 rules, for the values we send). Two equal documents
 * give equal bytes, so the hub can tell an unchanged desired state or status by its bytes.
 */
import { isRecord } from '../util/guards.js';

function fail(path: string, what: string): never {
  throw new TypeError(`canonicalJson: ${path || '(root)'}: ${what}`);
}

function write(v: unknown, path: string, out: string[]): void {
  if (v === null) {
    out.push('null');
    return;
  }
  switch (typeof v) {
    case 'string':
    case 'boolean':
      out.push(JSON.stringify(v));
      return;
    case 'number':
      if (!Number.isFinite(v)) fail(path, `${v} is not representable in JSON`);
      out.push(JSON.stringify(v));
      return;
    case 'object':
      break;
    default:
      fail(path, `a ${typeof v} is not representable in JSON`);
  }
  if (Array.isArray(v)) {
    out.push('[');
    v.forEach((item: unknown, i) => {
      if (i > 0) out.push(',');
      write(item, `${path}[${i}]`, out);
    });
    out.push(']');
    return;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (!isRecord(v) || (proto !== Object.prototype && proto !== null)) fail(path, 'only plain objects are representable');
  const obj = v;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  out.push('{');
  keys.forEach((k, i) => {
    if (i > 0) out.push(',');
    out.push(JSON.stringify(k), ':');
    write(obj[k], path ? `${path}.${k}` : k, out);
  });
  out.push('}');
}

/** Canonical JSON text of a plain JSON value; throws TypeError on anything JSON cannot hold. */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, '', out);
  return out.join('');
}

export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

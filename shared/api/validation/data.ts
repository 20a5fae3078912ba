/** The key/value maps of ConfigMaps and Secrets. */
import type { FieldReader } from './reader.js';
import { invalid, invalidEach, invalidRedacted, key } from './field-errors.js';
import { isConfigMapKey } from './names.js';

/** Kubernetes' cap on the total size of a ConfigMap's or Secret's data. */
export const MAX_DATA_SIZE = 1024 * 1024;

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard padded base64, as Go's encoding/json decodes `[]byte` (line breaks ignored). */
export function isBase64(s: string): boolean {
  return BASE64_RE.test(s.replace(/[\r\n]/g, ''));
}

export function decodeBase64(s: string): Buffer {
  return Buffer.from(s.replace(/[\r\n]/g, ''), 'base64');
}

export interface DataMapOptions {
  /** Values are base64 (`binaryData`, Secret `data`). */
  base64: boolean;
  /** Values must not be echoed in messages (Secrets). */
  redact: boolean;
}

/**
 * Reads a map of config keys to string values and returns each value's bytes (decoded for
 * base64 values). Bad keys, types and encodings are reported at `name[key]`.
 */
export function readDataMap(owner: FieldReader, name: string, opts: DataMapOptions): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const values = owner.stringMap(name);
  if (!values) return out;
  const path = owner.at(name);
  for (const [k, v] of Object.entries(values)) {
    owner.errs.push(...invalidEach(key(path, k), k, isConfigMapKey(k)));
    if (opts.base64 && !isBase64(v)) {
      const msg = 'must be base64-encoded (standard alphabet, with padding)';
      owner.errs.push(opts.redact ? invalidRedacted(key(path, k), msg) : invalid(key(path, k), v, msg));
      continue;
    }
    out.set(k, opts.base64 ? decodeBase64(v) : Buffer.from(v, 'utf8'));
  }
  return out;
}

export function totalSize(...maps: Map<string, Buffer>[]): number {
  let n = 0;
  for (const m of maps) for (const v of m.values()) n += v.length;
  return n;
}

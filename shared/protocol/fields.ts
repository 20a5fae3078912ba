/**
 * A reader over one decoded JSON object that throws a ProtocolError naming the field at the
 * first problem. Paths follow the API's form: `status.conditions[0].type`, `labels[app]`.
 * Messages never echo the offending value (it may be a secret, or megabytes long).
 */
import type { JsonObject } from '../util/guards.js';
import { isRecord } from '../util/guards.js';
import { child, index, key, typeName } from '../api/validation/field-errors.js';
import { ProtocolError } from './errors.js';

export interface StringRules {
  /** Allow ''. Default false. */
  empty?: boolean;
  /** Maximum length in UTF-16 code units. */
  max?: number;
  /** Format check returning problems (the names.ts helpers). */
  check?: (s: string) => string[];
}

export const INT_MAX = Number.MAX_SAFE_INTEGER;

export function fail(field: string, detail: string): never {
  throw new ProtocolError(field, detail);
}

export function checkString(v: unknown, field: string, rules: StringRules = {}): string {
  if (typeof v !== 'string') fail(field, `expected string, got ${typeName(v)}`);
  if (v === '' && rules.empty !== true) fail(field, 'must not be empty');
  if (rules.max !== undefined && v.length > rules.max) fail(field, `must be at most ${rules.max} characters`);
  const problems = rules.check?.(v) ?? [];
  if (problems.length > 0) fail(field, problems.join('; '));
  return v;
}

export function checkInt(v: unknown, field: string, min: number, max: number = INT_MAX): number {
  if (typeof v !== 'number') fail(field, `expected integer, got ${typeName(v)}`);
  if (!Number.isSafeInteger(v)) fail(field, 'expected integer');
  if (v < min || v > max) fail(field, max === INT_MAX ? `must be at least ${min}` : `must be between ${min} and ${max}`);
  return v;
}

const RFC3339_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** A `check` for timestamps: RFC 3339, as Kubernetes writes them. */
export function rfc3339Problems(s: string): string[] {
  return RFC3339_RE.test(s) && !Number.isNaN(Date.parse(s)) ? [] : ['expected an RFC 3339 timestamp'];
}

export function checkRecord(v: unknown, field: string): Fields {
  if (!isRecord(v)) fail(field, `expected object, got ${typeName(v)}`);
  return new Fields(v, field);
}

export class Fields {
  constructor(
    readonly obj: JsonObject,
    readonly path: string,
  ) {}

  /** The same object reported under another path ('' for a message's top level). */
  withPath(path: string): Fields {
    return new Fields(this.obj, path);
  }

  at(k: string): string {
    return child(this.path, k);
  }

  has(k: string): boolean {
    return this.obj[k] !== undefined;
  }

  private required(k: string): unknown {
    const v = this.obj[k];
    if (v === undefined) fail(this.at(k), 'required');
    return v;
  }

  string(k: string, rules?: StringRules): string {
    return checkString(this.required(k), this.at(k), rules);
  }

  optString(k: string, rules?: StringRules): string | undefined {
    return this.has(k) ? this.string(k, rules) : undefined;
  }

  int(k: string, min: number, max?: number): number {
    return checkInt(this.required(k), this.at(k), min, max);
  }

  optInt(k: string, min: number, max?: number): number | undefined {
    return this.has(k) ? this.int(k, min, max) : undefined;
  }

  bool(k: string): boolean {
    const v = this.required(k);
    if (typeof v !== 'boolean') fail(this.at(k), `expected boolean, got ${typeName(v)}`);
    return v;
  }

  optBool(k: string): boolean | undefined {
    return this.has(k) ? this.bool(k) : undefined;
  }

  oneOf<T extends string>(k: string, values: readonly T[]): T {
    const v = this.string(k);
    const found = values.find((x) => x === v);
    if (found === undefined) fail(this.at(k), `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
    return found;
  }

  record(k: string): Fields {
    return checkRecord(this.required(k), this.at(k));
  }

  optRecord(k: string): Fields | undefined {
    return this.has(k) ? this.record(k) : undefined;
  }

  /** The array's items with their paths; more than `max` items is an error. */
  array(k: string, max: number): { item: unknown; path: string }[] {
    const v = this.required(k);
    const path = this.at(k);
    if (!Array.isArray(v)) fail(path, `expected array, got ${typeName(v)}`);
    if (v.length > max) fail(path, `must have at most ${max} items, got ${v.length}`);
    return v.map((item: unknown, i) => ({ item, path: index(path, i) }));
  }

  /** A map of strings; each key and value checked by the given rules. */
  stringMap(k: string, keyRules: StringRules, valueRules: StringRules): Record<string, string> {
    const map = this.record(k);
    const out: [string, string][] = [];
    for (const [name, v] of Object.entries(map.obj)) {
      const path = key(map.path, name.length > 64 ? `${name.slice(0, 61)}...` : name);
      checkString(name, path, keyRules);
      out.push([name, checkString(v, path, valueRules)]);
    }
    return Object.fromEntries(out);
  }

  optStringMap(k: string, keyRules: StringRules, valueRules: StringRules): Record<string, string> | undefined {
    return this.has(k) ? this.stringMap(k, keyRules, valueRules) : undefined;
  }
}

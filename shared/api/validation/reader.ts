/**
 * Typed reads of decoded JSON that record a FieldValueTypeInvalid for a wrong type.
 * An absent field and an explicit null both read as undefined, as in Kubernetes' JSON decoding.
 */
import type { FieldError } from '../errors.js';
import { isRecord } from '../../util/guards.js';
import type { JsonObject } from '../../util/guards.js';
import { NON_NEGATIVE, child, index, invalid, key, required, typeInvalid } from './field-errors.js';

export class FieldReader {
  constructor(
    readonly obj: JsonObject,
    readonly path: string,
    readonly errs: FieldError[],
  ) {}

  at(name: string): string {
    return child(this.path, name);
  }

  has(name: string): boolean {
    const v = this.obj[name];
    return v !== undefined && v !== null;
  }

  raw(name: string): unknown {
    const v = this.obj[name];
    return v === null ? undefined : v;
  }

  string(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined || typeof v === 'string') return v;
    this.errs.push(typeInvalid(this.at(name), 'string', v));
    return undefined;
  }

  /** A string that must be present and non-empty. */
  requiredString(name: string, detail = ''): string | undefined {
    const v = this.raw(name);
    if (v === undefined || v === '') {
      this.errs.push(required(this.at(name), detail));
      return undefined;
    }
    return this.string(name);
  }

  bool(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v === undefined || typeof v === 'boolean') return v;
    this.errs.push(typeInvalid(this.at(name), 'boolean', v));
    return undefined;
  }

  int(name: string): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    this.errs.push(typeInvalid(this.at(name), 'integer', v));
    return undefined;
  }

  /** An integer ≥ 0 (Kubernetes' ValidateNonnegativeField). */
  nonNegativeInt(name: string): number | undefined {
    const v = this.int(name);
    if (v !== undefined && v < 0) this.errs.push(invalid(this.at(name), v, NON_NEGATIVE));
    return v;
  }

  record(name: string): FieldReader | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (isRecord(v)) return new FieldReader(v, this.at(name), this.errs);
    this.errs.push(typeInvalid(this.at(name), 'object', v));
    return undefined;
  }

  array(name: string): unknown[] | undefined {
    const v = this.raw(name);
    if (v === undefined || Array.isArray(v)) return v;
    this.errs.push(typeInvalid(this.at(name), 'array', v));
    return undefined;
  }

  /** Array of objects; each non-object element is reported and skipped. */
  records(name: string): { item: FieldReader; i: number }[] | undefined {
    const list = this.array(name);
    if (!list) return undefined;
    const out: { item: FieldReader; i: number }[] = [];
    const p = this.at(name);
    list.forEach((el, i) => {
      if (isRecord(el)) out.push({ item: new FieldReader(el, index(p, i), this.errs), i });
      else this.errs.push(typeInvalid(index(p, i), 'object', el));
    });
    return out;
  }

  /** Array of strings; non-strings are reported and dropped. */
  stringArray(name: string): string[] | undefined {
    const list = this.array(name);
    if (!list) return undefined;
    const p = this.at(name);
    const out: string[] = [];
    list.forEach((el, i) => {
      if (typeof el === 'string') out.push(el);
      else this.errs.push(typeInvalid(index(p, i), 'string', el));
    });
    return out;
  }

  /** Map of string to string; entries with non-string values are reported (at `path[key]`) and dropped. */
  stringMap(name: string): Record<string, string> | undefined {
    const m = this.record(name);
    if (!m) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.obj)) {
      if (typeof v === 'string') out[k] = v;
      else this.errs.push(typeInvalid(key(m.path, k), 'string', v));
    }
    return out;
  }
}

/** Reads `value` at `path` as an object, reporting a type error otherwise. */
export function readerFor(value: unknown, path: string, errs: FieldError[]): FieldReader | undefined {
  if (isRecord(value)) return new FieldReader(value, path, errs);
  errs.push(typeInvalid(path, 'object', value));
  return undefined;
}

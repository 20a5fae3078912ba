/**
 * The JSON types of a served object's known fields, checked against its kind's schema: what
 * makes a validated object match its type in shared/api/types/ in every field, including those
 * validation has no rule for. Unknown fields are fieldValidation's business and not visited.
 */
import type { FieldError } from '../errors.js';
import { isRecord } from '../../util/guards.js';
import { child, index, key, typeInvalid } from '../validation/field-errors.js';
import type { LeafType, Schema } from './dsl.js';
import { KIND_SCHEMAS } from './kinds.js';

const EXPECTED: Record<LeafType, string> = {
  string: 'string',
  integer: 'integer',
  boolean: 'boolean',
  quantity: 'string or number',
  intOrString: 'integer or string',
  stringMap: 'object',
  resourceList: 'object',
  any: 'any',
};

function leafOk(t: LeafType, v: unknown): boolean {
  switch (t) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'quantity':
      return typeof v === 'string' || typeof v === 'number';
    case 'intOrString':
      return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
    case 'stringMap':
    case 'resourceList':
      return isRecord(v);
    case 'any':
      return true;
  }
}

function walkLeaf(t: LeafType, v: unknown, path: string, out: FieldError[]): void {
  if (!leafOk(t, v)) {
    out.push(typeInvalid(path, EXPECTED[t], v));
    return;
  }
  if (!isRecord(v) || (t !== 'stringMap' && t !== 'resourceList')) return;
  const inner: LeafType = t === 'stringMap' ? 'string' : 'quantity';
  for (const [k, x] of Object.entries(v)) if (!leafOk(inner, x)) out.push(typeInvalid(key(path, k), EXPECTED[inner], x));
}

function walk(v: unknown, schema: Schema, path: string, out: FieldError[]): void {
  if (v === undefined || v === null) return;
  if (schema.type === 'leaf') walkLeaf(schema.value, v, path, out);
  else if (schema.type === 'list') {
    if (Array.isArray(v)) v.forEach((el, i) => walk(el, schema.items, index(path, i), out));
    else out.push(typeInvalid(path, 'array', v));
  } else if (!isRecord(v)) out.push(typeInvalid(path, 'object', v));
  else {
    for (const [name, x] of Object.entries(v)) {
      const s = schema.fields.get(name);
      if (s) walk(x, s, child(path, name), out);
    }
  }
}

/** A FieldValueTypeInvalid for each known field of `obj` whose JSON type is wrong (null reads as absent). */
export function shapeErrors(obj: unknown, kind: string): FieldError[] {
  const schema = KIND_SCHEMAS.get(kind);
  const out: FieldError[] = [];
  if (schema) walk(obj, schema, '', out);
  return out;
}

function dropIn(v: unknown, schema: Schema): void {
  if (schema.type === 'list') {
    if (Array.isArray(v)) for (const el of v) dropIn(el, schema.items);
    return;
  }
  if (schema.type !== 'object' || !isRecord(v)) return;
  for (const [name, x] of Object.entries(v)) {
    const s = schema.fields.get(name);
    if (!s) continue;
    if (x === null) delete v[name];
    else dropIn(x, s);
  }
}

/**
 * Removes the known fields of `obj` that are null, in place: Kubernetes' decoder reads null
 * as "not set", so a stored or decoded object never holds one. Null map values and list
 * elements stay, for validation to report.
 */
export function dropNullFields(obj: unknown, kind: string): void {
  const schema = KIND_SCHEMAS.get(kind);
  if (schema) dropIn(obj, schema);
}

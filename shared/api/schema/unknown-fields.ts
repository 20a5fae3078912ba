/** Finds the fields of a request body that the Kubernetes type it decodes into does not define. */
import { isRecord } from '../../util/guards.js';
import type { Schema } from './dsl.js';
import { KIND_SCHEMAS } from './kinds.js';

export interface UnknownFieldOptions {
  /**
   * The body is a merge or strategic merge patch: its directive keys (`$patch`, `$retainKeys`,
   * `$setElementOrder/…`, `$deleteFromPrimitiveList/…`) are not fields, and a null deletes, so
   * an unknown field set to null leaves nothing unknown behind.
   */
  patch?: boolean;
  /** Also delete each unknown field from `obj` (in place), as Kubernetes' decoder drops them. */
  prune?: boolean;
}

function isDirective(key: string): boolean {
  return (
    key === '$patch' ||
    key === '$retainKeys' ||
    key.startsWith('$setElementOrder/') ||
    key.startsWith('$deleteFromPrimitiveList/')
  );
}

function walk(value: unknown, schema: Schema, path: string, opts: UnknownFieldOptions, out: string[]): void {
  if (schema.type === 'list') {
    if (Array.isArray(value)) value.forEach((el, i) => walk(el, schema.items, `${path}[${i}]`, opts, out));
    return;
  }
  if (schema.type !== 'object' || !isRecord(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (opts.patch && (child === null || isDirective(key))) continue;
    const p = path ? `${path}.${key}` : key;
    const s = schema.fields.get(key);
    if (s) walk(child, s, p, opts, out);
    else {
      out.push(p);
      if (opts.prune) delete value[key];
    }
  }
}

/**
 * Paths of the fields in `obj` that an object of `kind` does not have, in document order and
 * as Kubernetes' strict decoding names them: `spec.template.spec.containers[0].imagePullPolcy`.
 * Field names match case-sensitively; maps (labels, data, limits, …) take any key. An unknown
 * field is reported once, not the fields below it. Unknown kinds have no unknown fields.
 */
export function unknownFields(obj: unknown, kind: string, opts: UnknownFieldOptions = {}): string[] {
  const schema = KIND_SCHEMAS.get(kind);
  const out: string[] = [];
  if (schema) walk(obj, schema, '', opts, out);
  return out;
}

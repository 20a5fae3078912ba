/**
 * OpenAPI v3 component schemas for every served kind, generated from the typed protobuf field
 * tables (which a unit test keeps in step with shared/api/schema), so `kubectl explain` can
 * walk any field path.
 */
import { apiVersionOf, SERVED_KINDS } from '../../shared/api/kinds.js';
import type { Field, FieldType, Message, Scalar } from './protobuf/dsl.js';
import { LEASE_KIND } from './leases.js';
import { kindMessage } from './protobuf/index.js';

type JsonSchema = Record<string, unknown>;

const PREFIX = 'io.flotilla.v1.';

function scalarSchema(t: Scalar): JsonSchema {
  switch (t) {
    case 'string':
      return { type: 'string' };
    case 'bytes':
      return { type: 'string', format: 'byte' };
    case 'int32':
    case 'int64':
      return { type: 'integer', format: t };
    case 'bool':
      return { type: 'boolean' };
    case 'time':
    case 'microTime':
      return { type: 'string', format: 'date-time' };
    case 'quantity':
    case 'intOrString':
      return { 'x-kubernetes-int-or-string': true };
    case 'raw':
    case 'fieldsV1':
      return { type: 'object' };
    case 'stringList':
      return { type: 'array', items: { type: 'string' } };
  }
}

function typeSchema(t: FieldType, out: Map<string, JsonSchema>): JsonSchema {
  if (typeof t !== 'object') return scalarSchema(t);
  if ('map' in t) return { type: 'object', additionalProperties: scalarSchema(t.map) };
  const msg = t.msg();
  addMessage(msg, out);
  return { allOf: [{ $ref: `#/components/schemas/${PREFIX}${msg.name}` }] };
}

function properties(msg: Message, out: Map<string, JsonSchema>): Record<string, JsonSchema> {
  const props: Record<string, JsonSchema> = {};
  for (const f of msg.fields) {
    if (f.inline) Object.assign(props, properties((f.type as { msg: () => Message }).msg(), out));
    else props[f.json] = fieldSchema(f, out);
  }
  return props;
}

function fieldSchema(f: Field, out: Map<string, JsonSchema>): JsonSchema {
  const one = typeSchema(f.type, out);
  return f.repeated ? { type: 'array', items: one } : one;
}

function addMessage(msg: Message, out: Map<string, JsonSchema>): void {
  const key = `${PREFIX}${msg.name}`;
  if (out.has(key)) return;
  const schema: JsonSchema = { type: 'object' };
  out.set(key, schema); // before recursing: types refer to each other
  schema['properties'] = properties(msg, out);
}

/** Every served kind's schema (tagged with its group-version-kind) and the types they use. */
export function componentSchemas(): Record<string, JsonSchema> {
  const out = new Map<string, JsonSchema>();
  for (const info of [...SERVED_KINDS, LEASE_KIND]) {
    const msg = kindMessage(info.kind);
    if (!msg) continue;
    const props = properties(msg, out);
    out.set(`${PREFIX}${info.kind}`, {
      type: 'object',
      description: `${info.kind} as the Flotilla hub serves it (${apiVersionOf(info)}).`,
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, ...props },
      'x-kubernetes-group-version-kind': [{ group: info.group, version: info.version, kind: info.kind }],
    });
  }
  return Object.fromEntries(out);
}

/**
 * Field tables for Kubernetes' protobuf messages: for each JSON field name, its field number
 * (from k8s.io/api and k8s.io/apimachinery generated.proto) and how its value is written.
 */

/** Kubernetes' special types are messages on the wire and scalars in JSON. */
export type Scalar =
  | 'string'
  | 'bytes' // base64 in JSON
  | 'int32'
  | 'int64'
  | 'bool'
  | 'time' // meta/v1 Time: RFC 3339 in JSON, {seconds=1, nanos=2} on the wire
  | 'microTime'
  | 'quantity' // resource.Quantity: {string=1}
  | 'intOrString' // intstr.IntOrString: {type=1, intVal=2, strVal=3}
  | 'raw' // runtime.RawExtension: {raw=1} holding JSON
  | 'fieldsV1' // meta/v1 FieldsV1: {Raw=1} holding JSON
  | 'stringList'; // authentication/v1 ExtraValue: {items=1} holding a string list

export type FieldType = Scalar | { msg: () => Message } | { map: Scalar };

export interface Field {
  json: string;
  num: number;
  type: FieldType;
  repeated: boolean;
  /** Go pointer (or non-omitempty) fields: a zero value is meaningful and kept on decode. */
  keepZero: boolean;
  /** An embedded struct: its fields sit at this message's level in JSON. */
  inline: boolean;
}

export interface Message {
  name: string;
  fields: readonly Field[];
}

type Spec = Omit<Field, 'json'>;

function spec(num: number, type: FieldType, repeated = false): Spec {
  return { num, type, repeated, keepZero: false, inline: false };
}

export const s = (n: number): Spec => spec(n, 'string');
export const ss = (n: number): Spec => spec(n, 'string', true);
export const bytes = (n: number): Spec => spec(n, 'bytes');
export const i32 = (n: number): Spec => spec(n, 'int32');
export const i32s = (n: number): Spec => spec(n, 'int32', true);
export const i64 = (n: number): Spec => spec(n, 'int64');
export const i64s = (n: number): Spec => spec(n, 'int64', true);
export const b = (n: number): Spec => spec(n, 'bool');
export const time = (n: number): Spec => spec(n, 'time');
export const microTime = (n: number): Spec => spec(n, 'microTime');
export const qty = (n: number): Spec => spec(n, 'quantity');
export const ios = (n: number): Spec => spec(n, 'intOrString');
export const raw = (n: number): Spec => spec(n, 'raw');
export const fieldsV1 = (n: number): Spec => spec(n, 'fieldsV1');
export const m = (n: number, msg: () => Message): Spec => spec(n, { msg });
export const ms = (n: number, msg: () => Message): Spec => spec(n, { msg }, true);
export const map = (n: number, value: Scalar): Spec => spec(n, { map: value });
export const smap = (n: number): Spec => map(n, 'string');
export const qmap = (n: number): Spec => map(n, 'quantity');
/** A Go pointer (or always-written) field: zero is a value, not "unset". */
export const opt = (f: Spec): Spec => ({ ...f, keepZero: true });
/** An embedded struct (ProbeHandler in Probe, LocalObjectReference in key selectors). */
export const inline = (n: number, msg: () => Message): Spec => ({ ...spec(n, { msg }), inline: true });

/** Builds a message table; keys starting with `~` name inline fields (their JSON name is unused). */
export function message(name: string, fields: Record<string, Spec>): Message {
  return { name, fields: Object.entries(fields).map(([json, f]) => ({ json, ...f })).sort((x, y) => x.num - y.num) };
}

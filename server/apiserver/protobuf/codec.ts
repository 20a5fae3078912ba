/**
 * Turns JSON-shaped API objects into protobuf messages and back, driven by the field tables.
 * Decoding follows Go's JSON view of the same object: zero values of plain fields are left out,
 * zero values of pointer fields (`opt`) are kept.
 */
import { isRecord, type JsonObject } from '../../../shared/util/guards.js';
import type { Field, FieldType, Message, Scalar } from './dsl.js';
import { lengthDelimited, readFields, signed, tag, varint, WIRE_BYTES, WIRE_VARINT, WireError, type WireField } from './wire.js';

/** A value the tables cannot express (a field Flotilla has no number for): the caller answers in JSON instead. */
export class NotEncodable extends Error {}

const MAX_DEPTH = 48;

// ---- encoding ----

function jsonNames(msg: Message): string[] {
  return msg.fields.flatMap((f) => (f.inline ? jsonNames(msgOf(f.type)) : [f.json]));
}

function msgOf(t: FieldType): Message {
  if (typeof t === 'object' && 'msg' in t) return t.msg();
  throw new Error('not a message type');
}

export function encodeMessage(obj: unknown, msg: Message, path: string, skip: ReadonlySet<string> = new Set()): Buffer {
  if (!isRecord(obj)) throw new NotEncodable(`${path}: expected an object for ${msg.name}`);
  const known = new Set<string>();
  const parts: Buffer[] = [];
  for (const f of msg.fields) {
    if (f.inline) {
      const inner = msgOf(f.type);
      const sub: JsonObject = {};
      for (const name of jsonNames(inner)) {
        known.add(name);
        if (obj[name] !== undefined) sub[name] = obj[name];
      }
      parts.push(lengthDelimited(f.num, encodeMessage(sub, inner, path)));
      continue;
    }
    known.add(f.json);
    const v = obj[f.json];
    if (v === undefined || v === null) continue;
    parts.push(encodeField(f, v, `${path}.${f.json}`));
  }
  for (const k of Object.keys(obj)) {
    if (!known.has(k) && !skip.has(k)) throw new NotEncodable(`${path}.${k}: ${msg.name} has no protobuf field for it`);
  }
  return Buffer.concat(parts);
}

function encodeField(f: Field, v: unknown, path: string): Buffer {
  const t = f.type;
  if (typeof t === 'object' && 'map' in t) {
    if (!isRecord(v)) throw new NotEncodable(`${path}: expected a map`);
    return Buffer.concat(
      Object.keys(v)
        .sort()
        .map((k) => lengthDelimited(f.num, Buffer.concat([lengthDelimited(1, Buffer.from(k, 'utf8')), encodeValue(2, t.map, v[k], `${path}.${k}`)]))),
    );
  }
  if (f.repeated) {
    if (!Array.isArray(v)) throw new NotEncodable(`${path}: expected a list`);
    return Buffer.concat(v.map((item, i) => encodeValue(f.num, t, item, `${path}[${i}]`)));
  }
  return encodeValue(f.num, t, v, path);
}

function encodeValue(num: number, t: FieldType, v: unknown, path: string): Buffer {
  if (typeof t === 'object') {
    if ('msg' in t) return lengthDelimited(num, encodeMessage(v, t.msg(), path));
    throw new NotEncodable(`${path}: nested maps are not supported`);
  }
  return encodeScalar(num, t, v, path);
}

function integer(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new NotEncodable(`${path}: expected an integer`);
  return v;
}

function text(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new NotEncodable(`${path}: expected a string`);
  return v;
}

function encodeScalar(num: number, t: Scalar, v: unknown, path: string): Buffer {
  switch (t) {
    case 'string':
      return lengthDelimited(num, Buffer.from(text(v, path), 'utf8'));
    case 'bytes':
      return lengthDelimited(num, Buffer.from(text(v, path), 'base64'));
    case 'int32':
    case 'int64':
      return Buffer.concat([tag(num, WIRE_VARINT), varint(integer(v, path))]);
    case 'bool':
      if (typeof v !== 'boolean') throw new NotEncodable(`${path}: expected a boolean`);
      return Buffer.concat([tag(num, WIRE_VARINT), varint(v ? 1 : 0)]);
    case 'time':
    case 'microTime': {
      const { seconds, nanos } = parseTime(text(v, path), path);
      const body = [tag(1, WIRE_VARINT), varint(seconds)];
      if (nanos !== 0) body.push(tag(2, WIRE_VARINT), varint(nanos));
      return lengthDelimited(num, Buffer.concat(body));
    }
    case 'quantity':
      if (typeof v !== 'string' && typeof v !== 'number') throw new NotEncodable(`${path}: expected a quantity`);
      return lengthDelimited(num, lengthDelimited(1, Buffer.from(String(v), 'utf8')));
    case 'intOrString':
      if (typeof v === 'string') {
        return lengthDelimited(num, Buffer.concat([tag(1, WIRE_VARINT), varint(1), lengthDelimited(3, Buffer.from(v, 'utf8'))]));
      }
      return lengthDelimited(num, Buffer.concat([tag(1, WIRE_VARINT), varint(0), tag(2, WIRE_VARINT), varint(integer(v, path))]));
    case 'raw':
    case 'fieldsV1':
      return lengthDelimited(num, lengthDelimited(1, Buffer.from(JSON.stringify(v), 'utf8')));
    case 'stringList':
      if (!Array.isArray(v)) throw new NotEncodable(`${path}: expected a list of strings`);
      return lengthDelimited(num, Buffer.concat(v.map((s, i) => lengthDelimited(1, Buffer.from(text(s, `${path}[${i}]`), 'utf8')))));
  }
}

const TIME_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

function parseTime(s: string, path: string): { seconds: number; nanos: number } {
  const m = TIME_RE.exec(s);
  const ms = m ? Date.parse(`${m[1] ?? ''}${m[3] ?? ''}`) : NaN;
  if (!m || Number.isNaN(ms)) throw new NotEncodable(`${path}: expected an RFC 3339 time`);
  return { seconds: Math.floor(ms / 1000), nanos: Number((m[2] ?? '').padEnd(9, '0')) };
}

// ---- decoding ----

const indexes = new WeakMap<Message, Map<number, Field>>();

function fieldsByNumber(msg: Message): Map<number, Field> {
  let idx = indexes.get(msg);
  if (!idx) {
    idx = new Map(msg.fields.map((f) => [f.num, f]));
    indexes.set(msg, idx);
  }
  return idx;
}

export function decodeMessage(buf: Buffer, msg: Message, depth = 0): JsonObject {
  if (depth > MAX_DEPTH) throw new WireError(`${msg.name} is nested too deeply`);
  const out: JsonObject = {};
  const byNum = fieldsByNumber(msg);
  for (const wf of readFields(buf)) {
    const f = byNum.get(wf.num);
    if (!f) throw new WireError(`${msg.name} field ${wf.num} is not one Flotilla serves`);
    const t = f.type;
    if (f.inline) {
      Object.assign(out, decodeMessage(bytesOf(wf, msg), msgOf(t), depth + 1));
    } else if (typeof t === 'object' && 'map' in t) {
      const entry = readFields(bytesOf(wf, msg));
      const key = entry.find((e) => e.num === 1);
      const value = entry.find((e) => e.num === 2);
      const target = (isRecord(out[f.json]) ? out[f.json] : (out[f.json] = {})) as JsonObject;
      const k = key ? bytesOf(key, msg).toString('utf8') : '';
      target[k] = value ? decodeValue(value, t.map, msg, depth) : zeroOf(t.map);
    } else if (f.repeated) {
      const list = (Array.isArray(out[f.json]) ? out[f.json] : (out[f.json] = [])) as unknown[];
      if (wf.wire === WIRE_BYTES && (t === 'int32' || t === 'int64' || t === 'bool')) list.push(...unpack(bytesOf(wf, msg), t));
      else list.push(decodeValue(wf, t, msg, depth));
    } else {
      const v = decodeValue(wf, t, msg, depth);
      if (v === undefined) delete out[f.json];
      else out[f.json] = v;
    }
  }
  for (const f of msg.fields) {
    if (!f.inline && !f.keepZero && isZero(out[f.json])) delete out[f.json];
  }
  return out;
}

function isZero(v: unknown): boolean {
  if (v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return false;
}

function zeroOf(t: Scalar): unknown {
  if (t === 'int32' || t === 'int64') return 0;
  if (t === 'bool') return false;
  return '';
}

function bytesOf(wf: WireField, msg: Message): Buffer {
  if (wf.wire !== WIRE_BYTES || !wf.bytes) throw new WireError(`${msg.name} field ${wf.num} has the wrong wire type`);
  return wf.bytes;
}

function intOf(wf: WireField, msg: Message): bigint {
  if (wf.wire !== WIRE_VARINT || wf.int === undefined) throw new WireError(`${msg.name} field ${wf.num} has the wrong wire type`);
  return wf.int;
}

function unpack(buf: Buffer, t: 'int32' | 'int64' | 'bool'): unknown[] {
  const out: unknown[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length || shift > 63n) throw new WireError('truncated packed varint');
      const byte = buf[pos++] ?? 0;
      v |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if ((byte & 0x80) === 0) break;
    }
    out.push(t === 'bool' ? v !== 0n : signed(v));
  }
  return out;
}

function decodeValue(wf: WireField, t: FieldType, msg: Message, depth: number): unknown {
  if (typeof t === 'object') {
    if ('msg' in t) return decodeMessage(bytesOf(wf, msg), t.msg(), depth + 1);
    throw new WireError(`${msg.name} field ${wf.num}: nested maps are not supported`);
  }
  switch (t) {
    case 'string':
      return bytesOf(wf, msg).toString('utf8');
    case 'bytes':
      return bytesOf(wf, msg).toString('base64');
    case 'int32':
    case 'int64':
      return signed(intOf(wf, msg));
    case 'bool':
      return intOf(wf, msg) !== 0n;
    case 'time':
    case 'microTime':
      return decodeTime(bytesOf(wf, msg), t === 'microTime');
    case 'quantity':
      return subField(bytesOf(wf, msg), 1)?.toString('utf8') ?? '0';
    case 'intOrString': {
      const fields = readFields(bytesOf(wf, msg));
      const kind = fields.find((f) => f.num === 1)?.int ?? 0n;
      if (kind === 1n) return fields.find((f) => f.num === 3)?.bytes?.toString('utf8') ?? '';
      const iv = fields.find((f) => f.num === 2)?.int;
      return iv === undefined ? 0 : signed(iv);
    }
    case 'raw':
    case 'fieldsV1': {
      const rawBytes = subField(bytesOf(wf, msg), 1);
      if (!rawBytes || rawBytes.length === 0) return {};
      try {
        return JSON.parse(rawBytes.toString('utf8')) as unknown;
      } catch {
        throw new WireError(`${msg.name} field ${wf.num} does not hold JSON`);
      }
    }
    case 'stringList':
      return readFields(bytesOf(wf, msg))
        .filter((f) => f.num === 1)
        .map((f) => bytesOf(f, msg).toString('utf8'));
  }
}

function subField(buf: Buffer, num: number): Buffer | undefined {
  return readFields(buf).find((f) => f.num === num && f.wire === WIRE_BYTES)?.bytes;
}

function decodeTime(buf: Buffer, micro: boolean): string | undefined {
  const fields = readFields(buf);
  const seconds = signed(fields.find((f) => f.num === 1)?.int ?? 0n);
  const nanos = signed(fields.find((f) => f.num === 2)?.int ?? 0n);
  if (seconds === 0 && nanos === 0) return undefined;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (!micro) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

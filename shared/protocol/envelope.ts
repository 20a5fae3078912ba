/** The checks every message shares, in order: size, UTF-8, JSON syntax, object, `v`, `t`. */
import { showValue, typeName } from '../api/validation/field-errors.js';
import { errorMessage } from '../util/guards.js';
import { PROTOCOL_VERSION } from './messages.js';
import { checkRecord, fail } from './fields.js';
import type { Fields } from './fields.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Parses the payload as one JSON object, refusing it when larger than `maxBytes`. */
export function parseJsonObject(payload: Uint8Array, maxBytes: number): Fields {
  if (payload.length > maxBytes) fail('payload', `${payload.length} bytes exceeds the limit of ${maxBytes} bytes`);
  if (payload.length === 0) fail('payload', 'empty');
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    fail('payload', 'not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    fail('payload', `invalid JSON: ${errorMessage(e)}`);
  }
  return checkRecord(value, 'payload').withPath('');
}

/** Checks `v` is the version this code speaks and `t` the type the channel carries. */
export function checkVersionAndType(f: Fields, expectedType: string, channel: string): void {
  const v = f.obj.v;
  if (v === undefined) fail('v', 'required');
  if (typeof v !== 'number') fail('v', `expected integer, got ${typeName(v)}`);
  if (v !== PROTOCOL_VERSION) fail('v', `unsupported protocol version ${showValue(v)} (this side speaks ${PROTOCOL_VERSION})`);
  const t = f.obj.t;
  if (t === undefined) fail('t', 'required');
  if (typeof t !== 'string') fail('t', `expected string, got ${typeName(t)}`);
  if (t !== expectedType) {
    const shown = t.length > 32 ? `${JSON.stringify(t.slice(0, 32))}...` : JSON.stringify(t);
    fail('t', `expected "${expectedType}" on the ${channel} channel, got ${shown}`);
  }
}

/** parseJsonObject then checkVersionAndType. */
export function openEnvelope(payload: Uint8Array, maxBytes: number, expectedType: string, channel: string): Fields {
  const f = parseJsonObject(payload, maxBytes);
  checkVersionAndType(f, expectedType, channel);
  return f;
}

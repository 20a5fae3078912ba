/**
 * FieldError constructors and field paths in Kubernetes form.
 *
 * Messages follow Kubernetes' `field.Error.ErrorBody()` ("Invalid value: …", "Required value", …),
 * so `ApiError.invalid` renders the same text kubectl users know. Type errors are the exception:
 * Kubernetes rejects those while decoding, so they read plainly: `expected string, got number`.
 */
import type { FieldError } from '../errors.js';

export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** A map entry, as Kubernetes writes it: `resources.limits[cpu]`, `data[.dockerconfigjson]`. */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

/** JSON type name of a decoded value, for type error messages. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

const MAX_SHOWN = 200;

/** The bad value as shown in messages: JSON, shortened when long. */
export function showValue(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}...` : s;
}

export function required(field: string, detail = ''): FieldError {
  return { field, reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value' };
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { field, reason: 'FieldValueInvalid', message: `Invalid value: ${showValue(value)}: ${detail}` };
}

/** Like `invalid`, for values that must not be echoed (Secret data). */
export function invalidRedacted(field: string, detail: string): FieldError {
  return { field, reason: 'FieldValueInvalid', message: `Invalid value: "<secret contents redacted>": ${detail}` };
}

export function notSupported(field: string, value: unknown, supported: readonly string[], detail?: string): FieldError {
  const why = detail ?? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`;
  return { field, reason: 'FieldValueNotSupported', message: `Unsupported value: ${showValue(value)}: ${why}` };
}

export function duplicate(field: string, value: unknown, detail?: string): FieldError {
  const base = `Duplicate value: ${showValue(value)}`;
  return { field, reason: 'FieldValueDuplicate', message: detail ? `${base}: ${detail}` : base };
}

export function forbidden(field: string, detail: string): FieldError {
  return { field, reason: 'FieldValueForbidden', message: `Forbidden: ${detail}` };
}

export function tooLong(field: string, maxBytes: number): FieldError {
  return { field, reason: 'FieldValueTooLong', message: `Too long: may not be more than ${maxBytes} bytes` };
}

export function typeInvalid(field: string, expected: string, value: unknown): FieldError {
  return { field, reason: 'FieldValueTypeInvalid', message: `expected ${expected}, got ${typeName(value)}` };
}

/** One FieldValueInvalid per message from a names.ts check (empty list: valid). */
export function invalidEach(field: string, value: unknown, messages: readonly string[]): FieldError[] {
  return messages.map((m) => invalid(field, value, m));
}

export const NON_NEGATIVE = 'must be greater than or equal to 0';

export function inclusiveRange(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

/**
 * The `fieldValidation` query parameter of writes: what to do about fields of the request
 * body that the kind does not define. Strict refuses the request, Warn (the default, as in
 * Kubernetes) answers with one `Warning` header per field, Ignore drops them silently.
 */
import { ApiError } from '../errors.js';
import { unknownFields, type UnknownFieldOptions } from './unknown-fields.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

const MODES: readonly string[] = ['Ignore', 'Strict', 'Warn'] satisfies FieldValidation[];

function isMode(v: string): v is FieldValidation {
  return MODES.includes(v);
}

/** Reads the parameter's value; absent or empty means Warn. */
export function parseFieldValidation(value: string | null): FieldValidation {
  if (value === null || value === '') return 'Warn';
  if (isMode(value)) return value;
  const supported = MODES.map((m) => `"${m}"`).join(', ');
  throw ApiError.badRequest(`Unsupported value: ${JSON.stringify(value)}: supported values: ${supported}`, 'fieldValidation');
}

/** A `Warning` header value as Kubernetes writes it: `299 - "unknown field \"spec.foo\""`. */
export function warningHeader(text: string): string | undefined {
  // Header values carry bytes: control characters cannot be sent, the rest travels as UTF-8.
  if ([...text].some((c) => c < ' ' || c === '\u007f')) return undefined;
  const quoted = `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return `299 - ${Buffer.from(quoted, 'utf8').toString('latin1')}`;
}

/** Applies one request's fieldValidation to its body, collecting the warnings in Warn mode. */
export class FieldValidator {
  readonly warnings: string[] = [];

  /** `prune`: drop unknown fields from what is stored, as Kubernetes does; off only for the hub's own writes. */
  constructor(
    readonly mode: FieldValidation,
    private readonly prune = true,
  ) {}

  /**
   * Throws a 400 BadRequest naming every unknown field in Strict mode; records them in Warn mode.
   * In Warn and Ignore mode the unknown fields are removed from `body`, so they are never stored.
   */
  check(body: unknown, kind: string, opts: UnknownFieldOptions = {}): void {
    if (this.mode === 'Ignore' && !this.prune) return;
    const strict = this.mode === 'Strict';
    const found = unknownFields(body, kind, { ...opts, prune: this.prune && !strict }).map((path) => `unknown field ${JSON.stringify(path)}`);
    if (found.length === 0 || this.mode === 'Ignore') return;
    if (strict) throw new ApiError(400, 'BadRequest', `strict decoding error: ${found.join(', ')}`);
    this.warnings.push(...found);
  }

  warningHeaders(): string[] {
    return this.warnings.map(warningHeader).filter((h): h is string => h !== undefined);
  }
}

/** For writes the hub makes itself: nothing is checked or removed. */
export const IGNORE_FIELDS = new FieldValidator('Ignore', false);

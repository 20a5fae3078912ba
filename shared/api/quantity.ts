/**
 * Kubernetes resource quantities ('500m', '1.5', '128Mi', '1G', '1e3') as a number of base units:
 * cores for cpu, bytes for memory. JSON numbers are quantities too, as the API server accepts them.
 */
import type { FieldError } from './errors.js';
import { invalid, typeInvalid } from './validation/field-errors.js';

/** Kubernetes' own wording, quoting the pattern it reports (looser than the grammar it enforces). */
export const QUANTITY_FORMAT_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

/** What Kubernetes' parser gets through before it looks the suffix up. */
const LOOSE_RE = /^[+-]?[0-9]*(?:\.[0-9]*)?[eEinumkKMGTP]*[-+]?[0-9]*$/;
const QUANTITY_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|[numkMGTPE])?$/;

const BINARY_SHIFT: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_EXPONENT: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

function fail(field: string, value: unknown, message: string): FieldError {
  return invalid(field, value, message);
}

/** Parses a quantity; a malformed one yields a FieldError for `field`. */
export function parseQuantity(value: unknown, field = ''): number | FieldError {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : fail(field, value, QUANTITY_FORMAT_ERROR);
  }
  if (typeof value !== 'string') return typeInvalid(field, 'string or number', value);
  const text = value.trim();
  const m = QUANTITY_RE.exec(text);
  if (!m) return fail(field, value, LOOSE_RE.test(text) ? QUANTITY_SUFFIX_ERROR : QUANTITY_FORMAT_ERROR);
  const [, sign = '', whole = '', frac = '', suffix = ''] = m;
  if (whole === '' && frac === '') return fail(field, value, QUANTITY_FORMAT_ERROR);
  const mantissa = `${sign}${whole || '0'}.${frac || '0'}`;

  let n: number;
  const shift = BINARY_SHIFT[suffix];
  if (shift !== undefined) {
    n = Number(mantissa) * 2 ** shift;
  } else {
    // Scale in decimal notation so '100m' and '0.1' give the very same double.
    const exp = suffix === '' ? 0 : (DECIMAL_EXPONENT[suffix] ?? Number(suffix.slice(1)));
    n = Number(`${mantissa}e${exp}`);
  }
  if (!Number.isFinite(n)) return fail(field, value, 'quantity is too large');
  return n === 0 ? 0 : n;
}

/** The quantity's value, or undefined when it does not parse. */
export function quantityValue(value: unknown): number | undefined {
  const n = parseQuantity(value);
  return typeof n === 'number' ? n : undefined;
}

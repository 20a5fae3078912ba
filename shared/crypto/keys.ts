/** Key sizes and checked decoding of keys carried as base64 text. */
import { fromBase64 } from './base64.js';
import { KeyFormatError } from './errors.js';

export const SIGNING_PUBLIC_KEY_BYTES = 32;
/** tweetnacl's form: 32-byte seed followed by the 32-byte public key. */
export const SIGNING_SECRET_KEY_BYTES = 64;
export const SIGNATURE_BYTES = 64;
export const BOX_PUBLIC_KEY_BYTES = 32;
export const BOX_SECRET_KEY_BYTES = 32;

/** Decodes padded base64 of exactly `length` bytes, or throws a KeyFormatError naming `field`. */
export function decodeBase64Key(text: unknown, length: number, field: string): Uint8Array {
  if (typeof text !== 'string') throw new KeyFormatError(field, `expected base64 string, got ${text === null ? 'null' : typeof text}`);
  const bytes = fromBase64(text);
  if (!bytes) throw new KeyFormatError(field, 'not valid base64');
  if (bytes.length !== length) throw new KeyFormatError(field, `expected ${length} bytes, got ${bytes.length}`);
  return bytes;
}

/** Random tokens from the OS CSPRNG, and a length-hiding constant-time comparison. */
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { toBase64Url } from './base64.js';
import { sha256 } from './digest.js';

/** `bytes` random bytes as unpadded base64url. */
export function randomToken(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 1) throw new RangeError(`randomToken: bytes must be a positive integer, got ${bytes}`);
  return toBase64Url(randomBytes(bytes));
}

/** `length` characters drawn uniformly from `alphabet`. */
export function randomString(length: number, alphabet: string): string {
  if (alphabet.length < 2) throw new RangeError('randomString: alphabet needs at least two characters');
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet.charAt(randomInt(alphabet.length));
  return out;
}

/** Compares secrets without leaking where (or whether by length) they differ. */
export function constantTimeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** Hashes and key identifiers. */
import { createHash } from 'node:crypto';
import { toBase64Url } from './base64.js';

export function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** Short, stable id of a public key (16 base64url chars): for envelopes' `kid` and logs. */
export function keyId(publicKey: Uint8Array): string {
  return toBase64Url(sha256(publicKey).subarray(0, 12));
}

/** Full fingerprint for pinning a key out of band: `sha256:<64 hex>`. */
export function keyFingerprint(publicKey: Uint8Array): string {
  return `sha256:${Buffer.from(sha256(publicKey)).toString('hex')}`;
}

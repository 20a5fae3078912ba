/**
 * Ed25519 signing. `createSigner` / `createVerifier` use node:crypto (OpenSSL) for the hub's hot
 * path; `naclSign` / `naclVerify` are the tweetnacl equivalents. Ed25519 is deterministic, so
 * both produce the very same signature bytes for the same key and message.
 */
import { createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { ED25519_SPKI_PREFIX, ed25519PrivateKey } from './derive.js';
import { KeyFormatError } from './errors.js';
import { SIGNATURE_BYTES, SIGNING_PUBLIC_KEY_BYTES, SIGNING_SECRET_KEY_BYTES } from './keys.js';

/** Signs a message with a key the function holds. */
export type Sign = (msg: Uint8Array) => Uint8Array;
/** True when `sig` is a valid signature of `msg` by the key the function holds. Never throws. */
export type Verify = (msg: Uint8Array, sig: Uint8Array) => boolean;

function checkLength(bytes: Uint8Array, length: number, field: string): void {
  if (bytes.length !== length) throw new KeyFormatError(field, `expected ${length} bytes, got ${bytes.length}`);
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

/**
 * A node:crypto signer for a 64-byte tweetnacl secret key (seed ‖ public key). The key object is
 * built once; the seed must derive the public half, so a corrupted key file fails here, not later.
 */
export function createSigner(secretKey64: Uint8Array): Sign {
  checkLength(secretKey64, SIGNING_SECRET_KEY_BYTES, 'secretKey');
  const seed = secretKey64.subarray(0, 32);
  const key = ed25519PrivateKey(seed);
  const derived = createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length);
  if (!derived.equals(secretKey64.subarray(32))) {
    throw new KeyFormatError('secretKey', 'public half does not match the seed');
  }
  return (msg) => new Uint8Array(nodeSign(null, msg, key));
}

/** A node:crypto verifier for a 32-byte Ed25519 public key. */
export function createVerifier(publicKey32: Uint8Array): Verify {
  checkLength(publicKey32, SIGNING_PUBLIC_KEY_BYTES, 'publicKey');
  const key = publicKeyObject(publicKey32);
  return (msg, sig) => {
    if (sig.length !== SIGNATURE_BYTES) return false;
    try {
      return nodeVerify(null, msg, key, sig);
    } catch {
      return false;
    }
  };
}

/** tweetnacl detached signature (64 bytes). */
export function naclSign(secretKey64: Uint8Array, msg: Uint8Array): Uint8Array {
  checkLength(secretKey64, SIGNING_SECRET_KEY_BYTES, 'secretKey');
  return nacl.sign.detached(msg, secretKey64);
}

/** tweetnacl verification; false (never a throw) for signatures or keys of the wrong size. */
export function naclVerify(publicKey32: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (publicKey32.length !== SIGNING_PUBLIC_KEY_BYTES || sig.length !== SIGNATURE_BYTES) return false;
  return nacl.sign.detached.verify(msg, sig, publicKey32);
}

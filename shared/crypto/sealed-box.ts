/**
 * Anonymous public-key encryption with tweetnacl's box (X25519 + XSalsa20-Poly1305), as
 * libsodium's sealed box: a fresh ephemeral sender key pair and a fresh random nonce per
 * message, so only the recipient's secret key opens it. Wire form: epk(32) ‖ nonce(24) ‖ box.
 *
 * Why ephemeral and not the hub's box key: a leak of a long-lived hub key would then open every
 * Secret ever sent to every node; an ephemeral key is forgotten once the message is built.
 * Authenticity does not come from the box: the hub signs the document after sealing.
 */
import nacl from 'tweetnacl';
import { BOX_PUBLIC_KEY_BYTES, BOX_SECRET_KEY_BYTES } from './keys.js';

const NONCE_BYTES = nacl.box.nonceLength;
const OVERHEAD = BOX_PUBLIC_KEY_BYTES + NONCE_BYTES + nacl.box.overheadLength;

/** Encrypts `plaintext` to `recipientPublicKey` (32 bytes). */
export function sealTo(recipientPublicKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (recipientPublicKey.length !== BOX_PUBLIC_KEY_BYTES) throw new RangeError(`sealTo: recipient key must be ${BOX_PUBLIC_KEY_BYTES} bytes, got ${recipientPublicKey.length}`);
  const eph = nacl.box.keyPair();
  const nonce = nacl.randomBytes(NONCE_BYTES);
  const boxed = nacl.box(plaintext, nonce, recipientPublicKey, eph.secretKey);
  eph.secretKey.fill(0);
  const out = new Uint8Array(BOX_PUBLIC_KEY_BYTES + NONCE_BYTES + boxed.length);
  out.set(eph.publicKey, 0);
  out.set(nonce, BOX_PUBLIC_KEY_BYTES);
  out.set(boxed, BOX_PUBLIC_KEY_BYTES + NONCE_BYTES);
  return out;
}

/** Opens what `sealTo` made for this key; undefined when it is not for this key or was altered. */
export function openSealed(recipientSecretKey: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  if (recipientSecretKey.length !== BOX_SECRET_KEY_BYTES || sealed.length < OVERHEAD) return undefined;
  const epk = sealed.subarray(0, BOX_PUBLIC_KEY_BYTES);
  const nonce = sealed.subarray(BOX_PUBLIC_KEY_BYTES, BOX_PUBLIC_KEY_BYTES + NONCE_BYTES);
  return nacl.box.open(sealed.subarray(BOX_PUBLIC_KEY_BYTES + NONCE_BYTES), nonce, epk, recipientSecretKey) ?? undefined;
}

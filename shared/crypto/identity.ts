/**
 * A node's (or the hub's) identity: an Ed25519 signing key pair and an X25519 box key pair in
 * tweetnacl's forms (its box and signatures use them), made from OS randomness with the public
 * halves derived by node:crypto (derive.ts), and the JSON file shape they are stored in.
 */
import { randomBytes } from 'node:crypto';
import { isRecord } from '../util/guards.js';
import { toBase64 } from './base64.js';
import { ed25519PublicKey, x25519PublicKey } from './derive.js';
import { KeyFormatError } from './errors.js';
import {
  BOX_PUBLIC_KEY_BYTES,
  BOX_SECRET_KEY_BYTES,
  SIGNING_PUBLIC_KEY_BYTES,
  SIGNING_SECRET_KEY_BYTES,
  decodeBase64Key,
} from './keys.js';

export interface Identity {
  signingPublicKey: Uint8Array;
  /** tweetnacl's 64-byte form: seed ‖ public key. */
  signingSecretKey: Uint8Array;
  boxPublicKey: Uint8Array;
  boxSecretKey: Uint8Array;
}

/** The identity file: base64 (padded, standard alphabet) of each key. */
export interface IdentityJson {
  version: 1;
  signingPublicKey: string;
  signingSecretKey: string;
  boxPublicKey: string;
  boxSecretKey: string;
}

export function generateIdentity(): Identity {
  const seed = new Uint8Array(randomBytes(32));
  const signingPublicKey = ed25519PublicKey(seed);
  const boxSecretKey = new Uint8Array(randomBytes(32));
  return {
    signingPublicKey,
    signingSecretKey: new Uint8Array(Buffer.concat([seed, signingPublicKey])),
    boxPublicKey: x25519PublicKey(boxSecretKey),
    boxSecretKey,
  };
}

export function identityToJson(id: Identity): IdentityJson {
  return {
    version: 1,
    signingPublicKey: toBase64(id.signingPublicKey),
    signingSecretKey: toBase64(id.signingSecretKey),
    boxPublicKey: toBase64(id.boxPublicKey),
    boxSecretKey: toBase64(id.boxSecretKey),
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * Reads an identity file's parsed JSON. Checks each key's encoding and length, and that each
 * public key is the one its secret key derives; errors are KeyFormatErrors naming the field.
 */
export function identityFromJson(json: unknown): Identity {
  if (!isRecord(json)) throw new KeyFormatError('identity', 'expected a JSON object');
  if (json.version !== 1) throw new KeyFormatError('version', `unsupported identity file version ${JSON.stringify(json.version) ?? 'undefined'} (expected 1)`);
  const signingPublicKey = decodeBase64Key(json.signingPublicKey, SIGNING_PUBLIC_KEY_BYTES, 'signingPublicKey');
  const signingSecretKey = decodeBase64Key(json.signingSecretKey, SIGNING_SECRET_KEY_BYTES, 'signingSecretKey');
  const boxPublicKey = decodeBase64Key(json.boxPublicKey, BOX_PUBLIC_KEY_BYTES, 'boxPublicKey');
  const boxSecretKey = decodeBase64Key(json.boxSecretKey, BOX_SECRET_KEY_BYTES, 'boxSecretKey');
  const derivedSigning = ed25519PublicKey(signingSecretKey.subarray(0, 32));
  if (!sameBytes(derivedSigning, signingSecretKey.subarray(32))) {
    throw new KeyFormatError('signingSecretKey', 'public half does not match the seed');
  }
  if (!sameBytes(derivedSigning, signingPublicKey)) {
    throw new KeyFormatError('signingPublicKey', 'does not match signingSecretKey');
  }
  if (!sameBytes(x25519PublicKey(boxSecretKey), boxPublicKey)) {
    throw new KeyFormatError('boxPublicKey', 'does not match boxSecretKey');
  }
  return { signingPublicKey, signingSecretKey, boxPublicKey, boxSecretKey };
}

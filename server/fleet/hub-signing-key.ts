/** The hub's Ed25519 identity: it signs every desired document; agents pin its public key at enrollment. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSigner, generateIdentity, identityFromJson, identityToJson, keyFingerprint, keyId, toBase64, type Sign } from '../../shared/crypto/index.js';
import { errnoCode } from '../../shared/util/guards.js';
import { writeFileAtomic } from '../../shared/util/atomic-file.js';

export interface HubSigningKey {
  sign: Sign;
  /** Padded base64 of the 32-byte public key, as sent in enrollRes. */
  publicKey: string;
  keyId: string;
  fingerprint: string;
}

export async function loadOrCreateHubSigningKey(dataDir: string): Promise<HubSigningKey> {
  const path = join(dataDir, 'pki', 'hub-signing.json');
  let identity;
  try {
    identity = identityFromJson(JSON.parse(await readFile(path, 'utf8')) as unknown);
  } catch (e: unknown) {
    if (errnoCode(e) !== 'ENOENT') throw new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    identity = generateIdentity();
    await writeFileAtomic(path, JSON.stringify(identityToJson(identity), null, 2) + '\n', 0o600);
  }
  return {
    sign: createSigner(identity.signingSecretKey),
    publicKey: toBase64(identity.signingPublicKey),
    keyId: keyId(identity.signingPublicKey),
    fingerprint: keyFingerprint(identity.signingPublicKey),
  };
}

/**
 * The agent's identity on disk, in its data dir (plain files, no database):
 *
 *   identity.json   0600  the node's key pairs and the node name they were made for
 *   hub.json        0644  the hub's signing key, written when enrollment succeeds: its
 *                         presence (for the same node name) is what "enrolled" means
 *
 * Both are written atomically. Reads check every field and fail with an IdentityFileError
 * naming the file and the field.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodeBase64Key,
  identityFromJson,
  identityToJson,
  keyFingerprint,
  SIGNING_PUBLIC_KEY_BYTES,
  toBase64,
  type Identity,
} from '../../shared/crypto/index.js';
import { isNodeName } from '../../shared/protocol/index.js';
import { errnoCode, errorMessage, isRecord } from '../../shared/util/guards.js';
import { writeFileAtomic } from '../../shared/util/atomic-file.js';

export const IDENTITY_FILE = 'identity.json';
export const HUB_FILE = 'hub.json';

export class IdentityFileError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'IdentityFileError';
  }
}

export interface NodeIdentity {
  nodeName: string;
  keys: Identity;
}

export interface HubKeyRecord {
  /** The node name the agent enrolled as. */
  nodeName: string;
  /** The hub's Ed25519 public key (32 bytes). */
  hubKey: Uint8Array;
  /** keyFingerprint(hubKey). */
  fingerprint: string;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw new IdentityFileError(path, `cannot read: ${errorMessage(e)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new IdentityFileError(path, `not valid JSON: ${errorMessage(e)}`);
  }
}

function readNodeName(path: string, json: Record<string, unknown>): string {
  const name = json.nodeName;
  if (typeof name !== 'string' || !isNodeName(name)) throw new IdentityFileError(path, 'nodeName: expected a valid node name');
  return name;
}

/** The identity in `dataDir`, or undefined when there is none yet. */
export async function loadIdentity(dataDir: string): Promise<NodeIdentity | undefined> {
  const path = join(dataDir, IDENTITY_FILE);
  const json = await readJson(path);
  if (json === undefined) return undefined;
  if (!isRecord(json)) throw new IdentityFileError(path, 'expected a JSON object');
  let keys: Identity;
  try {
    keys = identityFromJson(json);
  } catch (e) {
    throw new IdentityFileError(path, errorMessage(e));
  }
  return { nodeName: readNodeName(path, json), keys };
}

export async function saveIdentity(dataDir: string, id: NodeIdentity): Promise<void> {
  const body = { ...identityToJson(id.keys), nodeName: id.nodeName };
  await writeFileAtomic(join(dataDir, IDENTITY_FILE), `${JSON.stringify(body, null, 2)}\n`, 0o600);
}

/** The hub key saved at enrollment, or undefined when the agent has not enrolled. */
export async function loadHubKey(dataDir: string): Promise<HubKeyRecord | undefined> {
  const path = join(dataDir, HUB_FILE);
  const json = await readJson(path);
  if (json === undefined) return undefined;
  if (!isRecord(json)) throw new IdentityFileError(path, 'expected a JSON object');
  if (json.version !== 1) throw new IdentityFileError(path, `version: unsupported ${JSON.stringify(json.version) ?? 'undefined'} (expected 1)`);
  let hubKey: Uint8Array;
  try {
    hubKey = decodeBase64Key(json.hubKey, SIGNING_PUBLIC_KEY_BYTES, 'hubKey');
  } catch (e) {
    throw new IdentityFileError(path, errorMessage(e));
  }
  const fingerprint = keyFingerprint(hubKey);
  if (json.fingerprint !== undefined && json.fingerprint !== fingerprint) {
    throw new IdentityFileError(path, 'fingerprint: does not match hubKey');
  }
  return { nodeName: readNodeName(path, json), hubKey, fingerprint };
}

export async function saveHubKey(dataDir: string, nodeName: string, hubKey: Uint8Array): Promise<HubKeyRecord> {
  const rec: HubKeyRecord = { nodeName, hubKey, fingerprint: keyFingerprint(hubKey) };
  const body = { version: 1, nodeName, hubKey: toBase64(hubKey), fingerprint: rec.fingerprint };
  await writeFileAtomic(join(dataDir, HUB_FILE), `${JSON.stringify(body, null, 2)}\n`, 0o644);
  return rec;
}

/**
 * Secret data in a desired document, sealed to the node's registered box key. The hub replaces a
 * Secret's `data` by `sealedData`: base64 of sealTo(node box key, canonical JSON of
 * { node, namespace, name, data }). The plaintext names the node and the Secret, so a sealed
 * blob copied onto another Secret or into another node's document does not open as that one;
 * the hub signs the document after sealing, so any change to the blob fails the signature.
 */
import type { KubeObject } from '../api/meta.js';
import { fromBase64, toBase64 } from '../crypto/base64.js';
import { openSealed, sealTo } from '../crypto/sealed-box.js';
import { isRecord } from '../util/guards.js';
import { canonicalJsonBytes } from './canonical-json.js';

export const SEALED_DATA_FIELD = 'sealedData';

interface SealedPlaintext {
  node: string;
  namespace: string;
  name: string;
  data: Record<string, string>;
}

function binding(obj: KubeObject, node: string): Omit<SealedPlaintext, 'data'> {
  return { node, namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name ?? '' };
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, s] of Object.entries(v)) {
    if (typeof s !== 'string') return undefined;
    out[k] = s;
  }
  return out;
}

/** The Secret with its `data` replaced by `sealedData`, readable only with `node`'s box secret key. */
export function sealSecretObject(secret: KubeObject, node: string, boxPublicKey: Uint8Array): KubeObject {
  const { data, ...rest } = secret;
  const plaintext: SealedPlaintext = { ...binding(secret, node), data: stringMap(data) ?? {} };
  return { ...rest, [SEALED_DATA_FIELD]: toBase64(sealTo(boxPublicKey, canonicalJsonBytes(plaintext))) };
}

/**
 * The Secret with `data` restored from `sealedData`, in memory only; undefined when it carries
 * no sealed data, was not sealed to this key, or was sealed for another node or Secret.
 */
export function openSecretObject(obj: KubeObject, node: string, boxSecretKey: Uint8Array): KubeObject | undefined {
  const sealedText = obj[SEALED_DATA_FIELD];
  if (typeof sealedText !== 'string') return undefined;
  const sealed = fromBase64(sealedText);
  const opened = sealed ? openSealed(boxSecretKey, sealed) : undefined;
  if (!opened) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(opened).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  const want = binding(obj, node);
  if (parsed.node !== want.node || parsed.namespace !== want.namespace || parsed.name !== want.name) return undefined;
  const data = stringMap(parsed.data);
  if (!data) return undefined;
  const { [SEALED_DATA_FIELD]: _sealed, ...rest } = obj;
  return { ...rest, data };
}

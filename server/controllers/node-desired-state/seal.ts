/**
 * Seals the Secrets of a node's desired content to the node's registered box key (see
 * shared/protocol/sealed-secret). A node with no usable box key gets no Secret data at all:
 * its Secrets are left out (pods that read them see them as missing) rather than sent in clear.
 */
import { FLEET_NAMESPACE, identityFromSecret, identitySecretName } from '../../../shared/api/fleet-secrets.js';
import { BOX_PUBLIC_KEY_BYTES, fromBase64 } from '../../../shared/crypto/index.js';
import { sealSecretObject } from '../../../shared/protocol/index.js';
import type { Logger } from '../../../shared/util/logger.js';
import type { CacheReader } from '../runtime/index.js';
import type { DesiredContent } from './content.js';

/** The node's registered box public key, if it has a well-formed one. */
export function nodeBoxKey(cache: CacheReader, node: string): Uint8Array | undefined {
  const s = cache.get('Secret', FLEET_NAMESPACE, identitySecretName(node));
  const id = s ? identityFromSecret(s) : undefined;
  const key = id?.boxKey ? fromBase64(id.boxKey) : undefined;
  return key?.length === BOX_PUBLIC_KEY_BYTES ? key : undefined;
}

/** `content` with every Secret sealed to `boxKey`, or with no Secrets when there is no key. */
export function sealContent(content: DesiredContent, node: string, boxKey: Uint8Array | undefined, log: Logger): DesiredContent {
  if (boxKey) return { ...content, secrets: content.secrets.map((s) => sealSecretObject(s, node, boxKey)) };
  if (content.secrets.length > 0) {
    const names = content.secrets.map((s) => `${s.metadata.namespace ?? 'default'}/${s.metadata.name ?? ''}`);
    log.warn('secret data withheld: node has no registered box key', { secrets: names });
  }
  return { ...content, secrets: [] };
}

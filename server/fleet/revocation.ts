/**
 * Cuts a device off the moment its identity is revoked or removed, or re-enrolled with a new
 * key (the old key's connections go at once): the write to the identity Secret is the whole
 * command, so `flotctl node revoke` is a plain API call.
 */
import type { Logger } from '../../shared/util/logger.js';
import type { InternalClient } from '../apiserver/internal-client.js';
import type { RunningBroker } from '../broker/broker.js';
import { identityFromSecret } from '../../shared/api/fleet-secrets.js';

export function watchRevocations(
  client: InternalClient,
  broker: Pick<RunningBroker, 'disconnect'>,
  logger: Logger,
  onCut?: (node: string, why: string) => void,
): () => void {
  return client.watch(['Secret'], (e) => {
    const id = identityFromSecret(e.object);
    if (!id) return;
    if (e.type === 'DELETED' || id.revoked) {
      const cut = broker.disconnect(id.node, (p) => p.kind === 'node' && p.node === id.node);
      logger.info('node access revoked', { node: id.node, disconnected: cut, identityDeleted: e.type === 'DELETED' });
      onCut?.(id.node, e.type === 'DELETED' ? 'identity deleted' : 'revoked');
      return;
    }
    const cut = broker.disconnect(id.node, (p) => p.kind === 'node' && p.node === id.node && p.key !== undefined && p.key !== id.signingKey);
    if (cut > 0) {
      logger.info('old key of a re-enrolled node cut off', { node: id.node, disconnected: cut });
      onCut?.(id.node, 're-enrolled with a new key');
    }
  });
}

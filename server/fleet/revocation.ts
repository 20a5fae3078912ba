/**
 * Cuts a device off the moment its identity is revoked or removed: the admin's write to the
 * identity Secret is the whole command, so `flotctl node revoke` is a plain API call.
 */
import type { Logger } from '../../shared/util/logger.js';
import type { InternalClient } from '../apiserver/internal-client.js';
import type { RunningBroker } from '../broker/broker.js';
import { identityFromSecret } from '../../shared/api/fleet-secrets.js';

export function watchRevocations(client: InternalClient, broker: Pick<RunningBroker, 'disconnect'>, logger: Logger): () => void {
  return client.watch(['Secret'], (e) => {
    const id = identityFromSecret(e.object);
    if (!id || (e.type !== 'DELETED' && !id.revoked)) return;
    const cut = broker.disconnect((p) => p.kind === 'node' && p.node === id.node);
    logger.info('node access revoked', { node: id.node, disconnected: cut, identityDeleted: e.type === 'DELETED' });
  });
}

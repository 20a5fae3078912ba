/** Enrolled node identities and their connect counters (stored as Secrets; see shared/api/fleet-secrets). */
import { ApiError } from '../../shared/api/errors.js';
import { FLEET_NAMESPACE, identityData, identityFromSecret, identitySecret, identitySecretName, type NodeIdentity } from '../../shared/api/fleet-secrets.js';
import { rfc3339, type Clock } from '../../shared/util/clock.js';
import type { InternalClient } from '../apiserver/internal-client.js';

export class NodeIdentities {
  constructor(
    private readonly client: InternalClient,
    private readonly clock: Clock,
  ) {}

  async get(node: string): Promise<NodeIdentity | undefined> {
    const s = await this.client.get('Secret', FLEET_NAMESPACE, identitySecretName(node));
    return s ? identityFromSecret(s) : undefined;
  }

  /** Registers (or replaces, when re-enrollment was allowed) a node's keys. */
  async register(node: string, signingKey: string, boxKey: string): Promise<NodeIdentity> {
    const identity: NodeIdentity = { node, signingKey, boxKey, connectCounter: 0, revoked: false, allowReenroll: false, enrolledAt: rfc3339(this.clock.now()) };
    const existing = await this.client.get('Secret', FLEET_NAMESPACE, identitySecretName(node));
    if (existing) await this.client.update('Secret', { ...existing, data: identityData(identity) });
    else await this.client.create('Secret', identitySecret(identity));
    return identity;
  }

  /**
   * Moves the node's connect counter to `counter` if it is still above the stored one.
   * Returns false when another connect got there first (so this one is a replay).
   */
  async advanceCounter(node: string, counter: number): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const s = await this.client.get('Secret', FLEET_NAMESPACE, identitySecretName(node));
      const id = s ? identityFromSecret(s) : undefined;
      if (!s || !id || id.revoked || counter <= id.connectCounter) return false;
      try {
        await this.client.update('Secret', { ...s, data: identityData({ ...id, connectCounter: counter }) });
        return true;
      } catch (e: unknown) {
        if (!(e instanceof ApiError && e.code === 409)) throw e;
      }
    }
    return false;
  }
}

/**
 * Enrolled node identities (stored as Secrets; see shared/api/fleet-secrets) and their connect
 * counters (connect-counters.ts: one group-committed file, not a Secret rewrite per connect;
 * the Secret's connectCounter is what it was at enrollment, a floor).
 */
import { FLEET_NAMESPACE, identityData, identityFromSecret, identitySecret, identitySecretName, type NodeIdentity } from '../../shared/api/fleet-secrets.js';
import { rfc3339, type Clock } from '../../shared/util/clock.js';
import type { InternalClient } from '../apiserver/internal-client.js';
import type { ConnectCounters } from './connect-counters.js';

export class NodeIdentities {
  constructor(
    private readonly client: InternalClient,
    private readonly clock: Clock,
    private readonly counters: ConnectCounters,
  ) {}

  async get(node: string): Promise<NodeIdentity | undefined> {
    const s = await this.client.get('Secret', FLEET_NAMESPACE, identitySecretName(node));
    const id = s ? identityFromSecret(s) : undefined;
    return id ? { ...id, connectCounter: Math.max(id.connectCounter, this.counters.get(node)) } : undefined;
  }

  /** Registers (or replaces, when re-enrollment was allowed) a node's keys. */
  async register(node: string, signingKey: string, boxKey: string): Promise<NodeIdentity> {
    const identity: NodeIdentity = { node, signingKey, boxKey, connectCounter: 0, revoked: false, allowReenroll: false, enrolledAt: rfc3339(this.clock.now()) };
    const existing = await this.client.get('Secret', FLEET_NAMESPACE, identitySecretName(node));
    await this.counters.reset(node);
    if (existing) await this.client.update('Secret', { ...existing, data: identityData(identity) });
    else await this.client.create('Secret', identitySecret(identity));
    return identity;
  }

  /**
   * Moves the node's connect counter to `counter` if it is above the last accepted one, durably.
   * Returns false when another connect got there first (so this one is a replay).
   */
  async advanceCounter(node: string, counter: number): Promise<boolean> {
    const id = await this.get(node);
    if (!id || id.revoked || counter <= id.connectCounter) return false;
    return this.counters.advance(node, counter);
  }
}

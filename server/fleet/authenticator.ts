/**
 * Who may connect: bootstrap clients with a valid token (they can only enroll), and enrolled
 * nodes proving their key with a signed, strictly increasing counter (no clock, no replay),
 * bound to the TLS session when there is one (shared/protocol/connect-auth.ts says why).
 */
import { createVerifier, decodeBase64Key, type Verify } from '../../shared/crypto/index.js';
import { BOOTSTRAP_USERNAME, parseClientId, verifyConnectPassword } from '../../shared/protocol/index.js';
import type { AuthDecision, ConnectAttempt, ConnectAuthenticator } from '../broker/principal.js';
import type { BootstrapTokens } from './bootstrap-tokens.js';
import type { NodeIdentities } from './node-identities.js';

/** Verifiers kept (one per device key); past this many the cache starts over. */
const MAX_VERIFIERS = 100_000;

export class FleetAuthenticator implements ConnectAuthenticator {
  /** Per signing key (base64): building a key object costs as much as the verification itself. */
  private readonly verifiers = new Map<string, Verify>();

  constructor(
    private readonly tokens: BootstrapTokens,
    private readonly identities: NodeIdentities,
  ) {}

  async authenticate(a: ConnectAttempt): Promise<AuthDecision> {
    const client = parseClientId(a.clientId);
    if (!client) return { ok: false, reason: `client id "${a.clientId}" is neither node:NAME nor enroll:ID` };
    if (a.username === BOOTSTRAP_USERNAME) {
      if (client.kind !== 'enroll') return { ok: false, reason: 'bootstrap credentials need an enroll:ID client id' };
      const check = await this.tokens.check(a.password?.toString('latin1') ?? '');
      return check.ok ? { ok: true, principal: { kind: 'bootstrap', clientId: a.clientId } } : { ok: false, reason: check.reason };
    }
    if (client.kind !== 'node' || client.node !== a.username) {
      return { ok: false, reason: 'node credentials need client id node:NAME matching the username' };
    }
    const identity = await this.identities.get(client.node);
    if (!identity) return { ok: false, reason: `node ${client.node} is not enrolled` };
    if (identity.revoked) return { ok: false, reason: `node ${client.node} is revoked` };
    const verify = this.verifier(identity.signingKey);
    const check = verifyConnectPassword(verify, {
      clientId: a.clientId,
      username: client.node,
      password: a.password,
      lastCounter: identity.connectCounter,
      ...(a.channelBinding ? { binding: a.channelBinding } : {}),
    });
    if (!check.ok) return { ok: false, reason: `${check.reason}: ${check.message}` };
    // Persist the counter before accepting, so a captured CONNECT can never be replayed.
    if (!(await this.identities.advanceCounter(client.node, check.counter))) {
      return { ok: false, reason: `replayed: counter ${check.counter} was already used` };
    }
    return { ok: true, principal: { kind: 'node', node: client.node, key: identity.signingKey } };
  }

  private verifier(signingKey: string): Verify {
    let v = this.verifiers.get(signingKey);
    if (!v) {
      if (this.verifiers.size >= MAX_VERIFIERS) this.verifiers.clear();
      v = createVerifier(decodeBase64Key(signingKey, 32, 'signing-key'));
      this.verifiers.set(signingKey, v);
    }
    return v;
  }
}

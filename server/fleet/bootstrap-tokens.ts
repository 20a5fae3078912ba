/** Checks and counts uses of bootstrap tokens (stored as Kubernetes stores them; see shared/api/fleet-secrets). */
import { ApiError } from '../../shared/api/errors.js';
import { encodeData, FLEET_NAMESPACE, readData, tokenInfo, tokenSecretName, type TokenInfo } from '../../shared/api/fleet-secrets.js';
import { constantTimeEqual } from '../../shared/crypto/index.js';
import { parseBootstrapToken } from '../../shared/protocol/index.js';
import type { Clock } from '../../shared/util/clock.js';
import type { InternalClient } from '../apiserver/internal-client.js';

/** `transient`: the token may well be good; the caller should try again, not give up. */
export type TokenCheck = { ok: true; info: TokenInfo } | { ok: false; reason: string; transient?: true };

export class BootstrapTokens {
  /** Per token id, the tail of its serialized consume calls: a batch sharing one token never races. */
  private readonly consuming = new Map<string, Promise<unknown>>();

  constructor(
    private readonly client: InternalClient,
    private readonly clock: Clock,
  ) {}

  /** Whether `token` may be used now (exists, secret matches, not expired, uses left). Consumes nothing. */
  async check(token: string): Promise<TokenCheck> {
    let parsed;
    try {
      parsed = parseBootstrapToken(token);
    } catch {
      return { ok: false, reason: 'malformed bootstrap token' };
    }
    const secret = await this.client.get('Secret', FLEET_NAMESPACE, tokenSecretName(parsed.id));
    const info = secret ? tokenInfo(secret) : undefined;
    if (!secret || !info) return { ok: false, reason: `bootstrap token ${parsed.id} does not exist` };
    const stored = readData(secret)['token-secret'] ?? '';
    if (!constantTimeEqual(Buffer.from(stored), Buffer.from(parsed.secret))) return { ok: false, reason: `bootstrap token ${parsed.id}: wrong secret` };
    if (info.expiration && Date.parse(info.expiration) <= this.clock.now().getTime()) return { ok: false, reason: `bootstrap token ${parsed.id} expired at ${info.expiration}` };
    if (info.maxUses !== undefined && info.uses >= info.maxUses) return { ok: false, reason: `bootstrap token ${parsed.id} is used up (${info.uses}/${info.maxUses})` };
    return { ok: true, info };
  }

  /**
   * Checks and counts one use atomically. Uses of one token are serialized in this process (the
   * only writer of the counter besides an admin), so concurrent enrollments never conflict with
   * each other; a conflict with an outside write is retried, and running out of retries is
   * transient, never a refusal of the token.
   */
  consume(token: string): Promise<TokenCheck> {
    let id: string;
    try {
      id = parseBootstrapToken(token).id;
    } catch {
      return Promise.resolve({ ok: false, reason: 'malformed bootstrap token' });
    }
    const run = (this.consuming.get(id) ?? Promise.resolve()).then(() => this.consumeNow(token));
    const tail = run.catch(() => undefined);
    this.consuming.set(id, tail);
    void tail.then(() => {
      if (this.consuming.get(id) === tail) this.consuming.delete(id);
    });
    return run;
  }

  private async consumeNow(token: string): Promise<TokenCheck> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const check = await this.check(token);
      if (!check.ok) return check;
      const secret = await this.client.get('Secret', FLEET_NAMESPACE, tokenSecretName(check.info.id));
      if (!secret) return { ok: false, reason: `bootstrap token ${check.info.id} does not exist` };
      const values = { ...readData(secret), uses: String(check.info.uses + 1) };
      try {
        await this.client.update('Secret', { ...secret, data: encodeData(values) });
        return { ok: true, info: { ...check.info, uses: check.info.uses + 1 } };
      } catch (e: unknown) {
        if (!(e instanceof ApiError && e.code === 409)) throw e;
      }
    }
    return { ok: false, reason: 'bootstrap token is being changed concurrently; try again', transient: true };
  }
}

/** Checks and counts uses of bootstrap tokens (stored as Kubernetes stores them; see shared/api/fleet-secrets). */
import { ApiError } from '../../shared/api/errors.js';
import { encodeData, FLEET_NAMESPACE, readData, tokenInfo, tokenSecretName, type TokenInfo } from '../../shared/api/fleet-secrets.js';
import { constantTimeEqual } from '../../shared/crypto/index.js';
import { parseBootstrapToken } from '../../shared/protocol/index.js';
import type { Clock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { InternalClient } from '../apiserver/internal-client.js';

/** `transient`: the token may well be good; the caller should try again, not give up. */
export type TokenCheck = { ok: true; info: TokenInfo } | { ok: false; reason: string; transient?: true };

export class BootstrapTokens {
  /** Per token id, the uses waiting to be counted (present while a count is in progress). */
  private readonly waiting = new Map<string, { token: string; resolve: (c: TokenCheck) => void }[]>();

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
   * Checks and counts one use atomically. Uses of one token are counted in this process (the
   * only writer of the counter besides an admin) in batches: the uses asked for while the
   * counter is being written are counted together by the next write, so a batch of devices
   * sharing one token costs a few store writes, not one each in turn. A conflict with an outside
   * write is retried, and running out of retries is transient, never a refusal of the token.
   */
  consume(token: string): Promise<TokenCheck> {
    let id: string;
    try {
      id = parseBootstrapToken(token).id;
    } catch {
      return Promise.resolve({ ok: false, reason: 'malformed bootstrap token' });
    }
    return new Promise((resolve) => {
      const queue = this.waiting.get(id);
      if (queue) {
        queue.push({ token, resolve });
        return;
      }
      this.waiting.set(id, [{ token, resolve }]);
      void this.countUses(id);
    });
  }

  /** Counts the waiting uses of token `id`, batch after batch, until none wait. */
  private async countUses(id: string): Promise<void> {
    for (;;) {
      const batch = this.waiting.get(id) ?? [];
      if (batch.length === 0) {
        this.waiting.delete(id);
        return;
      }
      this.waiting.set(id, []);
      let answers: TokenCheck[];
      try {
        answers = await this.consumeBatch(batch.map((u) => u.token));
      } catch (e: unknown) {
        const reason = `counting the token's use failed: ${errorMessage(e)}`;
        answers = batch.map(() => ({ ok: false, reason, transient: true }));
      }
      batch.forEach((u, i) => u.resolve(answers[i] ?? { ok: false, reason: 'not counted', transient: true }));
    }
  }

  /** One answer per token (all of one id): checked each, then their uses counted in one write. */
  private async consumeBatch(tokens: readonly string[]): Promise<TokenCheck[]> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const checks = await Promise.all(tokens.map((t) => this.check(t)));
      const first = checks.find((c) => c.ok);
      if (!first) return checks;
      const secret = await this.client.get('Secret', FLEET_NAMESPACE, tokenSecretName(first.info.id));
      if (!secret) return tokens.map(() => ({ ok: false, reason: `bootstrap token ${first.info.id} does not exist` }));
      const { info } = first;
      const left = info.maxUses === undefined ? Infinity : info.maxUses - info.uses;
      let granted = 0;
      const answers: TokenCheck[] = checks.map((c) => {
        if (!c.ok) return c;
        if (granted >= left) return { ok: false, reason: `bootstrap token ${info.id} is used up (${info.maxUses}/${info.maxUses})` };
        granted += 1;
        return { ok: true, info: { ...info, uses: info.uses + granted } };
      });
      try {
        await this.client.update('Secret', { ...secret, data: encodeData({ ...readData(secret), uses: String(info.uses + granted) }) });
        return answers;
      } catch (e: unknown) {
        if (!(e instanceof ApiError && e.code === 409)) throw e;
      }
    }
    return tokens.map(() => ({ ok: false, reason: 'bootstrap token is being changed concurrently; try again', transient: true }));
  }
}

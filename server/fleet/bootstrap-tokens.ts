/** Checks and counts uses of bootstrap tokens (stored as Kubernetes stores them; see shared/api/fleet-secrets). */
import { ApiError } from '../../shared/api/errors.js';
import { encodeData, FLEET_NAMESPACE, readData, tokenInfo, tokenSecretName, type TokenInfo } from '../../shared/api/fleet-secrets.js';
import { constantTimeEqual } from '../../shared/crypto/index.js';
import { parseBootstrapToken } from '../../shared/protocol/index.js';
import type { Clock } from '../../shared/util/clock.js';
import type { InternalClient } from '../apiserver/internal-client.js';

export type TokenCheck = { ok: true; info: TokenInfo } | { ok: false; reason: string };

export class BootstrapTokens {
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

  /** Checks and counts one use atomically (optimistic concurrency, retried on conflict). */
  async consume(token: string): Promise<TokenCheck> {
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
    return { ok: false, reason: 'bootstrap token is being used concurrently; try again' };
  }
}

/**
 * Bootstrap tokens, in Kubernetes' format `[a-z0-9]{6}.[a-z0-9]{16}`: a public id (to look the
 * token up and to name it in logs) and a secret (compare with constantTimeEqual).
 */
import { randomString } from '../crypto/random.js';
import { ProtocolError } from './errors.js';

export interface BootstrapToken {
  id: string;
  secret: string;
}

const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Splits a token into id and secret; throws a ProtocolError (field `token`) that never echoes it. */
export function parseBootstrapToken(s: string | Uint8Array, field = 'token'): BootstrapToken {
  const text = typeof s === 'string' ? s : Buffer.from(s).toString('latin1');
  const m = TOKEN_RE.exec(text);
  if (!m) throw new ProtocolError(field, 'not a bootstrap token: expected 6 and 16 characters of [a-z0-9] joined by "."');
  const [, id = '', secret = ''] = m;
  return { id, secret };
}

export function formatBootstrapToken(t: BootstrapToken): string {
  return `${t.id}.${t.secret}`;
}

/** A new random token (about 83 bits of secret). */
export function generateBootstrapToken(): string {
  return `${randomString(6, TOKEN_ALPHABET)}.${randomString(16, TOKEN_ALPHABET)}`;
}

export function isBootstrapToken(s: string): boolean {
  return TOKEN_RE.test(s);
}

/**
 * API tokens with a narrower role than the admin token (today: `viewer`, read-only, for the
 * dashboard). Stored as Secrets in kube-system named `api-token-<id>` holding only a SHA-256 of
 * the secret part, so a copy of the store does not hand out working tokens. Format
 * `<id>.<secret>`: 6 and 32 characters of [a-z0-9] (bootstrap tokens have a 16-character secret).
 */
import { randomString, sha256 } from '../crypto/index.js';
import { encodeData, FLEET_NAMESPACE, readData } from './fleet-secrets.js';
import type { KubeObject } from './meta.js';

export const API_TOKEN_SECRET_TYPE = 'flotilla.io/api-token';
export const API_TOKEN_ROLES = ['viewer'] as const;
export type ApiTokenRole = (typeof API_TOKEN_ROLES)[number];

const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{32})$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export const apiTokenSecretName = (id: string): string => `api-token-${id}`;

export function isApiTokenRole(s: string): s is ApiTokenRole {
  return (API_TOKEN_ROLES as readonly string[]).includes(s);
}

export function parseApiToken(s: string): { id: string; secret: string } | undefined {
  const m = TOKEN_RE.exec(s);
  return m?.[1] && m[2] ? { id: m[1], secret: m[2] } : undefined;
}

export function generateApiToken(): string {
  return `${randomString(6, ALPHABET)}.${randomString(32, ALPHABET)}`;
}

export function secretDigest(secret: string): string {
  return Buffer.from(sha256(secret)).toString('hex');
}

export interface ApiTokenInfo {
  id: string;
  role: ApiTokenRole;
  /** Hex SHA-256 of the secret part. */
  digest: string;
  description?: string;
}

export function apiTokenSecret(token: string, role: ApiTokenRole, description?: string): KubeObject {
  const parsed = parseApiToken(token);
  if (!parsed) throw new Error('not an API token');
  const values: Record<string, string> = { 'token-id': parsed.id, 'token-secret-sha256': secretDigest(parsed.secret), role };
  if (description) values['description'] = description;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: apiTokenSecretName(parsed.id), namespace: FLEET_NAMESPACE },
    type: API_TOKEN_SECRET_TYPE,
    data: encodeData(values),
  };
}

export function apiTokenInfo(s: KubeObject): ApiTokenInfo | undefined {
  if (s['type'] !== API_TOKEN_SECRET_TYPE) return undefined;
  const d = readData(s);
  const role = d['role'] ?? '';
  if (!d['token-id'] || !d['token-secret-sha256'] || !isApiTokenRole(role)) return undefined;
  return { id: d['token-id'], role, digest: d['token-secret-sha256'], ...(d['description'] ? { description: d['description'] } : {}) };
}

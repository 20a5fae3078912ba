/**
 * How the fleet's credentials live in the API, as Secrets in kube-system: bootstrap tokens in
 * Kubernetes' own format (`bootstrap-token-<id>`, type `bootstrap.kubernetes.io/token`, plus
 * Flotilla's `max-uses` / `uses`), and enrolled node identities (`node-identity-<node>`).
 * Both the hub and flotctl read and write them through the API.
 */
import { parseBootstrapToken } from '../protocol/bootstrap-token.js';
import { isRecord } from '../util/guards.js';
import type { KubeObject } from './meta.js';

export const FLEET_NAMESPACE = 'kube-system';
export const TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const IDENTITY_SECRET_TYPE = 'flotilla.io/node-identity';
const IDENTITY_PREFIX = 'node-identity-';
/** Keeps `node-identity-<node>` within the 253 characters a Secret name may have. */
export const MAX_NODE_NAME = 253 - IDENTITY_PREFIX.length;

export function encodeData(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
}

export function readData(secret: KubeObject): Record<string, string> {
  const data = secret['data'];
  if (!isRecord(data)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) if (typeof v === 'string') out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}

function secret(name: string, type: string, values: Record<string, string>, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: FLEET_NAMESPACE, ...(labels ? { labels } : {}) }, type, data: encodeData(values) };
}

// ---- bootstrap tokens ---------------------------------------------------------------------

export interface TokenInfo {
  id: string;
  expiration?: string;
  maxUses?: number;
  uses: number;
  description?: string;
  /** Enrolls only this node name. */
  nodeName?: string;
  /** Enrolls only node names starting with this. */
  nodePrefix?: string;
}

/** Why `node` may not enroll with a token of this scope (undefined: it may). */
export function tokenScopeProblem(info: TokenInfo, node: string): string | undefined {
  if (info.nodeName !== undefined && info.nodeName !== node) return `bootstrap token ${info.id} is scoped to node ${info.nodeName}`;
  if (info.nodePrefix !== undefined && !node.startsWith(info.nodePrefix)) return `bootstrap token ${info.id} is scoped to node names starting with "${info.nodePrefix}"`;
  return undefined;
}

/** Whether a token is scoped to exactly `node` (by name or by a prefix of it). */
export function tokenScopedTo(info: TokenInfo, node: string): boolean {
  return (info.nodeName !== undefined || info.nodePrefix !== undefined) && tokenScopeProblem(info, node) === undefined;
}

export const tokenSecretName = (id: string): string => `bootstrap-token-${id}`;

export function bootstrapTokenSecret(token: string, opts: { expiration?: string; maxUses?: number; description?: string; nodeName?: string; nodePrefix?: string }): KubeObject {
  const { id, secret: tokenSecret } = parseBootstrapToken(token);
  const values: Record<string, string> = { 'token-id': id, 'token-secret': tokenSecret, 'usage-bootstrap-authentication': 'true', uses: '0' };
  if (opts.expiration) values['expiration'] = opts.expiration;
  if (opts.maxUses !== undefined) values['max-uses'] = String(opts.maxUses);
  if (opts.description) values['description'] = opts.description;
  if (opts.nodeName !== undefined) values['node-name'] = opts.nodeName;
  if (opts.nodePrefix !== undefined) values['node-name-prefix'] = opts.nodePrefix;
  return secret(tokenSecretName(id), TOKEN_SECRET_TYPE, values);
}

export function tokenInfo(s: KubeObject): TokenInfo | undefined {
  if (s['type'] !== TOKEN_SECRET_TYPE) return undefined;
  const d = readData(s);
  if (!d['token-id']) return undefined;
  const info: TokenInfo = { id: d['token-id'], uses: Number(d['uses'] ?? '0') };
  if (d['expiration']) info.expiration = d['expiration'];
  if (d['max-uses']) info.maxUses = Number(d['max-uses']);
  if (d['description']) info.description = d['description'];
  if (d['node-name']) info.nodeName = d['node-name'];
  if (d['node-name-prefix']) info.nodePrefix = d['node-name-prefix'];
  return info;
}

// ---- node identities ----------------------------------------------------------------------

export interface NodeIdentity {
  node: string;
  signingKey: string; // base64, 32 bytes
  boxKey: string; // base64, 32 bytes
  connectCounter: number;
  revoked: boolean;
  /** An admin allowed the next enrollment of this name to replace the keys. */
  allowReenroll: boolean;
  enrolledAt: string;
}

export const identitySecretName = (node: string): string => `${IDENTITY_PREFIX}${node}`;

export function identityFromSecret(s: KubeObject): NodeIdentity | undefined {
  if (s['type'] !== IDENTITY_SECRET_TYPE) return undefined;
  const d = readData(s);
  if (!d['node'] || !d['signing-key']) return undefined;
  return {
    node: d['node'],
    signingKey: d['signing-key'],
    boxKey: d['box-key'] ?? '',
    connectCounter: Number(d['connect-counter'] ?? '0'),
    revoked: d['revoked'] === 'true',
    allowReenroll: d['allow-reenroll'] === 'true',
    enrolledAt: d['enrolled-at'] ?? '',
  };
}

export function identityData(id: NodeIdentity): Record<string, string> {
  return encodeData({
    node: id.node,
    'signing-key': id.signingKey,
    'box-key': id.boxKey,
    'connect-counter': String(id.connectCounter),
    'enrolled-at': id.enrolledAt,
    ...(id.revoked ? { revoked: 'true' } : {}),
    ...(id.allowReenroll ? { 'allow-reenroll': 'true' } : {}),
  });
}

export function identitySecret(id: NodeIdentity): KubeObject {
  return { ...secret(identitySecretName(id.node), IDENTITY_SECRET_TYPE, {}, { 'flotilla.io/node': id.node }), data: identityData(id) };
}

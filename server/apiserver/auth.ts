/** Bearer-token authentication for the user API, and what each role may do. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { apiTokenInfo, apiTokenSecretName, parseApiToken, secretDigest } from '../../shared/api/api-tokens.js';
import { ApiError } from '../../shared/api/errors.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { ResourcePath } from './request-path.js';

/** Who made a request: the admin, or the holder of a viewer token (read-only). */
export interface Principal {
  user: string;
  role: 'admin' | 'viewer';
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/**
 * Resolves a request's bearer token: the admin token (compared in constant time over fixed-length
 * digests, so its length leaks nothing), or an API token whose Secret `lookup` finds. Reading the
 * Secret on each request makes deleting it revoke the token at once.
 */
export function makeAuthenticator(
  adminToken: string,
  lookup: (secretName: string) => Promise<KubeObject | undefined>,
): (req: IncomingMessage) => Promise<Principal | undefined> {
  const admin = digest(adminToken);
  return async (req) => {
    const token = bearerToken(req);
    if (!token) return undefined;
    if (timingSafeEqual(digest(token), admin)) return { user: 'admin', role: 'admin' };
    const parsed = parseApiToken(token);
    if (!parsed) return undefined;
    const secret = await lookup(apiTokenSecretName(parsed.id));
    const info = secret ? apiTokenInfo(secret) : undefined;
    if (!info || info.id !== parsed.id) return undefined;
    const ok = timingSafeEqual(digest(secretDigest(parsed.secret)), digest(info.digest));
    return ok ? { user: `viewer:${info.id}`, role: info.role } : undefined;
  };
}

const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/**
 * Throws 403 Forbidden (a Kubernetes-style message) for what the principal may not do. A viewer
 * reads everything but Secrets (as Kubernetes' `view` role) and writes nothing.
 */
export function authorize(p: Principal, method: string, path: ResourcePath): void {
  if (p.role === 'admin') return;
  const read = method === 'GET' || method === 'HEAD';
  if (read && path.info.kind !== 'Secret') return;
  let verb = VERBS[method] ?? method.toLowerCase();
  if (read) verb = path.name === undefined ? 'list' : 'get';
  else if (verb === 'delete' && path.name === undefined) verb = 'deletecollection';
  const resource = path.info.plural + (path.subresource ? `/${path.subresource}` : '');
  const subject = path.name === undefined ? resource : `${resource} "${path.name}"`;
  const scope = path.namespace === undefined ? 'at the cluster scope' : `in the namespace "${path.namespace}"`;
  const why = read ? 'viewer tokens may not read Secrets' : 'viewer tokens are read-only';
  throw new ApiError(403, 'Forbidden', `${subject} is forbidden: User "${p.user}" cannot ${verb} resource "${path.info.plural}" in API group "${path.info.group}" ${scope} (${why})`, {
    ...(path.name !== undefined ? { name: path.name } : {}),
    group: path.info.group,
    kind: path.info.plural,
  });
}

/** Exec, attach and port-forward run code on a device: admin only (a viewer gets Kubernetes' 403). */
export function authorizeStream(p: Principal, path: ResourcePath): void {
  if (p.role === 'admin') return;
  const resource = `${path.info.plural}/${path.subresource ?? ''}`;
  const scope = path.namespace === undefined ? 'at the cluster scope' : `in the namespace "${path.namespace}"`;
  throw new ApiError(403, 'Forbidden', `${path.info.plural} "${path.name ?? ''}" is forbidden: User "${p.user}" cannot create resource "${resource}" in API group "${path.info.group}" ${scope} (viewer tokens may not exec, attach or port-forward)`, {
    ...(path.name !== undefined ? { name: path.name } : {}),
    group: path.info.group,
    kind: path.info.plural,
  });
}

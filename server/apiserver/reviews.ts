/**
 * `kubectl auth can-i` and `kubectl auth whoami`: SelfSubjectAccessReview (authorization.k8s.io/v1)
 * and SelfSubjectReview (authentication.k8s.io/v1), answered for the caller's token. The admin
 * token may do everything the hub serves and nothing else; a viewer token may get, list and
 * watch all of that but Secrets, and write nothing — the same rule `authorize` (auth.ts) enforces.
 */
import { ApiError } from '../../shared/api/errors.js';
import { kindByPlural } from '../../shared/api/kinds.js';
import { LEASE_KIND } from './leases.js';
import { isRecord, type JsonObject } from '../../shared/util/guards.js';
import type { Principal } from './auth.js';
import { isStreamSubresource, STREAM_SUBRESOURCES } from './request-path.js';

export const ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
export const SUBJECT_REVIEW_PATH = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

export const ADMIN_USER = { username: 'flotilla:admin', groups: ['system:masters', 'system:authenticated'] };
const VIEWER_GROUPS = ['flotilla:viewers', 'system:authenticated'];
const READ_VERBS = new Set(['get', 'list', 'watch']);

const VERBS = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', '*']);
/** Subresources beyond status, per plural. */
const SUBRESOURCES: Record<string, readonly string[]> = { pods: ['log', 'eviction', ...STREAM_SUBRESOURCES] };
const NON_RESOURCE = [/^\/api(\/|$)/, /^\/apis(\/|$)/, /^\/openapi(\/|$)/, /^\/version$/, /^\/(readyz|livez|healthz)$/];

function str(o: JsonObject | undefined, key: string): string {
  const v = o?.[key];
  return typeof v === 'string' ? v : '';
}

export interface AccessDecision {
  allowed: boolean;
  reason: string;
}

/** Whether the caller with `role` may do what the review asks, and why. */
export function decideAccess(spec: unknown, role: Principal['role']): AccessDecision {
  const served = decideServed(spec);
  if (role === 'admin' || !served.allowed) return served;
  const ra = isRecord(spec) && isRecord(spec['resourceAttributes']) ? spec['resourceAttributes'] : undefined;
  if (!ra) return { allowed: true, reason: 'the hub serves this path to every signed-in token' };
  if (!READ_VERBS.has(str(ra, 'verb'))) return { allowed: false, reason: 'viewer tokens are read-only' };
  if (isStreamSubresource(str(ra, 'subresource'))) return { allowed: false, reason: 'viewer tokens may not exec, attach or port-forward' };
  const resource = str(ra, 'resource');
  if (str(ra, 'group') === '' && (resource === 'secrets' || resource === '*')) return { allowed: false, reason: 'viewer tokens may not read Secrets' };
  return { allowed: true, reason: 'viewer tokens may read what the hub serves, except Secrets' };
}

/** Whether the admin may do what the review asks (the hub serves it), and why. */
function decideServed(spec: unknown): AccessDecision {
  if (!isRecord(spec)) throw ApiError.badRequest('spec is required', 'spec');
  const ra = isRecord(spec['resourceAttributes']) ? spec['resourceAttributes'] : undefined;
  const nra = isRecord(spec['nonResourceAttributes']) ? spec['nonResourceAttributes'] : undefined;
  if (!ra && !nra) throw ApiError.badRequest('exactly one of resourceAttributes or nonResourceAttributes is required', 'spec.resourceAttributes');
  if (nra) {
    const path = str(nra, 'path');
    const ok = str(nra, 'verb') === 'get' && NON_RESOURCE.some((re) => re.test(path));
    return { allowed: ok, reason: ok ? 'the hub serves this path to its admin' : `the hub does not serve ${str(nra, 'verb')} ${path}` };
  }
  const verb = str(ra, 'verb');
  const resource = str(ra, 'resource');
  const group = str(ra, 'group');
  const sub = str(ra, 'subresource');
  if (!VERBS.has(verb)) return { allowed: false, reason: `the hub does not serve the verb ${verb}` };
  if (resource === '*') return { allowed: true, reason: 'the admin token may use every resource the hub serves' };
  if (group === LEASE_KIND.group && resource === LEASE_KIND.plural && sub === '') {
    const read = ['get', 'list', 'watch'].includes(verb);
    return { allowed: read, reason: read ? 'leases are a read-only view of the heartbeats' : 'leases are read-only on Flotilla' };
  }
  const info = kindByPlural(group, 'v1', resource);
  if (!info) return { allowed: false, reason: `the hub does not serve ${group ? `${resource}.${group}` : resource}` };
  const subs = ['', ...(info.hasStatus ? ['status'] : []), ...(SUBRESOURCES[resource] ?? [])];
  if (!subs.includes(sub)) return { allowed: false, reason: `the hub does not serve ${resource}/${sub}` };
  return { allowed: true, reason: 'the admin token may use every resource the hub serves' };
}

/** The answer to a review POST, or undefined when `pathname` is not a review path. */
export function answerReview(pathname: string, body: unknown, who: Principal): JsonObject | undefined {
  if (pathname === ACCESS_REVIEW_PATH) {
    const spec = isRecord(body) ? body['spec'] : undefined;
    return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: isRecord(spec) ? spec : {}, status: { ...decideAccess(spec, who.role) } };
  }
  if (pathname === SUBJECT_REVIEW_PATH) {
    const userInfo = who.role === 'admin' ? { ...ADMIN_USER, groups: [...ADMIN_USER.groups] } : { username: who.user, groups: [...VIEWER_GROUPS] };
    return { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {}, status: { userInfo } };
  }
  return undefined;
}

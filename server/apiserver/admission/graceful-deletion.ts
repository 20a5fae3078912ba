/**
 * Graceful deletion with Kubernetes' semantics (apiserver `rest.BeforeDelete`, the Pod
 * strategy's `CheckGracefulDelete`, the generic store's `ShouldDeleteDuringUpdate`).
 *
 * DELETE of a Pod bound to a node sets `metadata.deletionTimestamp` (now + grace) and
 * `metadata.deletionGracePeriodSeconds` and keeps the object: it shows as Terminating until
 * the node's agent has stopped its containers and deletes it again with grace 0 (or a user
 * forces it). That is how a deletion decided while a node is offline is recorded on the hub
 * and carried out when the agent comes back. Unbound or finished pods, grace 0, and every
 * other kind are removed at once (finalizers still hold an object, as before).
 */
import { ApiError } from '../../../shared/api/errors.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { rfc3339 } from '../../../shared/util/clock.js';
import { isRecord } from '../../../shared/util/guards.js';

export interface GracefulDeleteOptions {
  /** DeleteOptions.gracePeriodSeconds: 0 = now; negative counts as 1; absent = the kind's default. */
  gracePeriodSeconds?: number;
}

/** What to do with the stored object: write `next`, remove it, or leave it (undefined). */
export type DeleteDecision = { next: KubeObject } | { remove: true } | undefined;

/** Kinds whose DELETE is graceful. */
const GRACEFUL_KINDS = new Set(['Pod']);

function hasFinalizers(obj: KubeObject): boolean {
  return (obj.metadata.finalizers?.length ?? 0) > 0;
}

/** The Pod strategy's grace period: the request's, else the pod's, 0 for unbound or finished pods. */
export function podGracePeriod(pod: KubeObject, requested: number | undefined): number {
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  const status = isRecord(pod['status']) ? pod['status'] : {};
  let period = requested ?? (typeof spec['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 0);
  if (typeof spec['nodeName'] !== 'string' || spec['nodeName'] === '') period = 0;
  if (status['phase'] === 'Succeeded' || status['phase'] === 'Failed') period = 0;
  return period;
}

/**
 * Decides a DELETE of `current` (a private copy the caller may have written into) at `now`.
 * A second DELETE may only shorten a pending grace period; one without a shorter grace period
 * changes nothing.
 */
export function planDelete(current: KubeObject, kind: string, opts: GracefulDeleteOptions, now: Date): DeleteDecision {
  const m = current.metadata;
  let grace = opts.gracePeriodSeconds;
  if (grace !== undefined && grace < 0) grace = 1;

  if (m.deletionTimestamp) {
    const pending = m.deletionGracePeriodSeconds;
    if (pending === undefined || pending === 0) return hasFinalizers(current) ? undefined : { remove: true };
    if (grace === undefined || grace >= pending) return undefined;
    const shortened = Date.parse(m.deletionTimestamp) - pending * 1000 + grace * 1000;
    m.deletionTimestamp = rfc3339(new Date(shortened));
    m.deletionGracePeriodSeconds = grace;
    return grace === 0 && !hasFinalizers(current) ? { remove: true } : { next: current };
  }

  const period = GRACEFUL_KINDS.has(kind) ? podGracePeriod(current, grace) : 0;
  if (period === 0 && !hasFinalizers(current)) return { remove: true };
  m.deletionTimestamp = rfc3339(new Date(now.getTime() + period * 1000));
  m.deletionGracePeriodSeconds = period;
  return { next: current };
}

/**
 * On update: an object being deleted goes once its last finalizer is removed, unless a
 * graceful deletion is still pending (then the grace-0 DELETE removes it).
 */
export function shouldDeleteDuringUpdate(current: KubeObject, next: KubeObject): boolean {
  if (hasFinalizers(next)) return false;
  if (!current.metadata.deletionTimestamp) return false;
  const pending = current.metadata.deletionGracePeriodSeconds;
  return pending === undefined || pending === 0;
}

/** deletionGracePeriodSeconds is the server's, like deletionTimestamp: updates cannot change it. */
export function carryDeletionGracePeriod(current: KubeObject, next: KubeObject): void {
  const pending = current.metadata.deletionGracePeriodSeconds;
  if (pending === undefined) delete next.metadata.deletionGracePeriodSeconds;
  else next.metadata.deletionGracePeriodSeconds = pending;
}

function gracePeriodValue(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw ApiError.badRequest(`gracePeriodSeconds must be a whole number of seconds, got ${JSON.stringify(v)}`, 'gracePeriodSeconds');
  }
  return n;
}

/** DeleteOptions.gracePeriodSeconds from the `gracePeriodSeconds` query parameter or the body (the body wins). */
export function gracePeriodOption(params: URLSearchParams, body: unknown): GracefulDeleteOptions {
  const fromBody = isRecord(body) ? gracePeriodValue(body['gracePeriodSeconds']) : undefined;
  const grace = fromBody ?? gracePeriodValue(params.get('gracePeriodSeconds') ?? undefined);
  return grace === undefined ? {} : { gracePeriodSeconds: grace };
}

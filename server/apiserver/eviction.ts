/**
 * `POST pods/NAME/eviction` (policy/v1 Eviction): deletes the pod unless that would break its
 * PodDisruptionBudget, as Kubernetes' EvictionREST does. A pod whose disruption the budget allows
 * costs one of `disruptionsAllowed`, recorded in the budget's `disruptedPods` by a write that
 * carries the budget's resourceVersion, so concurrent evictions cannot overshoot: the loser of
 * a race reads again. Pods that are pending, finished or already being deleted are never held.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { budgetCovers, isPodReady, MAX_DISRUPTED_PODS, withDisruptionAllowed } from '../../shared/api/disruption-budget.js';
import { ApiError } from '../../shared/api/errors.js';
import { kindByName, resourceName, type KindInfo } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { fromStore, type Pod, type PodDisruptionBudget, type PodDisruptionBudgetStatus } from '../../shared/api/types/index.js';
import { rfc3339, type Clock } from '../../shared/util/clock.js';
import { isRecord, type JsonObject } from '../../shared/util/guards.js';
import type { ObjectStore } from '../store/object-store.js';
import { isDryRun, parseDeleteOptions } from './delete-options.js';
import type { DeleteOptions, ResourceService } from './resource-service.js';

const EVICTION_API_VERSIONS = ['policy/v1', 'policy/v1beta1'];
const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";
/** Attempts when another eviction or the controller changed the budget between read and write. */
const CONFLICT_ATTEMPTS = 10;
/**
 * Pause before reading again after a conflict (client-go's DefaultRetry: 10 ms steps with
 * jitter): the winner's write becomes readable once the store has committed it, so an
 * immediate re-read could still see the old budget and lose every attempt.
 */
const CONFLICT_BACKOFF_MS = 10;

export interface EvictionDeps {
  service: ResourceService;
  store: ObjectStore;
  clock: Clock;
}

function kind(name: string): KindInfo {
  const info = kindByName(name);
  if (!info) throw new TypeError(`${name} is not served`);
  return info;
}

function tooManyRequests(retryAfterSeconds: number, cause: string): ApiError {
  return new ApiError(429, 'TooManyRequests', VIOLATION, { retryAfterSeconds, causes: [{ reason: 'DisruptionBudget', message: cause, field: '' }] });
}

/** The Eviction body, checked against the URL; returns the delete options it carries. */
function readEviction(body: unknown, namespace: string, name: string): { options: DeleteOptions; dryRun: boolean; raw: unknown } {
  if (!isRecord(body)) throw ApiError.badRequest('the body must be a policy/v1 Eviction object');
  if (body['kind'] !== 'Eviction' || !EVICTION_API_VERSIONS.includes(String(body['apiVersion']))) {
    throw ApiError.badRequest(`the body must be a policy/v1 Eviction, got ${String(body['apiVersion'])} ${String(body['kind'])}`, 'kind');
  }
  const meta = isRecord(body['metadata']) ? body['metadata'] : {};
  if (meta['name'] !== name) throw ApiError.badRequest('name in URL does not match name in Eviction object', 'metadata.name');
  if (meta['namespace'] !== undefined && meta['namespace'] !== '' && meta['namespace'] !== namespace) {
    throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request', 'metadata.namespace');
  }
  const raw: unknown = body['deleteOptions'];
  if (raw !== undefined && !isRecord(raw)) throw ApiError.badRequest('deleteOptions must be an object', 'deleteOptions');
  return { options: parseDeleteOptions(new URLSearchParams(), raw), dryRun: isDryRun(new URLSearchParams(), raw), raw };
}

/** Kubernetes' canIgnorePDB: such pods are not counted as healthy, so evicting them disrupts nothing. */
function ignoresBudgets(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp !== undefined;
}

/** The success answer Kubernetes gives (a Status, code 201). */
function evicted(): JsonObject {
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', code: 201 };
}

export class Evictions {
  private readonly pods = kind('Pod');
  private readonly budgets = kind('PodDisruptionBudget');

  constructor(private readonly deps: EvictionDeps) {}

  async evict(namespace: string, name: string, body: unknown, queryDryRun: boolean): Promise<JsonObject> {
    const { options, dryRun: bodyDryRun } = readEviction(body, namespace, name);
    const dryRun = queryDryRun || bodyDryRun;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.once(namespace, name, options, dryRun);
        return evicted();
      } catch (e: unknown) {
        if (!(e instanceof ApiError && e.code === 409 && e.reason === 'Conflict') || attempt >= CONFLICT_ATTEMPTS) throw e;
      }
      const pause = CONFLICT_BACKOFF_MS * attempt * (1 + Math.random() * 0.1);
      await delay(pause); // a wait for the store's commit, not a point in time: not the injected clock
    }
  }

  private async once(namespace: string, name: string, options: DeleteOptions, dryRun: boolean): Promise<void> {
    const pod = fromStore('Pod', await this.deps.service.get({ info: this.pods, namespace, name }));
    // Delete exactly the pod that was judged, unless the client gave its own preconditions.
    const guarded: DeleteOptions = options.preconditionUid || !pod.metadata.uid ? options : { ...options, preconditionUid: pod.metadata.uid };
    if (!ignoresBudgets(pod)) await this.chargeBudget(pod, dryRun);
    await this.deps.service.delete({ info: this.pods, namespace, name }, guarded, dryRun);
  }

  /** Throws 429 when the pod's budget allows no disruption; otherwise spends one (unless the pod is not healthy). */
  private async chargeBudget(pod: Pod, dryRun: boolean): Promise<void> {
    const namespace = pod.metadata.namespace ?? '';
    const { items } = await this.deps.store.list(resourceName(this.budgets), { namespace });
    const covering = items.map((o: KubeObject) => fromStore('PodDisruptionBudget', o)).filter((b) => budgetCovers(b, pod));
    if (covering.length > 1) throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    const pdb = covering[0];
    if (!pdb) return;
    const status = pdb.status ?? {};
    if (!isPodReady(pod)) {
      // An unhealthy pod does not count: evicting it leaves the budget as it is.
      if (pdb.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') return;
      if ((status.desiredHealthy ?? 0) > 0 && (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0)) return;
    }
    await this.decrement(pdb, pod.metadata.name ?? '', dryRun);
  }

  private async decrement(pdb: PodDisruptionBudget, podName: string, dryRun: boolean): Promise<void> {
    const name = pdb.metadata.name ?? '';
    const status = pdb.status ?? {};
    if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) {
      throw tooManyRequests(10, `The disruption budget ${name} is still being processed by the server.`);
    }
    const allowed = status.disruptionsAllowed ?? 0;
    if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
      throw new ApiError(403, 'Forbidden', `poddisruptionbudgets.policy "${name}" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`);
    }
    if (allowed <= 0) {
      throw tooManyRequests(0, `The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
    }
    if (dryRun) return;
    const now = rfc3339(this.deps.clock.now());
    let next: PodDisruptionBudgetStatus = { ...status, disruptionsAllowed: allowed - 1, disruptedPods: { ...status.disruptedPods, [podName]: now } };
    if (next.disruptionsAllowed === 0) next = withDisruptionAllowed(next, now);
    // The resourceVersion read above makes this a compare-and-swap: a concurrent eviction gets 409 and reads again.
    await this.deps.service.update({ info: this.budgets, namespace: pdb.metadata.namespace ?? '', name, subresource: 'status' }, { ...pdb, status: next });
  }
}

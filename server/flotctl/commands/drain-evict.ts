/**
 * How `flotctl drain` removes one pod, as kubectl drain does: through the pods/eviction
 * subresource (policy/v1), so PodDisruptionBudgets are respected; a refusal (429) is retried
 * every few seconds until the drain's deadline. `--disable-eviction` deletes instead, which
 * bypasses every budget.
 */
import type { KubeObject } from '../../../shared/api/meta.js';
import type { KindInfo } from '../../../shared/api/kinds.js';
import type { ApiClient } from '../client.js';
import { isNotFound, isServerError } from '../errors.js';
import { resourcePath } from '../resources.js';

/** kubectl drain waits this long between refused evictions. */
export const EVICTION_RETRY_MS = 5000;

export type RemoveOutcome =
  /** The API accepted the eviction or deletion: the pod is terminating. */
  | { kind: 'accepted' }
  /** The pod was gone already. */
  | { kind: 'gone' }
  /** Refused for now (a disruption budget): try again after `retryMs`. */
  | { kind: 'refused'; message: string; retryMs: number };

function deleteOptions(pod: KubeObject, grace: number | undefined): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (grace !== undefined) options['gracePeriodSeconds'] = grace;
  if (pod.metadata.uid) options['preconditions'] = { uid: pod.metadata.uid };
  return options;
}

/** Evicts (or with `disableEviction` deletes) one pod. */
export async function removePod(client: ApiClient, info: KindInfo, pod: KubeObject, grace: number | undefined, disableEviction: boolean): Promise<RemoveOutcome> {
  const path = resourcePath(info, pod.metadata.namespace, pod.metadata.name ?? '');
  try {
    if (disableEviction) {
      await client.request({ method: 'DELETE', path, body: { apiVersion: 'v1', kind: 'DeleteOptions', ...deleteOptions(pod, grace) } });
    } else {
      const eviction = {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace },
        deleteOptions: deleteOptions(pod, grace),
      };
      await client.request({ method: 'POST', path: `${path}/eviction`, body: eviction });
    }
    return { kind: 'accepted' };
  } catch (e: unknown) {
    if (isNotFound(e)) return { kind: 'gone' };
    if (isServerError(e) && e.code === 429) return { kind: 'refused', message: e.message, retryMs: EVICTION_RETRY_MS };
    throw e;
  }
}

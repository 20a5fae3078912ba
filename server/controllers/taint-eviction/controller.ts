/**
 * The taint-eviction controller: keyed by node name. For the pods bound to a node with NoExecute
 * taints it deletes those whose time is up (a graceful delete: the pod turns Terminating and the
 * node's agent stops it, now or when it reconnects) and comes back when the next one's is.
 */
import { isDeepStrictEqual } from 'node:util';
import { ApiError } from '../../../shared/api/errors.js';
import { fromStore, type Pod } from '../../../shared/api/types/index.js';
import { formatTaint, taintsOf, type Taint } from '../../../shared/api/taints.js';
import { rfc3339, type Clock } from '../../../shared/util/clock.js';
import type { Logger } from '../../../shared/util/logger.js';
import type { InternalClient } from '../../apiserver/internal-client.js';
import type { StoreEvent } from '../../store/watch-hub.js';
import { EventRecorder, type EventSink } from '../../events/recorder.js';
import { podNodes, type Controller, type ReconcileContext, type ReconcileResult } from '../runtime/index.js';
import { planEvictions, type EvictionDecision } from './plan.js';

export const TAINT_EVICTION_COMPONENT = 'taint-eviction-controller';

export interface TaintEvictionDeps {
  client: InternalClient;
  clock: Clock;
  logger: Logger;
  /** Where Events go; by default a recorder reporting as `taint-eviction-controller`. */
  events?: EventSink;
}

function podRef(pod: Pod): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

function ignoreGone(e: unknown): void {
  // 404: already gone; 409: a new pod took the name (uid precondition) — the next pass sees it.
  if (e instanceof ApiError && (e.code === 404 || e.code === 409)) return;
  throw e;
}

/** A Node change concerns its own key only when its taints changed. */
function taintsChanged(e: StoreEvent): string[] {
  if (e.type === 'MODIFIED' && e.prev && isDeepStrictEqual(taintsOf(fromStore('Node', e.prev)), taintsOf(fromStore('Node', e.object)))) return [];
  return e.object.metadata.name ? [e.object.metadata.name] : [];
}

/** A Pod change concerns its node unless it cannot change a decision (deleted, or status only). */
function podSpecChanged(e: StoreEvent): string[] {
  if (e.type === 'DELETED') return [];
  if (e.type === 'MODIFIED' && e.prev && isDeepStrictEqual(e.prev['spec'], e.object['spec'])) return [];
  return podNodes(e);
}

export function taintEvictionController(deps: TaintEvictionDeps): Controller {
  const { client, clock } = deps;
  const events = deps.events ?? new EventRecorder(client, clock, deps.logger, TAINT_EVICTION_COMPONENT);
  /** node → `key:effect` → when first seen, for NoExecute taints without timeAdded. */
  const firstSeen = new Map<string, Map<string, Date>>();

  function rememberTaints(node: string, noExecute: Taint[], now: Date): Map<string, Date> {
    const prev = firstSeen.get(node) ?? new Map<string, Date>();
    const next = new Map<string, Date>();
    for (const t of noExecute) {
      if (t.timeAdded !== undefined) continue;
      const id = formatTaint({ key: t.key, effect: t.effect });
      next.set(id, prev.get(id) ?? now);
    }
    if (next.size > 0) firstSeen.set(node, next);
    else firstSeen.delete(node);
    return next;
  }

  async function evict(d: EvictionDecision, log: Logger): Promise<void> {
    const { pod } = d;
    const namespace = pod.metadata.namespace;
    const name = pod.metadata.name ?? '';
    // Kubernetes marks why before deleting, so the agent and users can tell an eviction apart.
    try {
      await client.patch('Pod', namespace, name, 'strategic', {
        status: {
          conditions: [
            {
              type: 'DisruptionTarget',
              status: 'True',
              reason: 'DeletionByTaintManager',
              message: 'Taint manager: deleting due to NoExecute taint',
              lastTransitionTime: rfc3339(clock.now()),
            },
          ],
        },
      }, { status: true });
      await client.delete('Pod', namespace, name, pod.metadata.uid ? { preconditionUid: pod.metadata.uid } : {});
    } catch (e: unknown) {
      ignoreGone(e);
      return;
    }
    log.info('evicting pod', { pod: podRef(pod), taint: formatTaint(d.taint), deadline: d.at.toISOString() });
    const involved = { apiVersion: 'v1', kind: 'Pod', name, ...(namespace ? { namespace } : {}), ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}) };
    events.record(involved, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${podRef(pod)}`);
  }

  async function reconcile(nodeName: string, { cache, log }: ReconcileContext): Promise<ReconcileResult | void> {
    const node = cache.get('Node', undefined, nodeName);
    if (!node) {
      firstSeen.delete(nodeName);
      return;
    }
    const now = clock.now();
    const noExecute = taintsOf(node).filter((t) => t.effect === 'NoExecute');
    const seen = rememberTaints(nodeName, noExecute, now);
    if (noExecute.length === 0) return;
    const decisions = planEvictions(node, cache.podsOnNode(nodeName), now, (t) => seen.get(formatTaint({ key: t.key, effect: t.effect })));
    let next: number | undefined;
    for (const d of decisions) {
      if (d.action === 'evict') await evict(d, log);
      else next = Math.min(next ?? Infinity, d.at.getTime() - now.getTime());
    }
    if (next === undefined) return;
    log.debug('pods tolerate the node taints for now', { waiting: decisions.filter((d) => d.action === 'wait').length, nextInMs: next });
    return { requeueAfterMs: Math.max(1, next) };
  }

  return {
    name: 'taint-eviction',
    kind: 'Node',
    watches: [
      { kind: 'Node', map: taintsChanged },
      { kind: 'Pod', map: podSpecChanged },
    ],
    reconcile,
  };
}

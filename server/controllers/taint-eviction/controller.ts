/**
 * The taint-eviction controller: keyed by node name. For the pods bound to a node with NoExecute
 * taints it deletes those whose time is up (a graceful delete: the pod turns Terminating and the
 * node's agent stops it, now or when it reconnects) and comes back when the next one's is.
 */
import { isDeepStrictEqual } from 'node:util';
import { ApiError } from '../../../shared/api/errors.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { formatTaint, taintsOf, type Taint } from '../../../shared/api/taints.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../../../shared/reconcile/backoff.js';
import { WorkQueue, type ReconcileResult } from '../../../shared/reconcile/work-queue.js';
import { rfc3339, type Clock } from '../../../shared/util/clock.js';
import { isRecord } from '../../../shared/util/guards.js';
import type { Logger } from '../../../shared/util/logger.js';
import type { InternalClient } from '../../apiserver/internal-client.js';
import type { StoreEvent } from '../../store/watch-hub.js';
import { EventRecorder, type EventSink } from '../../events/recorder.js';
import type { RunningController } from '../types.js';
import { planEvictions, type EvictionDecision } from './plan.js';

export const TAINT_EVICTION_COMPONENT = 'taint-eviction-controller';

export interface TaintEvictionDeps {
  client: InternalClient;
  clock: Clock;
  logger: Logger;
  /** Where Events go; by default a recorder reporting as `taint-eviction-controller`. */
  events?: EventSink;
  backoff?: BackoffPolicy;
  random?: () => number;
}


function nodeNameOf(obj: KubeObject | undefined): string {
  const spec = obj?.['spec'];
  return isRecord(spec) && typeof spec['nodeName'] === 'string' ? spec['nodeName'] : '';
}

function specOf(obj: KubeObject | undefined): unknown {
  return obj?.['spec'];
}

function podRef(pod: KubeObject): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

function ignoreGone(e: unknown): void {
  // 404: already gone; 409: a new pod took the name (uid precondition) — the next pass sees it.
  if (e instanceof ApiError && (e.code === 404 || e.code === 409)) return;
  throw e;
}

/** The node keys a store event concerns (Nodes whose taints changed; Pods bound to a node). */
export function nodesToQueue(e: StoreEvent): string[] {
  if (e.object.kind === 'Node') {
    if (e.type === 'MODIFIED' && e.prev && isDeepStrictEqual(taintsOf(e.prev), taintsOf(e.object))) return [];
    return e.object.metadata.name ? [e.object.metadata.name] : [];
  }
  // Pods: a deleted pod needs nothing; a status-only change cannot change a decision.
  if (e.type === 'DELETED') return [];
  if (e.type === 'MODIFIED' && e.prev && isDeepStrictEqual(specOf(e.prev), specOf(e.object))) return [];
  const names = new Set([nodeNameOf(e.object), nodeNameOf(e.prev)]);
  names.delete('');
  return [...names];
}

export async function startTaintEvictionController(deps: TaintEvictionDeps): Promise<RunningController> {
  const { client, clock } = deps;
  const logger = deps.logger.child({ controller: 'taint-eviction' });
  const events = deps.events ?? new EventRecorder(client, clock, logger, TAINT_EVICTION_COMPONENT);
  /** node → `key:effect` → when first seen, for NoExecute taints without timeAdded. */
  const firstSeen = new Map<string, Map<string, Date>>();
  let reconciles = 0;

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

  async function reconcile(nodeName: string): Promise<ReconcileResult | void> {
    const log = logger.child({ node: nodeName, reconcile: ++reconciles });
    const node = await client.get('Node', undefined, nodeName);
    if (!node) {
      firstSeen.delete(nodeName);
      return;
    }
    const now = clock.now();
    const noExecute = taintsOf(node).filter((t) => t.effect === 'NoExecute');
    const seen = rememberTaints(nodeName, noExecute, now);
    if (noExecute.length === 0) return;
    const pods = await client.list('Pod', { fieldSelector: `spec.nodeName=${nodeName}` });
    const decisions = planEvictions(node, pods, now, (t) => seen.get(formatTaint({ key: t.key, effect: t.effect })));
    let next: number | undefined;
    for (const d of decisions) {
      if (d.action === 'evict') await evict(d, log);
      else next = Math.min(next ?? Infinity, d.at.getTime() - now.getTime());
    }
    if (next === undefined) return;
    log.debug('pods tolerate the node taints for now', { waiting: decisions.filter((d) => d.action === 'wait').length, nextInMs: next });
    return { requeueAfterMs: Math.max(1, next) };
  }

  const queue = new WorkQueue('taint-eviction', reconcile, {
    clock,
    logger,
    policy: deps.backoff ?? DEFAULT_BACKOFF,
    ...(deps.random ? { random: deps.random } : {}),
  });
  const stopWatch = client.watch(['Node', 'Pod'], (e) => {
    for (const name of nodesToQueue(e)) queue.add(name);
  });
  try {
    for (const node of await client.list('Node')) if (node.metadata.name) queue.add(node.metadata.name);
  } catch (e: unknown) {
    stopWatch();
    queue.stop();
    throw e;
  }
  logger.info('controller started', {});
  return {
    queue,
    stop() {
      stopWatch();
      queue.stop();
    },
  };
}

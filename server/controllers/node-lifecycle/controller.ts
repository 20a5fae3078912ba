/**
 * The node-lifecycle controller: keyed by node name, it reads the Node and its lease, asks the
 * planner what the Node should look like, and writes only what differs. It is woken by Node
 * changes, by a node's heartbeat coming back after silence, and by its own timer for the moment
 * that node's grace period would run out. It never deletes a Node.
 */
import type { KubeObject } from '../../../shared/api/meta.js';
import { formatTaint, type Taint } from '../../../shared/api/taints.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../../../shared/reconcile/backoff.js';
import { WorkQueue, type ReconcileResult } from '../../../shared/reconcile/work-queue.js';
import type { Clock } from '../../../shared/util/clock.js';
import type { Logger } from '../../../shared/util/logger.js';
import type { InternalClient } from '../../apiserver/internal-client.js';
import type { LeaseTracker } from '../../fleet/leases.js';
import { EventRecorder, type EventSink, type InvolvedObject } from '../../events/recorder.js';
import type { RunningController } from '../types.js';
import { DEFAULT_NODE_LIFECYCLE_CONFIG, planNodeLifecycle, type NodeLifecycleConfig, type NodeLifecyclePlan } from './plan.js';

export const NODE_CONTROLLER_COMPONENT = 'node-controller';

export interface NodeLifecycleDeps {
  client: InternalClient;
  leases: LeaseTracker;
  clock: Clock;
  logger: Logger;
  config?: Partial<NodeLifecycleConfig>;
  /** Where Events go; by default a recorder reporting as `node-controller`. */
  events?: EventSink;
  /** Retry policy for failed reconciles (conflicts, store errors). */
  backoff?: BackoffPolicy;
  random?: () => number;
}


function involvedNode(node: KubeObject): InvolvedObject {
  return { apiVersion: 'v1', kind: 'Node', name: node.metadata.name ?? '', ...(node.metadata.uid ? { uid: node.metadata.uid } : {}) };
}

function taintNames(list: Taint[]): string[] {
  return list.map(formatTaint);
}

/** Writes a plan: status (conditions) first, then spec.taints, each guarded by the resourceVersion read. */
async function execute(client: InternalClient, node: KubeObject, plan: NodeLifecyclePlan): Promise<KubeObject> {
  const name = node.metadata.name ?? '';
  let current = node;
  if (plan.conditions) {
    current = await client.patch(
      'Node',
      undefined,
      name,
      'merge',
      { metadata: { resourceVersion: current.metadata.resourceVersion }, status: { conditions: plan.conditions } },
      { status: true },
    );
  }
  if (plan.taints) {
    current = await client.patch('Node', undefined, name, 'merge', {
      metadata: { resourceVersion: current.metadata.resourceVersion },
      spec: { taints: plan.taints.length > 0 ? plan.taints : null },
    });
  }
  return current;
}

/**
 * Starts the controller: watches Nodes, listens to the lease tracker, queues every existing
 * node once. Resolves when the initial list has been queued.
 */
export async function startNodeLifecycleController(deps: NodeLifecycleDeps): Promise<RunningController> {
  const { client, leases, clock } = deps;
  const config: NodeLifecycleConfig = { ...DEFAULT_NODE_LIFECYCLE_CONFIG, ...deps.config };
  const logger = deps.logger.child({ controller: 'node-lifecycle' });
  const events = deps.events ?? new EventRecorder(client, clock, logger, NODE_CONTROLLER_COMPONENT);
  const startedAt = clock.now();
  const registered = new Set<string>();
  let reconciles = 0;

  async function reconcile(name: string): Promise<ReconcileResult | void> {
    const log = logger.child({ node: name, reconcile: ++reconciles });
    const node = await client.get('Node', undefined, name);
    if (!node) {
      registered.delete(name);
      return;
    }
    if (!registered.has(name)) {
      registered.add(name);
      // Kubernetes records this on every controller start; once per node created while the hub runs is enough here.
      const created = Date.parse(node.metadata.creationTimestamp ?? '');
      if (created >= Math.floor(startedAt.getTime() / 1000) * 1000) {
        events.record(involvedNode(node), 'Normal', 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`);
      }
    }
    const now = clock.now();
    const lastHeartbeat = leases.lastHeartbeat(name);
    const plan = planNodeLifecycle(node, lastHeartbeat, now, { ...config, startedAt });
    if (plan.conditions || plan.taints) {
      const written = await execute(client, node, plan);
      const fields = {
        reachable: plan.reachable,
        silentForMs: now.getTime() - plan.probeTime.getTime(),
        lastHeartbeat: lastHeartbeat?.toISOString(),
        ...(plan.conditions ? { conditions: plan.conditions.map((c) => `${c.type}=${c.status}`) } : {}),
        ...(plan.taints ? { taints: taintNames(plan.taints) } : {}),
      };
      if (plan.reachable) log.info('node lifecycle taints updated', fields);
      else log.warn('node stopped posting status', fields);
      for (const e of plan.events) events.record(involvedNode(written), e.type, e.reason, e.message);
    }
    return plan.requeueAfterMs === undefined ? undefined : { requeueAfterMs: plan.requeueAfterMs };
  }

  const queue = new WorkQueue('node-lifecycle', reconcile, {
    clock,
    logger,
    policy: deps.backoff ?? DEFAULT_BACKOFF,
    ...(deps.random ? { random: deps.random } : {}),
  });
  const stopWatch = client.watch(['Node'], (e) => {
    const name = e.object.metadata.name;
    if (name) queue.add(name);
  });
  const stopLeases = leases.onRenewedAfterSilence((name) => queue.add(name));
  try {
    for (const node of await client.list('Node')) if (node.metadata.name) queue.add(node.metadata.name);
  } catch (e: unknown) {
    stopWatch();
    stopLeases();
    queue.stop();
    throw e;
  }
  logger.info('controller started', { gracePeriodMs: config.nodeMonitorGracePeriodMs, periodMs: config.nodeMonitorPeriodMs });
  return {
    queue,
    stop() {
      stopWatch();
      stopLeases();
      queue.stop();
    },
  };
}

/**
 * The node-lifecycle controller: keyed by node name, it reads the Node and its lease, asks the
 * planner what the Node should look like, and writes only what differs. It is woken by Node
 * changes, by a node's heartbeat coming back after silence, and by its own requeue for the
 * moment that node's grace period would run out. It never deletes a Node.
 */
import type { KubeObject } from '../../../shared/api/meta.js';
import type { Node } from '../../../shared/api/types/index.js';
import { formatTaint, type Taint } from '../../../shared/api/taints.js';
import type { Clock } from '../../../shared/util/clock.js';
import type { Logger } from '../../../shared/util/logger.js';
import type { InternalClient } from '../../apiserver/internal-client.js';
import type { LeaseTracker } from '../../fleet/leases.js';
import { EventRecorder, type EventSink, type InvolvedObject } from '../../events/recorder.js';
import type { Controller } from '../runtime/index.js';
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
}

function involvedNode(node: KubeObject): InvolvedObject {
  return { apiVersion: 'v1', kind: 'Node', name: node.metadata.name ?? '', ...(node.metadata.uid ? { uid: node.metadata.uid } : {}) };
}

function taintNames(list: Taint[]): string[] {
  return list.map(formatTaint);
}

/** Writes a plan: status (conditions) first, then spec.taints, each guarded by the resourceVersion read. */
async function execute(client: InternalClient, node: Node, plan: NodeLifecyclePlan): Promise<KubeObject> {
  const name = node.metadata.name ?? '';
  let current: KubeObject = node;
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

export function nodeLifecycleController(deps: NodeLifecycleDeps): Controller {
  const { client, leases, clock } = deps;
  const config: NodeLifecycleConfig = { ...DEFAULT_NODE_LIFECYCLE_CONFIG, ...deps.config };
  const events = deps.events ?? new EventRecorder(client, clock, deps.logger, NODE_CONTROLLER_COMPONENT);
  const startedAt = clock.now();
  const registered = new Set<string>();

  return {
    name: 'node-lifecycle',
    kind: 'Node',
    sources: [(enqueue) => leases.onRenewedAfterSilence(enqueue)],
    async reconcile(name, { cache, log }) {
      const node = cache.get('Node', undefined, name);
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
    },
  };
}

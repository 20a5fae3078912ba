import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import { nodeKeys } from '../../server/controllers/daemonset/node-keys.js';
import { ObjectCache } from '../../server/controllers/runtime/cache.js';
import type { StoreEvent } from '../../server/store/watch-hub.js';

function daemonSet(name: string, podSpec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: 'default', uid: `${name}-uid` },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x' }], ...podSpec } } },
  };
}

interface NodeShape { labels?: Record<string, string>; taints?: { key: string; effect: string }[]; ready?: string; heartbeat?: string }
function node(shape: NodeShape = {}): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-1', labels: shape.labels ?? {} },
    spec: shape.taints ? { taints: shape.taints } : {},
    status: { conditions: [{ type: 'Ready', status: shape.ready ?? 'True', lastHeartbeatTime: shape.heartbeat ?? '2026-01-01T00:00:00Z' }] },
  };
}

const RELAY = { labels: { role: 'relay' } };
const DEDICATED = { key: 'dedicated', effect: 'NoSchedule' };

describe('daemonset: a Node change requeues only the DaemonSets it may concern', () => {
  const cache = new ObjectCache(new Set(['Node', 'Pod', 'DaemonSet'] as const));
  let rv = 0;
  const add = (o: KubeObject, resource: string): void => cache.apply({ rv: ++rv, resource, type: 'ADDED', object: o });
  add(daemonSet('everywhere', {}), 'daemonsets');
  add(daemonSet('relays', { nodeSelector: { role: 'relay' } }), 'daemonsets');
  add(daemonSet('not-relays', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'role', operator: 'DoesNotExist' }] }] } } } }), 'daemonsets');
  add(daemonSet('dedicated', { nodeSelector: { role: 'gateway' }, tolerations: [{ key: 'dedicated', operator: 'Exists' }] }), 'daemonsets');
  add(daemonSet('pinned', { nodeName: 'pi-9' }), 'daemonsets');
  // A pod of `pinned` bound to pi-1 anyway (adopted, say): its DaemonSet must hear about pi-1.
  add({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'pinned', uid: 'pinned-uid', controller: true }] }, spec: { nodeName: 'pi-1', containers: [] } }, 'pods');

  /** [name, event type, prev, next, want keys] */
  const TABLE: [string, StoreEvent['type'], NodeShape | undefined, NodeShape, string[]][] = [
    ['a new plain node: those that admit it, and those with a pod there', 'ADDED', undefined, {}, ['everywhere', 'not-relays', 'pinned']],
    ['a new relay node', 'ADDED', undefined, RELAY, ['everywhere', 'pinned', 'relays']],
    ['labelled relay: those admitting it before or after', 'MODIFIED', {}, RELAY, ['everywhere', 'not-relays', 'pinned', 'relays']],
    ['a heartbeat only: none', 'MODIFIED', RELAY, { ...RELAY, heartbeat: '2026-01-01T00:00:09Z' }, []],
    ['tainted (NoSchedule): the pods there may stay, so the same set', 'MODIFIED', RELAY, { ...RELAY, taints: [DEDICATED] }, ['everywhere', 'pinned', 'relays']],
    ['a tainted gateway: only what tolerates it, and the pod there', 'ADDED', undefined, { labels: { role: 'gateway' }, taints: [{ key: 'dedicated', effect: 'NoExecute' }] }, ['dedicated', 'pinned']],
    ['unreachable: its DaemonSets, not the others', 'MODIFIED', RELAY, { ...RELAY, ready: 'Unknown' }, ['everywhere', 'pinned', 'relays']],
    ['deleted', 'DELETED', undefined, RELAY, ['everywhere', 'pinned', 'relays']],
  ];
  for (const [name, type, prev, next, want] of TABLE) {
    it(name, () => {
      const e: StoreEvent = { rv: ++rv, resource: 'nodes', type, object: node(next), ...(prev ? { prev: node(prev) } : {}) };
      assert.deepEqual(nodeKeys(e, cache).map((k) => k.split('/')[1]).sort(), want);
    });
  }
});

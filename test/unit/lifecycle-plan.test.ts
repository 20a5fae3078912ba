import assert from 'node:assert/strict';
import type { Node } from '../../shared/api/types/index.js';
import type { Taint } from '../../shared/api/taints.js';
import { rfc3339 } from '../../shared/util/clock.js';
import {
  MESSAGE_NEVER_POSTED,
  MESSAGE_STOPPED_POSTING,
  planNodeLifecycle,
  type NodeCondition,
  type NodeLifecyclePlanConfig,
} from '../../server/controllers/node-lifecycle/plan.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const NOW = new Date(T0);
const NOW_TEXT = rfc3339(NOW);
const s = (seconds: number): Date => new Date(T0 + seconds * 1000);
const LONG_AGO = s(-3600);
const CFG: NodeLifecyclePlanConfig = { nodeMonitorGracePeriodMs: 40_000, nodeMonitorPeriodMs: 5_000, startedAt: LONG_AGO };

const UNREACHABLE_NS = 'node.kubernetes.io/unreachable:NoSchedule';
const UNREACHABLE_NE = 'node.kubernetes.io/unreachable:NoExecute';
const BEFORE = '2025-12-31T23:00:00Z';

interface NodeSpec {
  conditions?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  created?: Date;
}

function node(n: NodeSpec = {}): Node {
  const conditions: NodeCondition[] = Object.entries(n.conditions ?? {}).map(([type, status]) => ({
    type,
    status,
    reason: `Agent${type}`,
    message: 'from the agent',
    lastHeartbeatTime: BEFORE,
    lastTransitionTime: BEFORE,
  }));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'pi-1', uid: 'u1', creationTimestamp: rfc3339(n.created ?? LONG_AGO) },
    spec: { ...(n.taints ? { taints: n.taints } : {}), ...(n.unschedulable ? { unschedulable: true } : {}) },
    ...(n.conditions ? { status: { conditions } } : {}),
  };
}

const HEALTHY = { Ready: 'True', MemoryPressure: 'False', DiskPressure: 'False', PIDPressure: 'False', NetworkUnavailable: 'False' };

/** A taint as the table writes it: `key:Effect`, plus `@now` / `@<time>` for timeAdded. */
function show(t: Taint): string {
  const base = `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
  if (!t.timeAdded) return base;
  return `${base}@${t.timeAdded === NOW_TEXT ? 'now' : t.timeAdded}`;
}

interface Want {
  reachable: boolean;
  /** `Type=Status` of the new conditions; undefined = unchanged. */
  conditions?: string[];
  /** The new taints; undefined = unchanged. */
  taints?: string[];
  events?: string[];
  requeueAfterMs?: number;
}

/** [name, node, last heartbeat, want, config override] */
const CASES: [string, Node, Date | undefined, Want, Partial<NodeLifecyclePlanConfig>?][] = [
  ['heard 30 s ago: reachable, nothing to write; back on the first period boundary after the grace runs out', node({ conditions: HEALTHY }), s(-30), { reachable: true, requeueAfterMs: 15_000 }],
  ['heard 32.5 s ago: back at the next boundary', node({ conditions: HEALTHY }), s(-32.5), { reachable: true, requeueAfterMs: 10_000 }],
  ['just before the grace period (39.999 s): reachable', node({ conditions: HEALTHY }), s(-39.999), { reachable: true, requeueAfterMs: 5_000 }],
  ['exactly 40 s: not yet longer than the grace period', node({ conditions: HEALTHY }), s(-40), { reachable: true, requeueAfterMs: 5_000 }],
  [
    'just after (40.001 s of silence): Unknown, unreachable taints, NodeNotReady',
    node({ conditions: HEALTHY }),
    s(-40.001),
    {
      reachable: false,
      conditions: ['Ready=Unknown', 'MemoryPressure=Unknown', 'DiskPressure=Unknown', 'PIDPressure=Unknown', 'NetworkUnavailable=Unknown'],
      taints: [UNREACHABLE_NS, `${UNREACHABLE_NE}@now`],
      events: ['NodeNotReady'],
    },
  ],
  [
    'already marked (41 s): nothing to write (idempotent), no timer',
    node({
      conditions: { Ready: 'Unknown', MemoryPressure: 'Unknown', DiskPressure: 'Unknown', PIDPressure: 'Unknown' },
      taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: BEFORE }],
    }),
    s(-41),
    { reachable: false },
  ],
  [
    'silent with Ready=False: Unknown, and not-ready gives way to unreachable; no NodeNotReady (it was not Ready)',
    node({
      conditions: { ...HEALTHY, Ready: 'False' },
      taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: BEFORE }],
    }),
    s(-60),
    {
      reachable: false,
      conditions: ['Ready=Unknown', 'MemoryPressure=Unknown', 'DiskPressure=Unknown', 'PIDPressure=Unknown', 'NetworkUnavailable=Unknown'],
      taints: [UNREACHABLE_NS, `${UNREACHABLE_NE}@now`],
    },
  ],
  ['never heard, created 10 s ago: its grace counts from creation', node({ created: s(-10) }), undefined, { reachable: true, requeueAfterMs: 35_000 }],
  [
    'never heard, created 50 s ago, no status: NeverUpdated conditions, unreachable',
    node({ created: s(-50) }),
    undefined,
    {
      reachable: false,
      conditions: ['Ready=Unknown', 'MemoryPressure=Unknown', 'DiskPressure=Unknown', 'PIDPressure=Unknown'],
      taints: [UNREACHABLE_NS, `${UNREACHABLE_NE}@now`],
    },
  ],
  [
    'hub restarted 20 s ago, Ready=True in the store, not heard yet: grace counts from the start',
    node({ conditions: HEALTHY }),
    undefined,
    { reachable: true, requeueAfterMs: 25_000 },
    { startedAt: s(-20) },
  ],
  [
    'hub restarted 41 s ago and the node never reported: Unknown',
    node({ conditions: HEALTHY }),
    undefined,
    {
      reachable: false,
      conditions: ['Ready=Unknown', 'MemoryPressure=Unknown', 'DiskPressure=Unknown', 'PIDPressure=Unknown', 'NetworkUnavailable=Unknown'],
      taints: [UNREACHABLE_NS, `${UNREACHABLE_NE}@now`],
      events: ['NodeNotReady'],
    },
    { startedAt: s(-41) },
  ],
  [
    'hub restarted 1 s ago, the node was already Unknown: stays unreachable, taints and timeAdded kept',
    node({
      conditions: { Ready: 'Unknown', MemoryPressure: 'Unknown', DiskPressure: 'Unknown', PIDPressure: 'Unknown' },
      taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: BEFORE }],
    }),
    undefined,
    { reachable: false },
    { startedAt: s(-1) },
  ],
  [
    'heartbeat back: unreachable taints go, user taints stay, conditions wait for the agent',
    node({
      conditions: { Ready: 'Unknown', MemoryPressure: 'Unknown', DiskPressure: 'Unknown', PIDPressure: 'Unknown' },
      taints: [
        { key: 'dedicated', value: 'cameras', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: BEFORE },
      ],
    }),
    s(-1),
    { reachable: true, taints: ['dedicated=cameras:NoSchedule'], requeueAfterMs: 40_000 },
  ],
  [
    'Ready=False from the agent: not-ready NoSchedule + NoExecute',
    node({ conditions: { ...HEALTHY, Ready: 'False' } }),
    s(-5),
    { reachable: true, taints: ['node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute@now'], requeueAfterMs: 40_000 },
  ],
  [
    'Ready=False kept: its taints keep their timeAdded, nothing to write',
    node({
      conditions: { ...HEALTHY, Ready: 'False' },
      taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: BEFORE }],
    }),
    s(-5),
    { reachable: true, requeueAfterMs: 40_000 },
  ],
  [
    'Ready back to True: not-ready taints go',
    node({
      conditions: HEALTHY,
      taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: BEFORE }],
    }),
    s(-5),
    { reachable: true, taints: [], requeueAfterMs: 40_000 },
  ],
  [
    'pressure conditions: NoSchedule taints, in a fixed order',
    node({ conditions: { ...HEALTHY, PIDPressure: 'True', MemoryPressure: 'True', DiskPressure: 'True' } }),
    s(-5),
    {
      reachable: true,
      taints: ['node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule'],
      requeueAfterMs: 40_000,
    },
  ],
  [
    'pressure gone: its taint goes',
    node({ conditions: HEALTHY, taints: [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }] }),
    s(-5),
    { reachable: true, taints: [], requeueAfterMs: 40_000 },
  ],
  [
    'NetworkUnavailable=True: network-unavailable NoSchedule',
    node({ conditions: { ...HEALTHY, NetworkUnavailable: 'True' } }),
    s(-5),
    { reachable: true, taints: ['node.kubernetes.io/network-unavailable:NoSchedule'], requeueAfterMs: 40_000 },
  ],
  [
    'spec.unschedulable: unschedulable NoSchedule',
    node({ conditions: HEALTHY, unschedulable: true }),
    s(-5),
    { reachable: true, taints: ['node.kubernetes.io/unschedulable:NoSchedule'], requeueAfterMs: 40_000 },
  ],
  [
    'uncordoned: unschedulable taint goes',
    node({ conditions: HEALTHY, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }),
    s(-5),
    { reachable: true, taints: [], requeueAfterMs: 40_000 },
  ],
  [
    'cordoned and silent: both',
    node({ conditions: HEALTHY, unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }),
    s(-45),
    {
      reachable: false,
      conditions: ['Ready=Unknown', 'MemoryPressure=Unknown', 'DiskPressure=Unknown', 'PIDPressure=Unknown', 'NetworkUnavailable=Unknown'],
      taints: ['node.kubernetes.io/unschedulable:NoSchedule', UNREACHABLE_NS, `${UNREACHABLE_NE}@now`],
      events: ['NodeNotReady'],
    },
  ],
  [
    "users' taints are never touched, including other effects on the lifecycle keys",
    node({
      conditions: HEALTHY,
      taints: [
        { key: 'dedicated', value: 'gpu', effect: 'NoExecute', timeAdded: BEFORE },
        { key: 'node.kubernetes.io/unreachable', effect: 'PreferNoSchedule' },
        { key: 'node.kubernetes.io/memory-pressure', effect: 'NoExecute', timeAdded: BEFORE },
      ],
    }),
    s(-5),
    { reachable: true, requeueAfterMs: 40_000 },
  ],
  [
    "silent: lifecycle taints are appended after the users' taints, which stay in place",
    node({ conditions: HEALTHY, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
    s(-100),
    {
      reachable: false,
      conditions: ['Ready=Unknown', 'MemoryPressure=Unknown', 'DiskPressure=Unknown', 'PIDPressure=Unknown', 'NetworkUnavailable=Unknown'],
      taints: ['dedicated=gpu:NoSchedule', UNREACHABLE_NS, `${UNREACHABLE_NE}@now`],
      events: ['NodeNotReady'],
    },
  ],
  [
    'device-specific conditions go Unknown too',
    node({ conditions: { ...HEALTHY, CPUThrottled: 'False' } }),
    s(-41),
    {
      reachable: false,
      conditions: ['Ready=Unknown', 'MemoryPressure=Unknown', 'DiskPressure=Unknown', 'PIDPressure=Unknown', 'NetworkUnavailable=Unknown', 'CPUThrottled=Unknown'],
      taints: [UNREACHABLE_NS, `${UNREACHABLE_NE}@now`],
      events: ['NodeNotReady'],
    },
  ],
  [
    'a custom grace period',
    node({ conditions: HEALTHY }),
    s(-9),
    { reachable: true, requeueAfterMs: 2_000 },
    { nodeMonitorGracePeriodMs: 10_000, nodeMonitorPeriodMs: 1_000 },
  ],
];

describe('lifecycle: planNodeLifecycle', () => {
  for (const [name, n, heartbeat, want, override] of CASES) {
    it(name, () => {
      const before = structuredClone(n);
      const plan = planNodeLifecycle(n, heartbeat, NOW, { ...CFG, ...override });
      assert.deepEqual(n, before, 'the node is not modified');
      assert.equal(plan.reachable, want.reachable, 'reachable');
      assert.deepEqual(plan.conditions?.map((c) => `${c.type}=${c.status}`), want.conditions, 'conditions');
      assert.deepEqual(plan.taints?.map(show), want.taints, 'taints');
      assert.deepEqual(plan.events.map((e) => e.reason), want.events ?? [], 'events');
      assert.equal(plan.requeueAfterMs, want.requeueAfterMs, 'requeueAfterMs');
    });
  }

  it('Unknown conditions carry Kubernetes-style reasons and messages; the heartbeat time stays', () => {
    const plan = planNodeLifecycle(node({ conditions: { Ready: 'True' } }), s(-41), NOW, CFG);
    const ready = plan.conditions?.find((c) => c.type === 'Ready');
    assert.deepEqual(ready, {
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: MESSAGE_STOPPED_POSTING,
      lastHeartbeatTime: BEFORE,
      lastTransitionTime: NOW_TEXT,
    });
    const memory = plan.conditions?.find((c) => c.type === 'MemoryPressure');
    assert.equal(memory?.reason, 'NodeStatusNeverUpdated');
    assert.equal(memory?.message, MESSAGE_NEVER_POSTED);
    assert.equal(plan.events[0]?.message, 'Node pi-1 status is now: NodeNotReady');
  });

  it('a condition already Unknown keeps its transition time', () => {
    const n = node({ conditions: { Ready: 'True' } });
    const status = n['status'] as { conditions: NodeCondition[] };
    status.conditions.push({ type: 'DiskPressure', status: 'Unknown', reason: 'X', lastTransitionTime: BEFORE });
    const plan = planNodeLifecycle(n, s(-50), NOW, CFG);
    assert.deepEqual(plan.conditions?.find((c) => c.type === 'DiskPressure'), { type: 'DiskPressure', status: 'Unknown', reason: 'X', lastTransitionTime: BEFORE });
  });

  it('the plan over time: quiet until the grace period, marked once, cleared when heard again', () => {
    let n = node({ conditions: HEALTHY });
    const heartbeat = s(0);
    const at = (sec: number, hb: Date): ReturnType<typeof planNodeLifecycle> => planNodeLifecycle(n, hb, s(sec), CFG);
    assert.equal(at(40, heartbeat).conditions, undefined);
    const marked = at(41, heartbeat);
    assert.ok(marked.conditions && marked.taints);
    n = { ...n, status: { conditions: marked.conditions }, spec: { taints: marked.taints } };
    const again = at(300, heartbeat);
    assert.equal(again.conditions, undefined, 'no second write');
    assert.equal(again.taints, undefined);
    const back = at(301, s(301));
    assert.deepEqual(back.taints, []);
    assert.equal(back.conditions, undefined);
  });
});

// The dashboard's pure parts: the heartbeat ring, node health with the heartbeat overlay, pod
// counts per node, the age histogram, and the rollout writes (same annotations as flotctl).
import assert from 'node:assert/strict';
import { HeartbeatRing } from '../../server/dashboard/heartbeat-ring.js';
import { ageHistogram, health, nodePods, nodeRow, podState } from '../../server/dashboard/ui/model.js';
import { fleetView, pausePatch, promotePatch, stagesOf, undoTarget } from '../../server/dashboard/ui/rollout-model.js';
import type { DaemonSet, FleetView, Node, Pod } from '../../server/dashboard/ui/types.js';

const readyNode = (status: string): Node => ({ metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status }] } });
const pod = (name: string, phase: string | undefined, extra: Partial<Pod> = {}): Pod => ({
  metadata: { name, namespace: 'default' },
  spec: { nodeName: 'n1' },
  status: { ...(phase ? { phase } : {}), ...(phase === 'Running' ? { containerStatuses: [{ name: 'c', restartCount: 2, state: { running: {} } }] } : {}) },
  ...extra,
});

describe('dashboard: heartbeat ring', function () {
  it('keeps the last `size` arrivals oldest first, merges near-simultaneous messages, and reports changes once', function () {
    const ring = new HeartbeatRing(3, 250);
    for (const t of [1000, 1100, 2000, 3000, 4000]) ring.record('a', t);
    assert.deepEqual(ring.timeline('a'), [2000, 3000, 4000], '1100 merged into 1000; only the last 3 kept');
    assert.equal(ring.last('a'), 4000);
    ring.record('b', 5000);
    assert.deepEqual([...ring.takeChanged()], [['a', 4000], ['b', 5000]]);
    assert.equal(ring.takeChanged().size, 0, 'nothing new since');
    assert.deepEqual(ring.timeline('never'), []);
  });
});

describe('dashboard: node model', function () {
  const table: { name: string; ready: string; lastSeen?: number; want: string }[] = [
    { name: 'Ready and heard from', ready: 'True', lastSeen: 9_000, want: 'Ready' },
    { name: 'silent past the grace period: Unknown before the controller says so', ready: 'True', lastSeen: 4_000, want: 'Unknown' },
    { name: 'NotReady from the device', ready: 'False', lastSeen: 9_000, want: 'NotReady' },
    { name: 'no heartbeat seen since the hub started: the condition decides', ready: 'True', want: 'Ready' },
    { name: 'condition Unknown', ready: 'Unknown', lastSeen: 9_000, want: 'Unknown' },
  ];
  for (const c of table) {
    it(c.name, function () {
      assert.equal(health(readyNode(c.ready), c.lastSeen, 10_000, 5_000), c.want);
    });
  }

  it('counts pods running / desired per node and marks a node behind while the device has not acted', function () {
    const pods = [pod('a', 'Running'), pod('b', undefined), pod('c', 'Succeeded'), pod('d', 'Running', { metadata: { name: 'd', deletionTimestamp: '2026-01-01T00:00:00Z' } })];
    const per = nodePods(pods).get('n1');
    assert.deepEqual(per, { running: 1, desired: 2, behind: true });
    const row = nodeRow({ metadata: { name: 'n1', labels: { ring: 'canary' }, annotations: { 'flotilla.io/cpu-temperature-celsius': '61.5' } } }, per);
    assert.equal(row.temperature, 61.5);
    assert.equal(row.labels, 'ring=canary');
    assert.equal(podState(pods[3] as Pod), 'Terminating');
  });

  it('buckets heartbeat ages for the fleet picture', function () {
    assert.deepEqual(ageHistogram([99_000, 96_000, 70_000, 0], 100_000), [2, 0, 0, 1, 1, 0, 0]);
  });
});

describe('dashboard: rollout model', function () {
  const view: FleetView = {
    revision: 'abc123',
    stages: [
      { name: 'canary', nodes: 2, updated: 2, updating: 0, waitingOffline: 0, failed: 0, pending: 0, released: true },
      { name: 'batch-1', nodes: 8, updated: 0, updating: 0, waitingOffline: 0, failed: 0, pending: 8, released: false },
    ],
    updated: 2,
    waitingOffline: 0,
    failed: 0,
    complete: false,
    paused: false,
    awaitingPromotion: 'batch-1',
  };
  const ds = (annotations: Record<string, string>, status: DaemonSet['status'] = {}): DaemonSet => ({ metadata: { name: 'x', namespace: 'default', annotations }, status });

  it('reads the fleet view from its annotation and ignores a broken one', function () {
    assert.deepEqual(fleetView(ds({ 'flotilla.io/rollout-status': JSON.stringify(view) })), view);
    assert.equal(fleetView(ds({ 'flotilla.io/rollout-status': '{not json' })), undefined);
  });

  it('falls back to one stage from the status counts before the controller wrote a view', function () {
    const [only] = stagesOf(ds({}, { desiredNumberScheduled: 10, updatedNumberScheduled: 6, numberAvailable: 4 }), undefined);
    assert.deepEqual(only, { name: 'all', nodes: 10, updated: 4, updating: 2, waitingOffline: 0, failed: 0, pending: 4, released: true });
  });

  it('writes the annotations `flotctl rollout` writes: pause, resume, promote the waiting stage', function () {
    assert.deepEqual(pausePatch(true), { metadata: { annotations: { 'flotilla.io/rollout-paused': 'true' } } });
    assert.deepEqual(pausePatch(false), { metadata: { annotations: { 'flotilla.io/rollout-paused': null } } });
    assert.deepEqual(promotePatch(view), { metadata: { annotations: { 'flotilla.io/promoted-stage': 'abc123:1' } } });
    assert.equal(promotePatch({ ...view, awaitingPromotion: 'gone' }), undefined);
  });

  it('undoes to the newest revision below the current one', function () {
    const revs = [3, 2, 1].map((revision) => ({ metadata: { name: `r${revision}` }, revision }));
    assert.equal(undoTarget(revs)?.revision, 2);
    assert.equal(undoTarget(revs.slice(0, 1)), undefined);
  });
});

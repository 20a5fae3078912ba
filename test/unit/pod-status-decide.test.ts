/** The hub's decisions on a device's pod reports: status shape, NodeRestriction, merge, deletion. */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import type { PodStatus } from '../../shared/api/types/index.js';
import type { PodStatusReport } from '../../shared/protocol/index.js';
import type { JsonObject } from '../../shared/util/guards.js';
import { checkReportedPodStatus, decidePodReport, mergePodStatus } from '../../server/link/pod-status.js';

const NOW = '2026-01-01T12:00:00Z';
const EARLIER = '2026-01-01T11:00:00Z';

const RUNNING: JsonObject = {
  phase: 'Running',
  conditions: [
    { type: 'Ready', status: 'True' },
    { type: 'ContainersReady', status: 'True', reason: 'x', message: '' },
  ],
  containerStatuses: [
    {
      name: 'main',
      ready: true,
      restartCount: 2,
      state: { running: { startedAt: '2026-01-01T10:00:00Z' } },
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2026-01-01T09:59:00Z' } },
      image: '127.0.0.1:5000/flotilla/busybox:1.0',
      imageID: 'sha256:abc',
      containerID: 'docker://0123',
      started: true,
    },
  ],
  hostIP: '192.168.1.20',
  podIP: '192.168.1.20',
  startTime: '2026-01-01T10:00:00Z',
};

function withStatus(patch: JsonObject, remove: string[] = []): JsonObject {
  const s: JsonObject = { ...structuredClone(RUNNING), ...patch };
  for (const k of remove) delete s[k];
  return s;
}

function withContainer(patch: JsonObject): JsonObject {
  const list = RUNNING['containerStatuses'] as JsonObject[];
  return withStatus({ containerStatuses: [{ ...structuredClone(list[0]), ...patch }] });
}

describe('pod status: the shape a device must report', () => {
  const good: [string, JsonObject][] = [
    ['a full Running status', RUNNING],
    ['only a phase', { phase: 'Pending' }],
    ['every phase: Succeeded', { phase: 'Succeeded' }],
    ['every phase: Failed', { phase: 'Failed' }],
    ['every phase: Unknown', { phase: 'Unknown' }],
    ['an empty container state (waiting by default)', withContainer({ state: {} })],
    ['waiting with reason and message', withContainer({ state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } })],
    ['terminated with a negative exit code', withContainer({ state: { terminated: { exitCode: -1 } } })],
    ['an empty imageID while pulling', withContainer({ imageID: '', state: { waiting: { reason: 'ContainerCreating' } } })],
    ['init container statuses', withStatus({ initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, state: { terminated: { exitCode: 0 } }, image: 'i', imageID: '' }] })],
    ['null lastProbeTime (as Kubernetes encoders write it)', withStatus({ conditions: [{ type: 'Ready', status: 'False', lastProbeTime: null }] })],
    ['podIPs and hostIPs', withStatus({ podIPs: [{ ip: '10.0.0.1' }], hostIPs: [{ ip: '192.168.1.20' }] })],
    ['an empty hostIP while the device does not know its address', withStatus({ hostIP: '', hostIPs: [{ ip: '' }] })],
    ['the shape agent/pods/status.ts computes (empty lastState, started)', withContainer({ lastState: {}, started: false, state: { waiting: { reason: 'ContainerCreating' } } })],
  ];
  for (const [name, status] of good) {
    it(`accepts ${name}`, () => {
      const r = checkReportedPodStatus(status);
      assert.ok(r.ok, r.ok ? '' : r.message);
    });
  }

  const bad: [string, unknown, string, RegExp][] = [
    ['not an object', 'Running', 'status', /expected object, got string/],
    ['no phase', withStatus({}, ['phase']), 'status.phase', /required/],
    ['an unknown phase', withStatus({ phase: 'Crashing' }), 'status.phase', /must be one of/],
    ['conditions not an array', withStatus({ conditions: {} }), 'status.conditions', /expected array/],
    ['a condition without type', withStatus({ conditions: [{ status: 'True' }] }), 'status.conditions[0].type', /required/],
    ['a condition status that is not True/False/Unknown', withStatus({ conditions: [{ type: 'Ready', status: 'yes' }] }), 'status.conditions[0].status', /must be one of/],
    ['a condition status that is a boolean', withStatus({ conditions: [{ type: 'Ready', status: true }] }), 'status.conditions[0].status', /expected string, got boolean/],
    ['two conditions of one type', withStatus({ conditions: [{ type: 'Ready', status: 'True' }, { type: 'Ready', status: 'False' }] }), 'status.conditions[1].type', /duplicate/],
    ['a bad lastTransitionTime', withStatus({ conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: 'yesterday' }] }), 'status.conditions[0].lastTransitionTime', /RFC 3339/],
    ['containerStatuses not an array', withStatus({ containerStatuses: 'main' }), 'status.containerStatuses', /expected array/],
    ['ready as a string', withContainer({ ready: 'true' }), 'status.containerStatuses[0].ready', /expected boolean, got string/],
    ['restartCount negative', withContainer({ restartCount: -1 }), 'status.containerStatuses[0].restartCount', /between 0/],
    ['restartCount fractional', withContainer({ restartCount: 1.5 }), 'status.containerStatuses[0].restartCount', /integer/],
    ['no state', withContainer({ state: undefined }), 'status.containerStatuses[0].state', /required/],
    ['two states at once', withContainer({ state: { running: {}, terminated: { exitCode: 0 } } }), 'status.containerStatuses[0].state', /at most one/],
    ['terminated without exitCode', withContainer({ state: { terminated: { reason: 'Error' } } }), 'status.containerStatuses[0].state.terminated.exitCode', /required/],
    ['no image', withContainer({ image: undefined }), 'status.containerStatuses[0].image', /required/],
    ['imageID a number', withContainer({ imageID: 7 }), 'status.containerStatuses[0].imageID', /expected string/],
    ['containerID a number', withContainer({ containerID: 7 }), 'status.containerStatuses[0].containerID', /expected string/],
    ['a container name that is not a DNS label', withContainer({ name: 'Main_1' }), 'status.containerStatuses[0].name', /./],
    ['two statuses for one container', withStatus({ containerStatuses: [(RUNNING['containerStatuses'] as unknown[])[0], (RUNNING['containerStatuses'] as unknown[])[0]] }), 'status.containerStatuses[1].name', /duplicate/],
    ['hostIP a number', withStatus({ hostIP: 1 }), 'status.hostIP', /expected string/],
    ['podIP an object', withStatus({ podIP: { ip: 'x' } }), 'status.podIP', /expected string/],
    ['startTime not a timestamp', withStatus({ startTime: '12:00' }), 'status.startTime', /RFC 3339/],
    ['podIPs without ip', withStatus({ podIPs: [{}] }), 'status.podIPs[0].ip', /required/],
  ];
  for (const [name, status, field, re] of bad) {
    it(`refuses ${name}, naming ${field}`, () => {
      const r = checkReportedPodStatus(status);
      assert.equal(r.ok, false);
      assert.ok(!r.ok);
      assert.equal(r.field, field);
      assert.match(r.message, re);
    });
  }

  it('drops fields it does not know, at every level, and the hub-owned ones', () => {
    const r = checkReportedPodStatus({
      ...RUNNING,
      qosClass: 'Guaranteed',
      nominatedNodeName: 'x',
      extra: { a: 1 },
      conditions: [{ type: 'Ready', status: 'True', probe: 1, lastProbeTime: NOW, lastTransitionTime: NOW }],
      containerStatuses: [{ ...(RUNNING['containerStatuses'] as JsonObject[])[0], env: 'SECRET=1', state: { running: { startedAt: NOW, pid: 1 } } }],
    });
    assert.ok(r.ok);
    assert.deepEqual(Object.keys(r.status).sort(), ['conditions', 'containerStatuses', 'hostIP', 'phase', 'podIP', 'startTime']);
    assert.deepEqual(r.status['conditions'], [{ type: 'Ready', status: 'True' }]);
    const c = (r.status['containerStatuses'] as JsonObject[])[0];
    assert.equal(c?.['env'], undefined);
    assert.deepEqual(c?.['state'], { running: { startedAt: NOW } });
  });
});

describe('pod status: merged into the stored status with the hub\'s times', () => {
  it('keeps hub-owned fields, replaces device-owned ones, removes what the device no longer reports', () => {
    const current: PodStatus = { phase: 'Running', qosClass: 'BestEffort', podIP: '10.0.0.9', message: 'old' };
    const next = mergePodStatus(current, { phase: 'Running', hostIP: '192.168.1.20' }, NOW);
    assert.deepEqual(next, { phase: 'Running', qosClass: 'BestEffort', hostIP: '192.168.1.20' });
  });

  const transitions: [string, PodStatus | undefined, string, string][] = [
    ['a new condition gets now', undefined, 'True', NOW],
    ['an unchanged condition keeps its time', { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: EARLIER }] }, 'True', EARLIER],
    ['a changed condition gets now', { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: EARLIER }] }, 'True', NOW],
    ['a condition stored without a time gets now', { conditions: [{ type: 'Ready', status: 'True' }] }, 'True', NOW],
  ];
  for (const [name, current, status, expected] of transitions) {
    it(name, () => {
      const next = mergePodStatus(current, { phase: 'Running', conditions: [{ type: 'Ready', status }] }, NOW);
      assert.deepEqual(next['conditions'], [{ type: 'Ready', status, lastTransitionTime: expected }]);
    });
  }

  it('sets startTime once, from the hub clock, and never moves it', () => {
    assert.equal(mergePodStatus(undefined, { phase: 'Pending' }, NOW)['startTime'], undefined);
    assert.equal(mergePodStatus(undefined, { phase: 'Running', startTime: '1970-01-01T00:00:00Z' }, NOW)['startTime'], NOW);
    assert.equal(mergePodStatus({ startTime: EARLIER }, { phase: 'Running', startTime: '1970-01-01T00:00:00Z' }, NOW)['startTime'], EARLIER);
  });
});

describe('pod status: NodeRestriction and deletion decisions', () => {
  const report = (over: Partial<PodStatusReport> = {}): PodStatusReport => ({ uid: 'u1', namespace: 'default', name: 'web', status: { phase: 'Running' }, ...over });
  const pod = (over: { nodeName?: string; uid?: string; deleting?: boolean; status?: JsonObject } = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: over.uid ?? 'u1',
      resourceVersion: '7',
      ...(over.deleting ? { deletionTimestamp: NOW, deletionGracePeriodSeconds: 30 } : {}),
    },
    spec: { containers: [{ name: 'main', image: 'i' }], ...(over.nodeName !== '' ? { nodeName: over.nodeName ?? 'pi-a' } : {}) },
    status: over.status ?? { phase: 'Pending', qosClass: 'BestEffort' },
  });

  const table: [string, PodStatusReport, KubeObject | undefined, string, RegExp?][] = [
    ['own pod, new status → write', report(), pod(), 'write'],
    ['own pod, same status → no write', report(), pod({ status: { phase: 'Running', qosClass: 'BestEffort' } }), 'unchanged'],
    ['pod that does not exist → reject', report(), undefined, 'reject', /pod default\/web does not exist/],
    ['pod bound to another node → reject', report(), pod({ nodeName: 'pi-b' }), 'reject', /is bound to node pi-b, not to pi-a/],
    ['pod bound to no node → reject', report(), pod({ nodeName: '' }), 'reject', /is not bound to any node, not to pi-a/],
    ['another pod of the same name (uid) → reject', report({ uid: 'u0' }), pod(), 'reject', /has uid u1, not u0/],
    ['malformed status → reject naming the field', report({ status: { phase: 'Running', conditions: [{ type: 'Ready' }] } }), pod(), 'reject', /malformed status of pod default\/web: status\.conditions\[0\]\.status: required/],
    ['terminal pod reported running again → reject', report(), pod({ status: { phase: 'Succeeded' } }), 'reject', /is Succeeded: its phase may not go back to Running/],
    ['terminal to terminal → write', report({ status: { phase: 'Failed' } }), pod({ status: { phase: 'Succeeded' } }), 'write'],
    ['deleted, pod terminating → delete', report({ deleted: true }), pod({ deleting: true }), 'delete'],
    ['deleted, status ignored even if malformed → delete', report({ deleted: true, status: { phase: 7 } }), pod({ deleting: true }), 'delete'],
    ['deleted, pod not terminating → reject', report({ deleted: true }), pod(), 'reject', /reported deleted, but it is not being deleted/],
    ['deleted, pod gone already → ignore', report({ deleted: true }), undefined, 'ignore'],
    ['deleted, a newer pod of that name → ignore', report({ deleted: true, uid: 'u0' }), pod({ deleting: true }), 'ignore'],
    ['deleted, terminating pod on another node → reject', report({ deleted: true }), pod({ deleting: true, nodeName: 'pi-b' }), 'reject', /bound to node pi-b/],
    ['status for a terminating own pod → write', report(), pod({ deleting: true }), 'write'],
  ];
  for (const [name, r, p, action, why] of table) {
    it(name, () => {
      const d = decidePodReport('pi-a', r, p, NOW);
      assert.equal(d.action, action, JSON.stringify(d));
      if (why) assert.match('why' in d ? d.why : '', why);
      if (d.action === 'delete') assert.equal(d.uid, 'u1');
    });
  }

  it('a write carries the merged status (hub fields kept, conditions stamped)', () => {
    const d = decidePodReport('pi-a', report({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], bogus: 1 } }), pod(), NOW);
    assert.equal(d.action, 'write');
    assert.ok(d.action === 'write');
    assert.deepEqual(d.status, { phase: 'Running', qosClass: 'BestEffort', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: NOW }] });
  });
});

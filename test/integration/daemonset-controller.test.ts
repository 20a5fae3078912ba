/**
 * The DaemonSet controller and the garbage collector on fake time, against a real
 * ResourceService and ObjectStore (nedb in a temp dir), wired as server/hub.ts wires them.
 * Nodes and pod statuses are written as the agent link would write them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../shared/api/errors.js';
import { resourceName, SERVED_KINDS } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { Taint } from '../../shared/api/taints.js';
import { rfc3339 } from '../../shared/util/clock.js';
import { isRecord } from '../../shared/util/guards.js';
import { silentLogger } from '../../shared/util/logger.js';
import { InternalClient } from '../../server/apiserver/internal-client.js';
import { ResourceService } from '../../server/apiserver/resource-service.js';
import { daemonSetController } from '../../server/controllers/daemonset/index.js';
import { garbageCollectors } from '../../server/controllers/gc/index.js';
import { ControllerRuntime } from '../../server/controllers/runtime/index.js';
import { EventRecorder } from '../../server/events/recorder.js';
import { ObjectStore } from '../../server/store/object-store.js';
import { FakeClock } from '../support/fake-clock.js';

const IMAGE = '127.0.0.1:5000/flotilla/busybox:1.0';

interface Rig {
  clock: FakeClock;
  store: ObjectStore;
  service: ResourceService;
  client: InternalClient;
  runtime: ControllerRuntime;
  events: EventRecorder;
  dir: string;
}

async function openRig(): Promise<Rig> {
  const clock = new FakeClock();
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-ds-'));
  const store = await ObjectStore.open({ dir, resources: SERVED_KINDS.map(resourceName), clock, logger: silentLogger, compactionIntervalMs: 86_400_000, watchHistory: 10_000 });
  const service = new ResourceService(store, clock);
  await service.ensureSystemNamespaces();
  const client = new InternalClient(service, store);
  const events = new EventRecorder(client, clock, silentLogger, 'daemonset-controller');
  const runtime = new ControllerRuntime([daemonSetController({ client, clock, logger: silentLogger, events }), ...garbageCollectors({ client })], { store, clock, logger: silentLogger, random: () => 0.5 });
  await runtime.start();
  return { clock, store, service, client, runtime, events, dir };
}

async function settle(r: Rig): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await r.runtime.idle();
    await r.events.flush();
    await new Promise((res) => setImmediate(res));
  }
}

async function addNode(r: Rig, name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Promise<void> {
  const created = await r.client.create('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: taints.length ? { taints } : {} });
  const now = rfc3339(r.clock.now());
  await r.client.updateStatus('Node', { ...created, status: { allocatable: { cpu: '4', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: now, lastTransitionTime: now }] } });
}

function daemonSet(name: string, extra: { nodeSelector?: Record<string, string>; annotations?: Record<string, string>; image?: string } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: { name, namespace: 'default', ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: extra.image ?? IMAGE }], ...(extra.nodeSelector ? { nodeSelector: extra.nodeSelector } : {}) },
      },
    },
  };
}

async function podsOf(r: Rig, app: string): Promise<KubeObject[]> {
  return r.client.list('Pod', { namespace: 'default', labelSelector: `app=${app}` });
}

const nodeOf = (p: KubeObject): string => (isRecord(p['spec']) && typeof p['spec']['nodeName'] === 'string' ? p['spec']['nodeName'] : '');
const ownerUids = (p: KubeObject): string[] => (p.metadata.ownerReferences ?? []).map((o) => o.uid);

/** What the agent reports for a pod that runs and is Ready. */
async function markReady(r: Rig, pod: KubeObject): Promise<void> {
  const now = rfc3339(r.clock.now());
  await r.client.patch('Pod', 'default', pod.metadata.name ?? '', 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } }, { status: true });
}

/** What the agent does once it stopped a Terminating pod's containers. */
async function confirmDeletions(r: Rig): Promise<void> {
  for (const p of await r.client.list('Pod', { namespace: 'default' })) {
    if (p.metadata.deletionTimestamp) await r.client.delete('Pod', 'default', p.metadata.name ?? '', { gracePeriodSeconds: 0 }).catch(() => undefined);
  }
}

describe('DaemonSet controller and garbage collector (real store, fake time)', function () {
  let r: Rig;
  before(async () => {
    r = await openRig();
    await addNode(r, 'ds-n1', { role: 'edge' });
    await addNode(r, 'ds-n2', { role: 'edge' });
    await addNode(r, 'ds-n3', { role: 'edge' }, [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }]);
    await addNode(r, 'ds-n4', {});
  });
  after(async () => {
    r.runtime.stop();
    await r.store.close();
    await rm(r.dir, { recursive: true, force: true });
  });

  it('creates one pod per eligible node with revision labels, a ControllerRevision, status and events', async () => {
    const ds = await r.client.create('DaemonSet', daemonSet('web', { nodeSelector: { role: 'edge' } }));
    assert.equal(ds.metadata.annotations?.['deprecated.daemonset.template.generation'], '1');
    await settle(r);
    const pods = await podsOf(r, 'web');
    assert.deepEqual(pods.map(nodeOf).sort(), ['ds-n1', 'ds-n2'], 'no pod on the untolerated taint or the unlabelled node');
    for (const p of pods) {
      assert.deepEqual(ownerUids(p), [ds.metadata.uid]);
      assert.equal(p.metadata.labels?.['pod-template-generation'], '1');
      assert.ok(p.metadata.labels?.['controller-revision-hash']);
    }
    const revisions = await r.client.list('ControllerRevision', { namespace: 'default' });
    assert.equal(revisions.length, 1);
    assert.equal(revisions[0]?.metadata.labels?.['controller-revision-hash'], pods[0]?.metadata.labels?.['controller-revision-hash']);
    const stored = await r.client.get('DaemonSet', 'default', 'web');
    assert.deepEqual(stored?.['status'] && { ...(stored['status'] as Record<string, unknown>), conditions: undefined }, {
      desiredNumberScheduled: 2, currentNumberScheduled: 2, updatedNumberScheduled: 2, numberReady: 0, numberAvailable: 0,
      numberUnavailable: 2, numberMisscheduled: 0, observedGeneration: 1, conditions: undefined,
    });
    const reasons = (await r.client.list('Event', { namespace: 'default' })).filter((e) => isRecord(e['involvedObject']) && e['involvedObject']['name'] === 'web').map((e) => e['reason']);
    assert.equal(reasons.filter((x) => x === 'SuccessfulCreate').length, 2);
    for (const p of pods) await markReady(r, p);
    await settle(r);
    const ready = await r.client.get('DaemonSet', 'default', 'web');
    assert.equal(isRecord(ready?.['status']) ? ready['status']['numberAvailable'] : undefined, 2);
    const fleet = JSON.parse(ready?.metadata.annotations?.['flotilla.io/rollout-status'] ?? '{}') as { complete?: boolean; updated?: number };
    assert.deepEqual([fleet.complete, fleet.updated], [true, 2]);
  });

  it('places a pod on a node that gets the label and removes it when the label goes', async () => {
    const n4 = await r.client.get('Node', undefined, 'ds-n4');
    assert.ok(n4);
    await r.client.patch('Node', undefined, 'ds-n4', 'merge', { metadata: { labels: { role: 'edge' } } });
    await settle(r);
    assert.deepEqual((await podsOf(r, 'web')).map(nodeOf).sort(), ['ds-n1', 'ds-n2', 'ds-n4']);
    await r.client.patch('Node', undefined, 'ds-n4', 'merge', { metadata: { labels: { role: null } } });
    await settle(r);
    const onN4 = (await podsOf(r, 'web')).filter((p) => nodeOf(p) === 'ds-n4');
    assert.ok(onN4.every((p) => p.metadata.deletionTimestamp), 'the pod on the node that lost its label is being deleted');
    await confirmDeletions(r);
    await settle(r);
  });

  it('adopts a matching orphan and releases a pod whose labels stop matching', async () => {
    const ds = await r.client.get('DaemonSet', 'default', 'web');
    const orphan = await r.client.create('Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-orphan', namespace: 'default', labels: { app: 'web' } }, spec: { nodeName: 'ds-n1', containers: [{ name: 'main', image: IMAGE }] } });
    await settle(r);
    const adopted = await r.client.get('Pod', 'default', orphan.metadata.name ?? '');
    assert.deepEqual(adopted && ownerUids(adopted), [ds?.metadata.uid]);
    await confirmDeletions(r);
    await settle(r);
    const [first] = (await podsOf(r, 'web')).filter((p) => nodeOf(p) === 'ds-n2');
    assert.ok(first);
    await r.client.patch('Pod', 'default', first.metadata.name ?? '', 'merge', { metadata: { labels: { app: 'debug' } } });
    await settle(r);
    const released = await r.client.get('Pod', 'default', first.metadata.name ?? '');
    assert.deepEqual(released?.metadata.ownerReferences ?? [], [], 'released: no ownerReference left');
    assert.equal((await podsOf(r, 'web')).filter((p) => nodeOf(p) === 'ds-n2').length, 1, 'a replacement was created');
    await r.client.delete('Pod', 'default', first.metadata.name ?? '', { gracePeriodSeconds: 0 });
  });

  it('a template change bumps the template generation and rolls out one node at a time', async () => {
    const ds = await r.client.get('DaemonSet', 'default', 'web');
    assert.ok(ds);
    for (const p of await podsOf(r, 'web')) await markReady(r, p);
    await settle(r);
    await r.client.patch('DaemonSet', 'default', 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'main', image: `${IMAGE}-b` }] } } } });
    const updated = await r.client.get('DaemonSet', 'default', 'web');
    assert.equal(updated?.metadata.annotations?.['deprecated.daemonset.template.generation'], '2');
    await settle(r);
    const deleting = (await podsOf(r, 'web')).filter((p) => p.metadata.deletionTimestamp);
    assert.equal(deleting.length, 1, 'maxUnavailable 1: one old pod goes first');
    for (let i = 0; i < 4; i++) {
      await confirmDeletions(r);
      await settle(r);
      for (const p of await podsOf(r, 'web')) if (!p.metadata.deletionTimestamp) await markReady(r, p);
      await settle(r);
    }
    const pods = await podsOf(r, 'web');
    assert.deepEqual(pods.map((p) => p.metadata.labels?.['pod-template-generation']), ['2', '2']);
    assert.equal((await r.client.list('ControllerRevision', { namespace: 'default' })).length, 2);
  });

  it('refuses bad rollout annotations at apply time, naming the annotation', async () => {
    await assert.rejects(
      r.client.create('DaemonSet', daemonSet('bad', { annotations: { 'flotilla.io/failure-budget': 'lots' } })),
      (e: unknown) => e instanceof ApiError && e.code === 422 && /flotilla\.io\/failure-budget/.test(JSON.stringify(e.toStatus())),
    );
  });

  it('delete with propagationPolicy Orphan leaves the pods, without owner', async () => {
    await r.client.create('DaemonSet', daemonSet('orph', { nodeSelector: { role: 'edge' } }));
    await settle(r);
    const before = await podsOf(r, 'orph');
    assert.equal(before.length, 2);
    await r.client.delete('DaemonSet', 'default', 'orph', { propagationPolicy: 'Orphan' });
    await settle(r);
    assert.equal(await r.client.get('DaemonSet', 'default', 'orph'), undefined, 'the DaemonSet is gone');
    const after = await podsOf(r, 'orph');
    assert.deepEqual(after.map((p) => p.metadata.name).sort(), before.map((p) => p.metadata.name).sort());
    assert.ok(after.every((p) => !p.metadata.deletionTimestamp && ownerUids(p).length === 0));
    for (const p of after) await r.client.delete('Pod', 'default', p.metadata.name ?? '', { gracePeriodSeconds: 0 });
  });

  it('delete with propagationPolicy Foreground keeps the owner until its pods are gone', async () => {
    await r.client.create('DaemonSet', daemonSet('fg', { nodeSelector: { role: 'edge' } }));
    await settle(r);
    await r.client.delete('DaemonSet', 'default', 'fg', { propagationPolicy: 'Foreground' });
    await settle(r);
    const held = await r.client.get('DaemonSet', 'default', 'fg');
    assert.deepEqual(held?.metadata.finalizers, ['foregroundDeletion']);
    assert.ok((await podsOf(r, 'fg')).every((p) => p.metadata.deletionTimestamp), 'its pods are being deleted');
    await confirmDeletions(r);
    await settle(r);
    assert.equal(await r.client.get('DaemonSet', 'default', 'fg'), undefined, 'gone after its pods');
    assert.equal((await podsOf(r, 'fg')).length, 0);
  });

  it('delete in the background removes the DaemonSet at once and then its pods and revisions', async () => {
    await r.client.delete('DaemonSet', 'default', 'web', { propagationPolicy: 'Background' });
    await settle(r);
    assert.ok((await podsOf(r, 'web')).every((p) => p.metadata.deletionTimestamp));
    await confirmDeletions(r);
    await settle(r);
    assert.equal((await podsOf(r, 'web')).length, 0);
    const left = (await r.client.list('ControllerRevision', { namespace: 'default' })).map((c) => c.metadata.name ?? '');
    assert.deepEqual(left.filter((n) => !n.startsWith('orph-')), [], 'only the orphaned DaemonSet\'s revision stays');
  });
});

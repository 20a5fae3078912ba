/**
 * The node-lifecycle and taint-eviction controllers on fake time, driving a real
 * ResourceService and ObjectStore (nedb in a temp dir), built the way server/hub.ts builds
 * them. Heartbeats are fed to a real LeaseTracker; time moves only when the test says.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceName, SERVED_KINDS } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { taintsOf, type Toleration } from '../../shared/api/taints.js';
import { fromStore, type Node } from '../../shared/api/types/index.js';
import { rfc3339 } from '../../shared/util/clock.js';
import { silentLogger } from '../../shared/util/logger.js';
import { InternalClient } from '../../server/apiserver/internal-client.js';
import { ResourceService } from '../../server/apiserver/resource-service.js';
import { nodeLifecycleController } from '../../server/controllers/node-lifecycle/controller.js';
import { ControllerRuntime } from '../../server/controllers/runtime/index.js';
import { taintEvictionController } from '../../server/controllers/taint-eviction/controller.js';
import { EventRecorder } from '../../server/events/recorder.js';
import { LeaseTracker } from '../../server/fleet/leases.js';
import { ObjectStore } from '../../server/store/object-store.js';
import { FakeClock } from '../support/fake-clock.js';

const GRACE_MS = 40_000;
/** Checks land on whole seconds: a silence longer than 40 s is noticed at 41 s. */
const PERIOD_MS = 1_000;
const UNREACHABLE = 'node.kubernetes.io/unreachable';

const HEALTHY = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'].map((type) => ({
  type,
  status: type === 'Ready' ? 'True' : 'False',
  reason: type === 'Ready' ? 'AgentReady' : `AgentHasNo${type}`,
  message: 'reported by the agent',
}));

interface Rig {
  clock: FakeClock;
  store: ObjectStore;
  client: InternalClient;
  leases: LeaseTracker;
  controllers: ControllerRuntime;
  events: EventRecorder[];
  dir: string;
}

async function openRig(clock = new FakeClock(), dir?: string): Promise<Rig> {
  const dataDir = dir ?? (await mkdtemp(join(tmpdir(), 'flotilla-lifecycle-')));
  const store = await ObjectStore.open({
    dir: dataDir,
    resources: SERVED_KINDS.map(resourceName),
    clock,
    logger: silentLogger,
    compactionIntervalMs: 24 * 3_600_000,
    watchHistory: 10_000,
  });
  const service = new ResourceService(store, clock);
  await service.ensureSystemNamespaces();
  const client = new InternalClient(service, store);
  const leases = new LeaseTracker(clock);
  const nodeEvents = new EventRecorder(client, clock, silentLogger, 'node-controller');
  const podEvents = new EventRecorder(client, clock, silentLogger, 'taint-eviction-controller');
  const controllers = new ControllerRuntime(
    [
      nodeLifecycleController({
        client,
        leases,
        clock,
        logger: silentLogger,
        events: nodeEvents,
        config: { nodeMonitorGracePeriodMs: GRACE_MS, nodeMonitorPeriodMs: PERIOD_MS },
      }),
      taintEvictionController({ client, clock, logger: silentLogger, events: podEvents }),
    ],
    { store, clock, logger: silentLogger, random: () => 0.5 },
  );
  await controllers.start();
  return { clock, store, client, leases, controllers, events: [nodeEvents, podEvents], dir: dataDir };
}

async function closeRig(r: Rig, removeDir = true): Promise<void> {
  r.controllers.stop();
  await settle(r);
  await r.store.close();
  if (removeDir) await rm(r.dir, { recursive: true, force: true });
}

/** Until both controllers are idle and every Event is written (work in one wakes the other). */
async function settle(r: Rig): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await r.controllers.idle();
    await Promise.all(r.events.map((e) => e.flush()));
    await new Promise((res) => setImmediate(res));
  }
}

/** Moves fake time in 1 s steps, letting the controllers run at each step, as real time would. */
async function advance(r: Rig, ms: number, each?: (elapsedMs: number) => void): Promise<void> {
  for (let done = 0; done < ms; ) {
    const step = Math.min(1000, ms - done);
    r.clock.advance(step);
    done += step;
    each?.(done);
    await settle(r);
  }
}

async function createNode(r: Rig, name: string): Promise<KubeObject> {
  await r.client.create('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {} });
  const node = await r.client.get('Node', undefined, name);
  assert.ok(node);
  const now = rfc3339(r.clock.now());
  // What the agent link writes when the agent reports.
  const written = await r.client.updateStatus('Node', {
    ...node,
    status: { conditions: HEALTHY.map((c) => ({ ...c, lastHeartbeatTime: now, lastTransitionTime: now })) },
  });
  r.leases.renew(name, GRACE_MS);
  await settle(r);
  return written;
}

async function createPod(r: Rig, name: string, nodeName: string | undefined, tolerations?: Toleration[]): Promise<KubeObject> {
  return r.client.create('Pod', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: [{ name: 'main', image: '127.0.0.1:5000/flotilla/busybox:1.0' }],
      ...(tolerations ? { tolerations } : {}),
    },
  });
}

async function node(r: Rig, name: string): Promise<Node> {
  const n = await r.client.get('Node', undefined, name);
  assert.ok(n, `node ${name} exists (it is never deleted)`);
  return fromStore('Node', n);
}

async function pod(r: Rig, name: string): Promise<KubeObject | undefined> {
  return r.client.get('Pod', 'default', name);
}

function conditionStatuses(n: Node): Record<string, string> {
  return Object.fromEntries((n.status?.conditions ?? []).map((c) => [c.type, c.status]));
}

function taintIds(n: Node): string[] {
  return taintsOf(n).map((t) => `${t.key}:${t.effect}`);
}

async function eventReasons(r: Rig, involvedName: string): Promise<string[]> {
  const events = await r.client.list('Event', { fieldSelector: `involvedObject.name=${involvedName}` });
  return events.map((e) => String(e['reason']));
}

describe('lifecycle controllers on fake time (real ResourceService + ObjectStore)', function () {
  this.timeout(120_000);
  let r: Rig;

  beforeEach(async () => {
    r = await openRig();
  });
  afterEach(async () => {
    await closeRig(r);
  });

  it('a silent node goes Unknown and is tainted after 40 s; pods are evicted per their tolerations; heartbeat back clears the taints', async () => {
    const t0 = r.clock.now().getTime();
    const sec = (): number => (r.clock.now().getTime() - t0) / 1000;
    await createNode(r, 'pi-1');
    const tol10 = await createPod(r, 'tol10', 'pi-1', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }]);
    await createPod(r, 'defaults', 'pi-1');
    await createPod(r, 'forever', 'pi-1', [{ operator: 'Exists', effect: 'NoExecute' }]);
    await createPod(r, 'unbound', undefined);
    await settle(r);

    // Admission gave the pod without tolerations Kubernetes' default 300 s ones.
    const defaults = await pod(r, 'defaults');
    assert.deepEqual((defaults?.['spec'] as { tolerations: unknown }).tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    assert.equal((tol10['spec'] as { tolerations: unknown[] }).tolerations.length, 2, 'not-ready added, unreachable kept');

    // Heartbeats every 10 s for 30 s: nothing is written to the Node (steady state).
    const steadyRv = (await node(r, 'pi-1')).metadata.resourceVersion;
    await advance(r, 30_000, (ms) => {
      if (ms % 10_000 === 0) r.leases.renew('pi-1', GRACE_MS);
    });
    assert.equal((await node(r, 'pi-1')).metadata.resourceVersion, steadyRv, 'no writes while heartbeats arrive');

    // Last heartbeat at 30 s. At 70 s (exactly 40 s of silence): still fine.
    await advance(r, 40_000);
    assert.equal(sec(), 70);
    assert.equal(conditionStatuses(await node(r, 'pi-1'))['Ready'], 'True');
    assert.deepEqual(taintIds(await node(r, 'pi-1')), []);

    // At 71 s (more than 40 s of silence, at the next 1 s check): Unknown everywhere, unreachable taints, an Event.
    await advance(r, 1_000);
    const silent = await node(r, 'pi-1');
    assert.deepEqual(conditionStatuses(silent), { Ready: 'Unknown', MemoryPressure: 'Unknown', DiskPressure: 'Unknown', PIDPressure: 'Unknown', NetworkUnavailable: 'Unknown' });
    assert.deepEqual(taintIds(silent), [`${UNREACHABLE}:NoSchedule`, `${UNREACHABLE}:NoExecute`]);
    const noExecute = taintsOf(silent).find((t) => t.effect === 'NoExecute');
    assert.equal(noExecute?.timeAdded, rfc3339(r.clock.now()));
    assert.ok((await eventReasons(r, 'pi-1')).includes('NodeNotReady'));
    const markedRv = silent.metadata.resourceVersion;

    // tolerationSeconds 10 from the taint's timeAdded: still there at 80 s, Terminating at 81 s.
    await advance(r, 9_000);
    assert.equal((await pod(r, 'tol10'))?.metadata.deletionTimestamp, undefined);
    await advance(r, 1_000);
    assert.equal(sec(), 81);
    const evicted = await pod(r, 'tol10');
    assert.ok(evicted, 'graceful: the pod stays until its agent has stopped it');
    assert.equal(evicted.metadata.deletionTimestamp, rfc3339(new Date(r.clock.now().getTime() + 30_000)));
    assert.equal(evicted.metadata.deletionGracePeriodSeconds, 30);
    const conditions = (evicted['status'] as { conditions?: { type: string; reason?: string }[] } | undefined)?.conditions ?? [];
    assert.ok(conditions.some((c) => c.type === 'DisruptionTarget' && c.reason === 'DeletionByTaintManager'));
    assert.deepEqual(await eventReasons(r, 'tol10'), ['TaintManagerEviction']);
    assert.equal((await pod(r, 'defaults'))?.metadata.deletionTimestamp, undefined);

    // The default 300 s: Terminating at 71 + 300 = 371 s, not at 370 s.
    await advance(r, 289_000);
    assert.equal(sec(), 370);
    assert.equal((await pod(r, 'defaults'))?.metadata.deletionTimestamp, undefined);
    await advance(r, 1_000);
    assert.ok((await pod(r, 'defaults'))?.metadata.deletionTimestamp, 'evicted at 371 s');
    assert.equal((await pod(r, 'forever'))?.metadata.deletionTimestamp, undefined, 'tolerated forever');
    assert.equal((await pod(r, 'unbound'))?.metadata.deletionTimestamp, undefined, 'not on the node');
    assert.equal((await node(r, 'pi-1')).metadata.resourceVersion, markedRv, 'the Node was written once');

    // A week of silence later the node and the tolerating pod are still there.
    await advance(r, 600_000);
    r.clock.advance(7 * 86_400_000);
    await settle(r);
    assert.equal((await pod(r, 'forever'))?.metadata.deletionTimestamp, undefined);

    // Heartbeat back: the unreachable taints go; the evictions stay recorded for the agent.
    r.leases.renew('pi-1', GRACE_MS);
    await settle(r);
    const back = await node(r, 'pi-1');
    assert.deepEqual(taintIds(back), []);
    assert.ok((await pod(r, 'tol10'))?.metadata.deletionTimestamp);

    // The agent, having stopped the containers, deletes with grace 0: gone.
    await r.client.delete('Pod', 'default', 'tol10', { gracePeriodSeconds: 0 });
    assert.equal(await pod(r, 'tol10'), undefined);
  });

  it("a user's NoExecute taint evicts pods that do not tolerate it at once, and no others", async () => {
    await createNode(r, 'pi-2');
    await createPod(r, 'plain', 'pi-2');
    await createPod(r, 'tolerant', 'pi-2', [{ key: 'maintenance', operator: 'Exists' }]);
    await createPod(r, 'brief', 'pi-2', [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }]);
    // Added through the API without timeAdded: counted from when the controller first saw it.
    await r.client.patch('Node', undefined, 'pi-2', 'merge', { spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] } });
    r.leases.renew('pi-2', GRACE_MS);
    await settle(r);
    assert.ok((await pod(r, 'plain'))?.metadata.deletionTimestamp);
    assert.equal((await pod(r, 'tolerant'))?.metadata.deletionTimestamp, undefined);
    assert.equal((await pod(r, 'brief'))?.metadata.deletionTimestamp, undefined);
    await advance(r, 5_000, () => r.leases.renew('pi-2', GRACE_MS));
    assert.ok((await pod(r, 'brief'))?.metadata.deletionTimestamp);
    assert.equal((await pod(r, 'tolerant'))?.metadata.deletionTimestamp, undefined);
    // The lifecycle controller left the user's taint alone.
    assert.deepEqual(taintIds(await node(r, 'pi-2')), ['maintenance:NoExecute']);
  });

  it('cordoning adds the unschedulable taint; uncordoning removes it', async () => {
    await createNode(r, 'pi-3');
    await r.client.patch('Node', undefined, 'pi-3', 'merge', { spec: { unschedulable: true } });
    await settle(r);
    assert.deepEqual(taintIds(await node(r, 'pi-3')), ['node.kubernetes.io/unschedulable:NoSchedule']);
    await r.client.patch('Node', undefined, 'pi-3', 'merge', { spec: { unschedulable: null } });
    await settle(r);
    assert.deepEqual(taintIds(await node(r, 'pi-3')), []);
  });

  it('a node that never reports is marked after the grace period from its creation', async () => {
    await r.client.create('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-new' }, spec: {} });
    await settle(r);
    assert.ok((await eventReasons(r, 'pi-new')).includes('RegisteredNode'));
    await advance(r, 40_000);
    assert.deepEqual(taintIds(await node(r, 'pi-new')), []);
    await advance(r, 1_000);
    const n = await node(r, 'pi-new');
    assert.equal(conditionStatuses(n)['Ready'], 'Unknown');
    assert.deepEqual(taintIds(n), [`${UNREACHABLE}:NoSchedule`, `${UNREACHABLE}:NoExecute`]);
  });

  it('a hub restart keeps a silent node tainted with its timeAdded, so eviction deadlines hold', async () => {
    await createNode(r, 'pi-4');
    await createPod(r, 'p', 'pi-4', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 100 }]);
    await advance(r, 41_000);
    const marked = await node(r, 'pi-4');
    const timeAdded = taintsOf(marked).find((t) => t.effect === 'NoExecute')?.timeAdded;
    assert.ok(timeAdded);

    // Restart 60 s into the silence: new controllers, new (empty) leases, same store.
    const { clock, dir } = r;
    await closeRig(r, false);
    clock.advance(60_000);
    r = await openRig(clock, dir);
    await settle(r);
    const after = await node(r, 'pi-4');
    assert.equal(after.metadata.resourceVersion, marked.metadata.resourceVersion, 'nothing rewritten on start');
    assert.equal(taintsOf(after).find((t) => t.effect === 'NoExecute')?.timeAdded, timeAdded);

    // 100 s after the taint was added (40 s after the restart), not 100 s after the restart.
    await advance(r, 39_000);
    assert.equal((await pod(r, 'p'))?.metadata.deletionTimestamp, undefined);
    await advance(r, 1_000);
    assert.ok((await pod(r, 'p'))?.metadata.deletionTimestamp);
  });
});

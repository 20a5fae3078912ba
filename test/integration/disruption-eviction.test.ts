/**
 * PodDisruptionBudgets and the eviction subresource on a real ResourceService and ObjectStore
 * (nedb in a temp dir) with the disruption controller running on the controller runtime, built
 * as server/hub.ts builds them. Pods' readiness is written as the agent link writes it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../shared/api/errors.js';
import { resourceName, SERVED_KINDS } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { fromStore, type PodDisruptionBudgetStatus } from '../../shared/api/types/index.js';
import { silentLogger } from '../../shared/util/logger.js';
import { Evictions } from '../../server/apiserver/eviction.js';
import { InternalClient } from '../../server/apiserver/internal-client.js';
import { ResourceService } from '../../server/apiserver/resource-service.js';
import { disruptionController } from '../../server/controllers/disruption/index.js';
import { ControllerRuntime } from '../../server/controllers/runtime/index.js';
import { ObjectStore } from '../../server/store/object-store.js';
import { FakeClock } from '../support/fake-clock.js';

describe('PodDisruptionBudgets and pods/eviction', function () {
  const clock = new FakeClock();
  let dir: string;
  let store: ObjectStore;
  let client: InternalClient;
  let evictions: Evictions;
  let controllers: ControllerRuntime;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-disruption-'));
    store = await ObjectStore.open({ dir, resources: SERVED_KINDS.map(resourceName), clock, logger: silentLogger, compactionIntervalMs: 3_600_000, watchHistory: 1000 });
    const service = new ResourceService(store, clock);
    await service.ensureSystemNamespaces();
    client = new InternalClient(service, store);
    evictions = new Evictions({ service, store, clock });
    controllers = new ControllerRuntime([disruptionController({ client, clock })], { store, clock, logger: silentLogger });
    await controllers.start();
    await client.create('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-1' }, spec: {} });
  });
  after(async function () {
    controllers?.stop();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function pod(name: string, app: string, phase: 'Running' | 'Pending' = 'Running', ready = true): Promise<void> {
    const meta = { name, namespace: 'default', labels: { app } };
    const created = await client.create('Pod', { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: { nodeName: 'pi-1', containers: [{ name: 'c', image: 'busybox' }] } });
    await client.updateStatus('Pod', { ...created, status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
  }

  async function budget(name: string, spec: Record<string, unknown>): Promise<void> {
    await client.create('PodDisruptionBudget', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, spec });
  }

  async function status(name: string): Promise<PodDisruptionBudgetStatus> {
    await controllers.idle();
    const o = await client.get('PodDisruptionBudget', 'default', name);
    assert.ok(o);
    return fromStore('PodDisruptionBudget', o).status ?? {};
  }

  const eviction = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...extra });
  const deleting = async (name: string): Promise<boolean> => (await client.get('Pod', 'default', name))?.metadata.deletionTimestamp !== undefined;

  it('fills the status as Kubernetes does: expected, desired and current healthy, disruptions allowed, condition', async function () {
    for (const n of ['web-1', 'web-2', 'web-3']) await pod(n, 'web');
    await budget('web', { minAvailable: 2, selector: { matchLabels: { app: 'web' } } });
    const s = await status('web');
    assert.deepEqual([s.expectedPods, s.desiredHealthy, s.currentHealthy, s.disruptionsAllowed, s.observedGeneration], [3, 2, 3, 1, 1]);
    assert.deepEqual(s.conditions?.map((c) => [c.type, c.status, c.reason]), [['DisruptionAllowed', 'True', 'SufficientPods']]);
  });

  it('evicts while the budget allows, recording the disruption; then refuses with 429 and the Kubernetes message', async function () {
    assert.deepEqual(await evictions.evict('default', 'web-1', eviction('web-1', { deleteOptions: { gracePeriodSeconds: 7 } }), false), { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', code: 201 });
    const gone = await client.get('Pod', 'default', 'web-1');
    assert.equal(gone?.metadata.deletionGracePeriodSeconds, 7, 'the pod is deleted gracefully, with the grace period asked for');
    const s = await status('web');
    assert.equal(s.disruptionsAllowed, 0);
    assert.equal(s.currentHealthy, 2);

    await assert.rejects(evictions.evict('default', 'web-2', eviction('web-2'), false), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 429);
      assert.equal(e.reason, 'TooManyRequests');
      assert.equal(e.message, "Cannot evict pod as it would violate the pod's disruption budget.");
      assert.equal(e.details?.causes?.[0]?.message, 'The disruption budget web needs 2 healthy pods and has 2 currently');
      return true;
    });
    assert.equal(await deleting('web-2'), false, 'a refused eviction leaves the pod alone');
  });

  it('lets concurrent evictions spend the budget exactly once', async function () {
    for (const n of ['db-1', 'db-2', 'db-3', 'db-4']) await pod(n, 'db');
    await budget('db', { maxUnavailable: 1, selector: { matchLabels: { app: 'db' } } });
    assert.equal((await status('db')).disruptionsAllowed, 1);
    const results = await Promise.allSettled(['db-1', 'db-2', 'db-3', 'db-4'].map((n) => evictions.evict('default', n, eviction(n), false)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join('; '));
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as ApiError).code, 429);
    const s = await status('db');
    // The evicted pod is being deleted: no longer healthy, no longer awaited in disruptedPods.
    assert.deepEqual([s.currentHealthy, s.disruptionsAllowed, s.disruptedPods], [3, 0, undefined]);
  });

  it('always evicts a pending pod, and an unready one when the budget is otherwise healthy', async function () {
    await pod('cache-1', 'cache');
    await pod('cache-2', 'cache', 'Pending', false);
    await pod('cache-3', 'cache', 'Running', false);
    await budget('cache', { minAvailable: 1, selector: { matchLabels: { app: 'cache' } } });
    assert.equal((await status('cache')).disruptionsAllowed, 0);
    await evictions.evict('default', 'cache-2', eviction('cache-2'), false);
    await evictions.evict('default', 'cache-3', eviction('cache-3'), false);
    assert.equal(await deleting('cache-2'), true);
    assert.equal(await deleting('cache-3'), true);
    await assert.rejects(evictions.evict('default', 'cache-1', eviction('cache-1'), false), /violate the pod's disruption budget/);
  });

  it('a budget the controller has not seen yet holds its pods back (429, still being processed)', async function () {
    await pod('q-1', 'queue');
    controllers.stop();
    try {
      await budget('queue', { minAvailable: 0, selector: { matchLabels: { app: 'queue' } } });
      await assert.rejects(evictions.evict('default', 'q-1', eviction('q-1'), false), (e: unknown) => e instanceof ApiError && e.code === 429 && e.details?.retryAfterSeconds === 10);
    } finally {
      controllers = new ControllerRuntime([disruptionController({ client, clock })], { store, clock, logger: silentLogger });
      await controllers.start();
    }
    assert.equal((await status('queue')).disruptionsAllowed, 1);
    await evictions.evict('default', 'q-1', eviction('q-1'), false);
  });

  it('dry run changes nothing; bad Eviction bodies name the field', async function () {
    await pod('dry-1', 'dry');
    await evictions.evict('default', 'dry-1', eviction('dry-1', { deleteOptions: { dryRun: ['All'] } }), false);
    assert.equal(await deleting('dry-1'), false);
    await assert.rejects(evictions.evict('default', 'dry-1', eviction('other'), false), /name in URL does not match name in Eviction object/);
    await assert.rejects(evictions.evict('default', 'dry-1', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dry-1' } }, false), /policy\/v1 Eviction/);
    await assert.rejects(evictions.evict('default', 'missing', eviction('missing'), false), /pods "missing" not found/);
  });

  it('refuses a pod covered by two budgets, as Kubernetes does', async function () {
    await pod('two-1', 'two');
    await budget('two-a', { maxUnavailable: 1, selector: { matchLabels: { app: 'two' } } });
    await budget('two-b', { maxUnavailable: 1, selector: {} });
    await assert.rejects(evictions.evict('default', 'two-1', eviction('two-1'), false), /more than one PodDisruptionBudget/);
    await client.delete('PodDisruptionBudget', 'default', 'two-b');
  });
});

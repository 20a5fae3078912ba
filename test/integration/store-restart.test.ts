/** Durability: everything acknowledged before `kill -9` is there after restart, and resourceVersions keep rising. */
import assert from 'node:assert/strict';
import type { KubeList, KubeObject } from '../../shared/api/meta.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { configMap, daemonSet } from '../support/fixtures.js';

const NS = '/api/v1/namespaces/default';

describe('store durability across kill -9', function () {
  let hub: HubHandle;
  let api: Api;

  before(async function () {
    hub = await startHub();
    api = apiClient(endpoint(hub));
  });
  after(async function () {
    await hub?.dispose();
  });

  it('keeps every acknowledged write, updates and deletes included', async function () {
    const acked = new Map<string, KubeObject>();
    // 60 concurrent creates, then updates and deletes on some of them.
    const created = await Promise.all(
      Array.from({ length: 60 }, (_, i) => api<KubeObject>(`${NS}/configmaps`, { method: 'POST', body: configMap(`dur-${i}`, { i: String(i) }) })),
    );
    for (const r of created) {
      assert.equal(r.status, 201);
      acked.set(r.body.metadata.name ?? '', r.body);
    }
    for (let i = 0; i < 10; i++) {
      const r = await api<KubeObject>(`${NS}/configmaps/dur-${i}`, { method: 'PATCH', contentType: 'application/merge-patch+json', body: { data: { i: `updated-${i}` } } });
      acked.set(`dur-${i}`, r.body);
    }
    for (let i = 50; i < 60; i++) {
      assert.equal((await api(`${NS}/configmaps/dur-${i}`, { method: 'DELETE' })).status, 200);
      acked.delete(`dur-${i}`);
    }
    const ds = await api<KubeObject>('/apis/apps/v1/namespaces/default/daemonsets', { method: 'POST', body: daemonSet('survivor') });
    assert.equal(ds.status, 201);
    const lastRv = Number((await api<KubeList>(`${NS}/configmaps`)).body.metadata.resourceVersion);

    await hub.restart({ hard: true });

    const after = await api<KubeList>(`${NS}/configmaps?labelSelector=`);
    const byName = new Map(after.body.items.map((o) => [o.metadata.name ?? '', o]));
    for (const [name, obj] of acked) assert.deepEqual(byName.get(name), obj, `${name} after restart`);
    for (let i = 50; i < 60; i++) assert.equal(byName.has(`dur-${i}`), false, `dur-${i} stays deleted`);
    // The DaemonSet controller writes status and its rollout annotation after the create: what
    // was acknowledged to the user (identity, labels, spec) must survive unchanged.
    const dsAfter = await api<KubeObject>('/apis/apps/v1/namespaces/default/daemonsets/survivor');
    assert.equal(dsAfter.body.metadata.uid, ds.body.metadata.uid);
    assert.equal(dsAfter.body.metadata.creationTimestamp, ds.body.metadata.creationTimestamp);
    assert.deepEqual(dsAfter.body.metadata.labels, ds.body.metadata.labels);
    assert.deepEqual(dsAfter.body['spec'], ds.body['spec']);

    assert.ok(Number(after.body.metadata.resourceVersion) >= lastRv);
    const next = await api<KubeObject>(`${NS}/configmaps`, { method: 'POST', body: configMap('after-restart') });
    assert.ok(Number(next.body.metadata.resourceVersion) > lastRv, 'resourceVersions keep increasing');
  });

  it('keeps the admin token, so the old kubeconfig still works', async function () {
    const before = hub.token;
    await hub.restart();
    const r = await api(`${NS}/configmaps/after-restart`);
    assert.equal(r.status, 200);
    assert.equal(hub.token, before);
  });
});

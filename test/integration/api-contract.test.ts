/** The API contract over HTTP against a real hub process: CRUD, selectors, watch, concurrency, generation, status. */
import assert from 'node:assert/strict';
import type { KubeList, KubeObject } from '../../shared/api/meta.js';
import type { Status } from '../../shared/api/errors.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, readWatch, type Api } from '../support/http.js';
import { configMap, daemonSet, node, pod } from '../support/fixtures.js';
import { stable } from '../support/wait.js';

const NS = '/api/v1/namespaces/default';
const DS = '/apis/apps/v1/namespaces/default/daemonsets';

describe('API contract (real hub over HTTP)', function () {
  let hub: HubHandle;
  let api: Api;

  before(async function () {
    hub = await startHub({ extraArgs: ['--watch-history', '20'] });
    api = apiClient(endpoint(hub));
  });
  after(async function () {
    await hub?.dispose();
  });

  it('answers readyz without a token and refuses the API without a valid one (401 Status)', async function () {
    const ready = await api('/readyz', { token: null });
    assert.equal(ready.status, 200);
    assert.equal(ready.text, 'ok');
    for (const token of [null, 'wrong-token']) {
      const r = await api<Status>(`${NS}/configmaps`, { token });
      assert.equal(r.status, 401);
      assert.equal(r.body.kind, 'Status');
      assert.equal(r.body.reason, 'Unauthorized');
    }
  });

  it('creates, gets, lists, updates and deletes a ConfigMap with server-owned metadata', async function () {
    const created = await api<KubeObject>(`${NS}/configmaps`, { method: 'POST', body: configMap('crud', { k: 'v' }) });
    assert.equal(created.status, 201);
    const m = created.body.metadata;
    assert.match(m.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.match(m.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(m.namespace, 'default');
    assert.ok(Number(m.resourceVersion) > 0);

    const got = await api<KubeObject>(`${NS}/configmaps/crud`);
    assert.deepEqual(got.body, created.body);

    const dup = await api<Status>(`${NS}/configmaps`, { method: 'POST', body: configMap('crud') });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.reason, 'AlreadyExists');

    const upd = await api<KubeObject>(`${NS}/configmaps/crud`, { method: 'PUT', body: { ...got.body, data: { k: 'w' } } });
    assert.equal(upd.status, 200);
    assert.deepEqual(upd.body['data'], { k: 'w' });
    assert.ok(Number(upd.body.metadata.resourceVersion) > Number(m.resourceVersion));
    assert.equal(upd.body.metadata.uid, m.uid);

    const del = await api<KubeObject>(`${NS}/configmaps/crud`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    const gone = await api<Status>(`${NS}/configmaps/crud`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.message, 'configmaps "crud" not found');
  });

  it('serves cluster-scoped Nodes and Namespaces, and refuses objects in a missing namespace', async function () {
    const n = await api<KubeObject>('/api/v1/nodes', { method: 'POST', body: node('pi-1', { zone: 'a' }) });
    assert.equal(n.status, 201);
    assert.equal(n.body.metadata.namespace, undefined);
    const list = await api<KubeList>('/api/v1/nodes');
    assert.deepEqual(list.body.items.map((i) => i.metadata.name), ['pi-1']);

    const missing = await api<Status>('/api/v1/namespaces/nowhere/configmaps', { method: 'POST', body: configMap('x') });
    assert.equal(missing.status, 404);
    assert.match(missing.body.message, /namespaces "nowhere" not found/);

    const ns = await api('/api/v1/namespaces', { method: 'POST', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } } });
    assert.equal(ns.status, 201);
    assert.equal((await api('/api/v1/namespaces/team-a/configmaps', { method: 'POST', body: configMap('in-a') })).status, 201);
    assert.equal((await api('/api/v1/namespaces/team-a', { method: 'DELETE' })).status, 200);
    assert.equal((await api('/api/v1/namespaces/team-a/configmaps/in-a')).status, 404, 'namespace contents go with it');
    const sys = await api<Status>('/api/v1/namespaces/default', { method: 'DELETE' });
    assert.equal(sys.status, 403);
  });

  it('filters lists by labelSelector and fieldSelector, and pages with limit/continue', async function () {
    for (const [name, env] of [['sel-a', 'prod'], ['sel-b', 'dev'], ['sel-c', 'prod']] as const) {
      assert.equal((await api(`${NS}/configmaps`, { method: 'POST', body: configMap(name, {}, { env, tier: 'sel' }) })).status, 201);
    }
    const names = async (q: string): Promise<string[]> =>
      (await api<KubeList>(`${NS}/configmaps?${q}`)).body.items.map((i) => i.metadata.name ?? '');
    assert.deepEqual(await names('labelSelector=env%3Dprod'), ['sel-a', 'sel-c']);
    assert.deepEqual(await names('labelSelector=tier%3Dsel,env!%3Dprod'), ['sel-b']);
    assert.deepEqual(await names('labelSelector=env+in+(dev,qa)'), ['sel-b']);
    assert.deepEqual(await names('fieldSelector=metadata.name%3Dsel-c'), ['sel-c']);
    assert.deepEqual(await names('fieldSelector=metadata.namespace%3Dkube-system'), ['flotilla-hub-info']); // the hub's public join info

    const p1 = await api<KubeList>(`${NS}/configmaps?labelSelector=tier%3Dsel&limit=2`);
    assert.equal(p1.body.items.length, 2);
    assert.equal(p1.body.metadata.remainingItemCount, 1);
    const token = p1.body.metadata.continue ?? '';
    assert.ok(token);
    const p2 = await api<KubeList>(`${NS}/configmaps?labelSelector=tier%3Dsel&limit=2&continue=${encodeURIComponent(token)}`);
    assert.deepEqual(p2.body.items.map((i) => i.metadata.name), ['sel-c']);
    assert.equal(p2.body.metadata.continue, undefined);

    for (const [name, nodeName] of [['p-1', 'pi-1'], ['p-2', 'pi-2'], ['p-3', 'pi-1']] as const) {
      assert.equal((await api(`${NS}/pods`, { method: 'POST', body: pod(name, { nodeName }) })).status, 201);
    }
    const onPi1 = await api<KubeList>('/api/v1/pods?fieldSelector=spec.nodeName%3Dpi-1');
    assert.deepEqual(onPi1.body.items.map((i) => i.metadata.name), ['p-1', 'p-3']);
    const bad = await api<Status>('/api/v1/pods?fieldSelector=spec.hostname%3Dx');
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /spec\.hostname/);
  });

  it('rejects a write carrying a stale resourceVersion with 409 Conflict, and accepts the fresh one', async function () {
    const c = await api<KubeObject>(`${NS}/configmaps`, { method: 'POST', body: configMap('occ') });
    const v1 = c.body;
    const first = await api<KubeObject>(`${NS}/configmaps/occ`, { method: 'PUT', body: { ...v1, data: { a: 'first' } } });
    assert.equal(first.status, 200);
    const stale = await api<Status>(`${NS}/configmaps/occ`, { method: 'PUT', body: { ...v1, data: { a: 'second' } } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.reason, 'Conflict');
    const stalePatch = await api<Status>(`${NS}/configmaps/occ`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { resourceVersion: v1.metadata.resourceVersion }, data: { a: 'third' } },
    });
    assert.equal(stalePatch.status, 409);
    const now = await api<KubeObject>(`${NS}/configmaps/occ`);
    assert.deepEqual(now.body['data'], { a: 'first' });
  });

  it('bumps generation on spec changes only; metadata and status writes leave it alone', async function () {
    const c = await api<KubeObject>(`${DS}`, { method: 'POST', body: daemonSet('gen') });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.body.metadata.generation, 1);
    const labelled = await api<KubeObject>(`${DS}/gen`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { extra: 'yes' } } },
    });
    assert.equal(labelled.body.metadata.generation, 1);
    const status = await api<KubeObject>(`${DS}/gen/status`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { status: { desiredNumberScheduled: 3 } },
    });
    assert.equal(status.status, 200, status.text);
    assert.equal(status.body.metadata.generation, 1);
    const spec = await api<KubeObject>(`${DS}/gen`, {
      method: 'PATCH',
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'main', image: '127.0.0.1:5000/flotilla/busybox:latest' }] } } } },
    });
    assert.equal(spec.status, 200, spec.text);
    assert.equal(spec.body.metadata.generation, 2);
    // The DaemonSet controller writes status and its rollout view; PUT back what it left.
    const settled = await stable('DaemonSet written by its controller', async () => (await api<KubeObject>(`${DS}/gen`)).body);
    const unchanged = await api<KubeObject>(`${DS}/gen`, { method: 'PUT', body: settled });
    assert.equal(unchanged.body.metadata.resourceVersion, settled.metadata.resourceVersion, 'a no-op write is not a write');
  });

  it('keeps status out of main-resource writes and spec out of status writes', async function () {
    const c = await api<KubeObject>(`${NS}/pods`, { method: 'POST', body: { ...pod('st'), status: { phase: 'Running' } } });
    assert.equal((c.body['status'] as { phase: string }).phase, 'Pending', 'a user cannot create a pod that claims to run');
    const s = await api<KubeObject>(`${NS}/pods/st/status`, {
      method: 'PUT',
      body: { ...c.body, metadata: { ...c.body.metadata, labels: { sneaky: 'yes' } }, status: { phase: 'Running' } },
    });
    assert.equal(s.status, 200, s.text);
    assert.equal((s.body['status'] as { phase: string }).phase, 'Running');
    assert.equal(s.body.metadata.labels, undefined, 'status writes change only status');
    const main = await api<KubeObject>(`${NS}/pods/st`, { method: 'PUT', body: { ...s.body, status: { phase: 'Failed' } } });
    assert.equal(main.status, 200, main.text);
    assert.equal((main.body['status'] as { phase: string }).phase, 'Running');
  });

  it('streams watch events from a resourceVersion, with selectors, and answers 410 when it is too old', async function () {
    const start = await api<KubeObject>(`${NS}/configmaps`, { method: 'POST', body: configMap('w-1', {}, { watch: 'me' }) });
    const rv = start.body.metadata.resourceVersion ?? '';
    await api(`${NS}/configmaps`, { method: 'POST', body: configMap('w-2', {}, { watch: 'me' }) });
    await api(`${NS}/configmaps`, { method: 'POST', body: configMap('w-other') });
    await api(`${NS}/configmaps/w-1`, { method: 'PATCH', contentType: 'application/merge-patch+json', body: { data: { x: 'y' } } });
    await api(`${NS}/configmaps/w-2`, { method: 'DELETE' });

    const w = await readWatch(endpoint(hub), `${NS}/configmaps?watch=true&labelSelector=watch%3Dme&resourceVersion=${rv}`, 3);
    assert.equal(w.status, 200);
    assert.deepEqual(
      w.events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED w-2', 'MODIFIED w-1', 'DELETED w-2'],
    );

    // Live events after the stream opened arrive too.
    const live = readWatch(endpoint(hub), `${NS}/configmaps?watch=true&fieldSelector=metadata.name%3Dw-live`, 2);
    await new Promise((r) => setTimeout(r, 200));
    await api(`${NS}/configmaps`, { method: 'POST', body: configMap('w-live') });
    await api(`${NS}/configmaps/w-live`, { method: 'DELETE' });
    assert.deepEqual((await live).events.map((e) => e.type), ['ADDED', 'DELETED']);

    // The hub keeps 20 events (--watch-history 20): push the old rv out of the window.
    for (let i = 0; i < 25; i++) await api(`${NS}/configmaps`, { method: 'POST', body: configMap(`churn-${i}`) });
    const gone = await api<Status>(`${NS}/configmaps?watch=true&resourceVersion=${rv}`);
    assert.equal(gone.status, 410);
    assert.equal(gone.body.reason, 'Expired');
  });

  it('refuses unknown kinds and retired apiVersions with advice', async function () {
    const svc = await api<Status>(`${NS}/services`, { method: 'POST', body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } } });
    assert.equal(svc.status, 404);
    assert.match(svc.body.message, /does not serve kind Service/);
    const ext = await api<Status>('/apis/extensions/v1beta1/namespaces/default/daemonsets', { method: 'POST', body: daemonSet('old') });
    assert.equal(ext.status, 404);
    assert.match(ext.body.message, /retired.*apps\/v1/);
    const wrongBody = await api<Status>(DS, { method: 'POST', body: { ...daemonSet('old'), apiVersion: 'extensions/v1beta1' } });
    assert.equal(wrongBody.status, 400);
    assert.match(wrongBody.body.message, /use apiVersion apps\/v1/);
  });

  it('publishes discovery documents for the served kinds', async function () {
    const core = await api<{ resources: { name: string; namespaced: boolean }[] }>('/api/v1');
    const names = core.body.resources.map((r) => r.name);
    for (const r of ['pods', 'pods/status', 'nodes', 'namespaces', 'configmaps', 'secrets', 'events']) assert.ok(names.includes(r), r);
    const apps = await api<{ resources: { name: string }[] }>('/apis/apps/v1');
    assert.deepEqual(apps.body.resources.map((r) => r.name).sort(), ['controllerrevisions', 'daemonsets', 'daemonsets/status']);
    const groups = await api<{ groups: { name: string }[] }>('/apis');
    assert.deepEqual(groups.body.groups.map((g) => g.name), ['apps', 'policy', 'coordination.k8s.io', 'metrics.k8s.io']);
    const policy = await api<{ resources: { name: string }[] }>('/apis/policy/v1');
    assert.deepEqual(policy.body.resources.map((r) => r.name).sort(), ['poddisruptionbudgets', 'poddisruptionbudgets/status']);
    const eviction = core.body.resources.find((r) => r.name === 'pods/eviction');
    assert.deepEqual(eviction && { ...eviction }, { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  });
});

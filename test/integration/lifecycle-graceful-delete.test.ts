/**
 * Graceful pod deletion over the real HTTP API (a hub process): DeleteOptions.gracePeriodSeconds
 * from the query or the body, Terminating pods, the grace-0 DELETE that finishes them, and
 * kubectl's `delete --grace-period=0 --force`.
 */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import { requireService } from '../support/env.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { run } from '../support/run.js';

const IMAGE = '127.0.0.1:5000/flotilla/busybox:1.0';
const PODS = '/api/v1/namespaces/default/pods';

describe('lifecycle: graceful pod deletion over HTTP (real hub)', function () {
  this.timeout(60_000);
  let hub: HubHandle;
  let api: Api;

  async function createPod(name: string, spec: Record<string, unknown> = {}): Promise<KubeObject> {
    const res = await api<KubeObject>(PODS, {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'main', image: IMAGE }], ...spec } },
    });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  async function getPod(name: string): Promise<KubeObject | undefined> {
    const res = await api<KubeObject>(`${PODS}/${name}`);
    if (res.status === 404) return undefined;
    assert.equal(res.status, 200, res.text);
    return res.body;
  }

  before(async () => {
    hub = await startHub();
    api = apiClient(endpoint(hub));
  });
  after(async () => {
    await hub?.dispose();
  });

  it('DELETE of a bound pod marks it Terminating (200 with the object); grace 0 removes it', async () => {
    await createPod('bound', { nodeName: 'pi-1' });
    const before = Date.now();
    const res = await api<KubeObject>(`${PODS}/bound`, { method: 'DELETE' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.metadata.deletionGracePeriodSeconds, 30);
    const ts = Date.parse(res.body.metadata.deletionTimestamp ?? '');
    assert.ok(ts >= Math.floor(before / 1000) * 1000 + 30_000 && ts <= Date.now() + 30_000, 'now + 30 s');

    const stored = await getPod('bound');
    assert.equal(stored?.metadata.deletionTimestamp, res.body.metadata.deletionTimestamp);
    const table = await api<{ rows: { cells: unknown[] }[] }>(`${PODS}/bound`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    assert.equal(table.body.rows[0]?.cells[2], 'Terminating');

    // A second DELETE without a shorter grace period changes nothing.
    const again = await api<KubeObject>(`${PODS}/bound`, { method: 'DELETE' });
    assert.equal(again.status, 200);
    assert.equal(again.body.metadata.resourceVersion, stored?.metadata.resourceVersion);

    // The agent reports status while the pod terminates: the pod stays.
    const status = await api(`${PODS}/bound/status`, { method: 'PUT', body: { ...stored, status: { phase: 'Running' } } });
    assert.equal(status.status, 200, status.text);
    assert.ok(await getPod('bound'), 'a status update does not finish a graceful deletion');

    // The agent, done: DELETE ?gracePeriodSeconds=0.
    const done = await api(`${PODS}/bound?gracePeriodSeconds=0`, { method: 'DELETE' });
    assert.equal(done.status, 200, done.text);
    assert.equal(await getPod('bound'), undefined);
  });

  it('gracePeriodSeconds in the DeleteOptions body; a shorter one moves the deadline earlier', async () => {
    await createPod('body', { nodeName: 'pi-1', terminationGracePeriodSeconds: 120 });
    const first = await api<KubeObject>(`${PODS}/body`, { method: 'DELETE', body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 60 } });
    assert.equal(first.body.metadata.deletionGracePeriodSeconds, 60);
    const second = await api<KubeObject>(`${PODS}/body`, { method: 'DELETE', body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 10 } });
    assert.equal(second.body.metadata.deletionGracePeriodSeconds, 10);
    assert.equal(
      Date.parse(second.body.metadata.deletionTimestamp ?? '') - Date.parse(first.body.metadata.deletionTimestamp ?? ''),
      -50_000,
    );
    await api(`${PODS}/body`, { method: 'DELETE', body: { gracePeriodSeconds: 0 } });
    assert.equal(await getPod('body'), undefined);
  });

  it('unbound pods go at once; a bad gracePeriodSeconds is a 400 naming the field', async () => {
    await createPod('unbound');
    const res = await api(`${PODS}/unbound`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.equal(await getPod('unbound'), undefined);

    await createPod('bad', { nodeName: 'pi-1' });
    const bad = await api<{ kind: string; code: number; details?: { causes?: { field: string }[] } }>(`${PODS}/bad?gracePeriodSeconds=soon`, { method: 'DELETE' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.kind, 'Status');
    assert.equal(bad.body.details?.causes?.[0]?.field, 'gracePeriodSeconds');
    assert.equal((await getPod('bad'))?.metadata.deletionTimestamp, undefined, 'nothing happened');
  });

  it('kubectl delete --grace-period=0 --force removes a bound pod', async function () {
    await requireService('kubectl', async () => (await run('kubectl', ['version', '--client'])).code === 0, this);
    await createPod('forced', { nodeName: 'pi-1' });
    const graceful = await run('kubectl', ['--kubeconfig', hub.kubeconfig, 'delete', 'pod', 'forced', '--wait=false']);
    assert.equal(graceful.code, 0, graceful.stderr);
    assert.ok((await getPod('forced'))?.metadata.deletionTimestamp, 'Terminating');
    const forced = await run('kubectl', ['--kubeconfig', hub.kubeconfig, 'delete', 'pod', 'forced', '--grace-period=0', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /pod "forced" force deleted/);
    assert.equal(await getPod('forced'), undefined);
  });
});

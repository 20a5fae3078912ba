// Viewer tokens against a real hub: made and listed by flotctl, honoured for reads, 403 with a
// clear Status for every write and for Secrets, revoked at once by `token delete`.
import assert from 'node:assert/strict';
import type { Status } from '../../shared/api/errors.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { flotctl, kubectlAvailable } from '../support/flotctl.js';
import { requireService } from '../support/env.js';
import { run } from '../support/run.js';

describe('viewer API tokens', function () {
  let hub: HubHandle;
  let admin: Api;
  let viewer: string;

  before(async function () {
    hub = await startHub();
    admin = apiClient(endpoint(hub));
    const made = await flotctl(hub, ['token', 'create', '--role', 'viewer', '--description', 'wall screen']);
    assert.equal(made.code, 0, made.stderr);
    viewer = made.stdout.trim();
    assert.match(viewer, /^[a-z0-9]{6}\.[a-z0-9]{32}$/);
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-view' } };
    assert.equal((await admin('/api/v1/nodes', { method: 'POST', body: node })).status, 201);
  });
  after(async function () {
    await hub?.dispose();
  });

  it('is listed by `flotctl token list` with its role, never its secret', async function () {
    const listed = await flotctl(hub, ['token', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${viewer.slice(0, 6)}\\s.*wall screen\\s+viewer\\s*$`, 'm'), listed.stdout);
    assert.ok(!listed.stdout.includes(viewer.slice(7)), 'the secret part is not printed');
  });

  it('reads objects and lists them', async function () {
    assert.equal((await admin('/api/v1/nodes/pi-view', { token: viewer })).status, 200);
    const list = await admin<{ items: unknown[] }>('/api/v1/nodes', { token: viewer });
    assert.equal(list.status, 200);
    assert.equal(list.body.items.length, 1);
    assert.equal((await admin('/api/v1/namespaces/default/events', { token: viewer })).status, 200);
    assert.equal((await admin('/api', { token: viewer })).status, 200, 'discovery');
  });

  it('gets 403 Forbidden with a Status naming the verb and resource for every write', async function () {
    const writes: { path: string; method: string; body?: unknown; verb: string }[] = [
      { path: '/api/v1/nodes/pi-view', method: 'PATCH', body: { spec: { unschedulable: true } }, verb: 'patch' },
      { path: '/api/v1/nodes/pi-view', method: 'PUT', body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-view' } }, verb: 'update' },
      { path: '/api/v1/nodes/pi-view', method: 'DELETE', verb: 'delete' },
      { path: '/api/v1/nodes', method: 'DELETE', verb: 'deletecollection' },
      { path: '/api/v1/namespaces/default/configmaps', method: 'POST', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, verb: 'create' },
      { path: '/api/v1/nodes/pi-view/status', method: 'PATCH', body: { status: {} }, verb: 'patch' },
    ];
    for (const w of writes) {
      const r = await admin<Status>(w.path, { method: w.method, token: viewer, ...(w.body !== undefined ? { body: w.body, contentType: 'application/merge-patch+json' } : {}) });
      assert.equal(r.status, 403, `${w.method} ${w.path}: ${r.text}`);
      assert.equal(r.body.kind, 'Status');
      assert.equal(r.body.reason, 'Forbidden');
      assert.match(r.body.message, new RegExp(`cannot ${w.verb} resource "(nodes|configmaps)".*read-only`), r.body.message);
    }
    const node = (await admin<{ spec?: { unschedulable?: boolean } }>('/api/v1/nodes/pi-view')).body;
    assert.notEqual(node.spec?.unschedulable, true, 'nothing was written');
  });

  it('may not read Secrets (the fleet keeps tokens and identities there)', async function () {
    const r = await admin<Status>('/api/v1/namespaces/kube-system/secrets', { token: viewer });
    assert.equal(r.status, 403);
    assert.match(r.body.message, /may not read Secrets/);
  });

  it('refuses a token with a known id and a wrong secret, and a bootstrap token', async function () {
    const forged = `${viewer.slice(0, 7)}${'a'.repeat(32)}`;
    assert.equal((await admin('/api/v1/nodes', { token: forged })).status, 401);
    const boot = await flotctl(hub, ['token', 'create', '--ttl', '1h']);
    assert.equal((await admin('/api/v1/nodes', { token: boot.stdout.trim() })).status, 401);
  });

  it('sends no-store and nosniff on API answers', async function () {
    const r = await admin('/api/v1/nodes', { token: viewer });
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  });

  it('refuses bad flags with a clear message', async function () {
    const bad = await flotctl(hub, ['token', 'create', '--role', 'admin']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid --role "admin"/);
    const ttl = await flotctl(hub, ['token', 'create', '--role', 'viewer', '--ttl', '1h']);
    assert.notEqual(ttl.code, 0);
    assert.match(ttl.stderr, /bootstrap tokens only/);
  });

  it('`kubectl auth can-i` and `whoami` answer for the viewer token: reads yes, writes and Secrets no', async function () {
    await requireService('kubectl', kubectlAvailable, this);
    const canI = async (token: string, ...args: string[]): Promise<string> => {
      const r = await run('kubectl', ['--kubeconfig', hub.kubeconfig, '--token', token, 'auth', 'can-i', ...args]);
      // can-i exits 0 for yes and 1 for no; anything else is an error.
      assert.ok(r.code === 0 || r.code === 1, `kubectl auth can-i ${args.join(' ')}: ${r.stderr}`);
      // A "no" carries the review's reason: "no - viewer tokens are read-only".
      return r.stdout.trim().split(' ')[0] ?? '';
    };
    for (const verb of ['get', 'list', 'watch']) {
      assert.equal(await canI(viewer, verb, 'nodes'), 'yes', `viewer ${verb} nodes`);
      assert.equal(await canI(viewer, verb, 'daemonsets.apps', '-n', 'default'), 'yes', `viewer ${verb} daemonsets`);
    }
    for (const verb of ['create', 'update', 'patch', 'delete']) {
      assert.equal(await canI(viewer, verb, 'nodes'), 'no', `viewer ${verb} nodes`);
      assert.equal(await canI(viewer, verb, 'pods', '-n', 'default'), 'no', `viewer ${verb} pods`);
    }
    assert.equal(await canI(viewer, 'get', 'secrets', '-n', 'kube-system'), 'no', 'viewer get secrets');
    const why = await run('kubectl', ['--kubeconfig', hub.kubeconfig, '--token', viewer, 'auth', 'can-i', 'patch', 'nodes']);
    assert.match(why.stdout, /no - viewer tokens are read-only/);
    assert.equal(await canI(viewer, 'get', '/version'), 'yes', 'non-resource read');
    assert.equal(await canI(hub.token, 'delete', 'nodes'), 'yes', 'the admin still may');
    const who = await run('kubectl', ['--kubeconfig', hub.kubeconfig, '--token', viewer, 'auth', 'whoami', '-o', 'json']);
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, new RegExp(`"username": "viewer:${viewer.slice(0, 6)}"`));
    assert.doesNotMatch(who.stdout, /system:masters/);
  });

  it('stops working as soon as `flotctl token delete` removes it', async function () {
    const del = await flotctl(hub, ['token', 'delete', viewer.slice(0, 6)]);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /API token ".{6}" deleted/);
    assert.equal((await admin('/api/v1/nodes', { token: viewer })).status, 401);
  });
});

/** @kubernetes/client-node 1.3.0, loaded from the hub's kubeconfig, lists, creates, patches and watches. */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startHub, type HubHandle } from '../support/hub.js';
import { stable } from '../support/wait.js';

describe('@kubernetes/client-node against the hub', function () {
  let hub: HubHandle;
  let kc: k8s.KubeConfig;

  before(async function () {
    hub = await startHub();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(hub.kubeconfig);
  });
  after(async function () {
    await hub?.dispose();
  });

  it('creates and lists nodes through CoreV1Api', async function () {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNode({ body: { metadata: { name: 'pi-garage', labels: { 'kubernetes.io/arch': 'arm64' } } } });
    const list = await core.listNode({ labelSelector: 'kubernetes.io/arch=arm64' });
    assert.deepEqual(list.items.map((n) => n.metadata?.name), ['pi-garage']);
  });

  it('creates, reads and patches a DaemonSet through AppsV1Api', async function () {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const created = await apps.createNamespacedDaemonSet({
      namespace: 'default',
      body: {
        metadata: { name: 'lib-ds' },
        spec: {
          selector: { matchLabels: { app: 'lib-ds' } },
          template: { metadata: { labels: { app: 'lib-ds' } }, spec: { containers: [{ name: 'c', image: '127.0.0.1:5000/flotilla/busybox:1.0' }] } },
        },
      },
    });
    assert.equal(created.spec?.updateStrategy?.type, 'RollingUpdate', 'defaulted as Kubernetes does');
    // The DaemonSet controller writes status and its rollout view first.
    await stable('DaemonSet written by its controller', async () => (await apps.readNamespacedDaemonSet({ name: 'lib-ds', namespace: 'default' })).metadata?.resourceVersion);
    const patched = await apps.patchNamespacedDaemonSet(
      { name: 'lib-ds', namespace: 'default', body: { metadata: { labels: { tier: 'edge' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.equal(patched.metadata?.labels?.['tier'], 'edge');
    const read = await apps.readNamespacedDaemonSet({ name: 'lib-ds', namespace: 'default' });
    assert.equal(read.metadata?.resourceVersion, patched.metadata?.resourceVersion);
  });

  it('watches ConfigMaps with the library Watch helper', async function () {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    let done!: () => void;
    const twoEvents = new Promise<void>((r) => (done = r));
    const req = await watch.watch(
      '/api/v1/namespaces/default/configmaps',
      {},
      (type: string, obj: k8s.V1ConfigMap) => {
        seen.push(`${type} ${obj.metadata?.name ?? ''}`);
        if (seen.length === 2) done();
      },
      () => undefined,
    );
    try {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'lib-cm' }, data: { a: '1' } } });
      await core.deleteNamespacedConfigMap({ name: 'lib-cm', namespace: 'default' });
      await Promise.race([twoEvents, new Promise((_, rej) => setTimeout(() => rej(new Error(`saw only ${seen.join(', ')}`)), 5000))]);
      assert.deepEqual(seen, ['ADDED lib-cm', 'DELETED lib-cm']);
    } finally {
      req.abort();
    }
  });

  it('surfaces the hub\'s Status errors as ApiException with the code', async function () {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(core.readNamespacedConfigMap({ name: 'missing', namespace: 'default' }), (e: unknown) => {
      assert.ok(e instanceof k8s.ApiException);
      assert.equal(e.code, 404);
      return true;
    });
  });
});

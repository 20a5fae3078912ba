// flotctl taint / cordon / uncordon / drain against a real hub process: kubectl's syntax,
// messages and refusals, and drain's waiting on graceful pod deletion.
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import { taintsOf } from '../../shared/api/taints.js';
import { fromStore, type Node } from '../../shared/api/types/index.js';
import { isRecord } from '../../shared/util/guards.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { flotctlFails, flotctlOk, type FlotctlResult } from '../support/flotctl.js';
import { apiClient, type Api } from '../support/http.js';
import { until } from '../support/wait.js';

const IMAGE = '127.0.0.1:5000/flotilla/busybox:1.0';

describe('flotctl node verbs against a real hub', function () {
  this.timeout(60_000);
  let hub: HubHandle;
  let api: Api;

  const ok = (...args: string[]): Promise<FlotctlResult> => flotctlOk(hub, args);
  const fails = (...args: string[]): Promise<FlotctlResult> => flotctlFails(hub, args);

  async function getNode(name: string): Promise<Node> {
    const res = await api<KubeObject>(`/api/v1/nodes/${name}`);
    assert.equal(res.status, 200);
    return fromStore('Node', res.body);
  }

  async function getPod(name: string): Promise<KubeObject | undefined> {
    const res = await api<KubeObject>(`/api/v1/namespaces/default/pods/${name}`);
    if (res.status === 404) return undefined;
    assert.equal(res.status, 200, res.text);
    return res.body;
  }

  /** The node's taints with these keys (a lifecycle controller may add its own), as `key=value:Effect`. */
  async function taints(name: string, ...keys: string[]): Promise<string[]> {
    return taintsOf(await getNode(name))
      .filter((t) => keys.includes(t.key))
      .map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  }

  async function createNode(name: string, status?: Record<string, unknown>): Promise<void> {
    const res = await api('/api/v1/nodes', { method: 'POST', body: { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {} } });
    assert.equal(res.status, 201, res.text);
    if (!status) return;
    // A merge patch: the hub's controllers may already have written the new Node (a PUT of the
    // create answer would race them with a stale resourceVersion).
    const patched = await api(`/api/v1/nodes/${name}/status`, { method: 'PATCH', contentType: 'application/merge-patch+json', body: { status } });
    assert.equal(patched.status, 200, patched.text);
  }

  async function createPod(name: string, nodeName: string, labels?: Record<string, string>): Promise<KubeObject> {
    const res = await api<KubeObject>('/api/v1/namespaces/default/pods', {
      method: 'POST',
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, ...(labels ? { labels } : {}) },
        spec: { nodeName, containers: [{ name: 'main', image: IMAGE }] },
      },
    });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  before(async () => {
    hub = await startHub();
    api = apiClient(endpoint(hub));
    await createNode('pi-a');
    await createNode('pi-b');
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await createNode('pi-c', {
      conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Agent stopped posting node status.', lastTransitionTime: now }],
    });
  });

  after(async () => {
    await hub?.dispose();
  });

  describe('taint', () => {
    it('adds a taint: node/NAME tainted', async () => {
      const r = await ok('taint', 'nodes', 'pi-a', 'dedicated=gpu:NoSchedule');
      assert.equal(r.stdout, 'node/pi-a tainted\n');
      assert.deepEqual(await taints('pi-a', 'dedicated'), ['dedicated=gpu:NoSchedule']);
    });

    it('refuses the same key and effect without --overwrite', async () => {
      const r = await fails('taint', 'nodes', 'pi-a', 'dedicated=cpu:NoSchedule');
      assert.equal(r.stderr, 'error: node pi-a already has dedicated taint(s) with same effect(s) and --overwrite is false\n');
      assert.deepEqual(await taints('pi-a', 'dedicated'), ['dedicated=gpu:NoSchedule']);
    });

    it('--overwrite replaces it: node/NAME modified', async () => {
      const r = await ok('taint', 'nodes', 'pi-a', 'dedicated=cpu:NoSchedule', '--overwrite');
      assert.equal(r.stdout, 'node/pi-a modified\n');
      assert.deepEqual(await taints('pi-a', 'dedicated'), ['dedicated=cpu:NoSchedule']);
    });

    it('a NoExecute taint gets timeAdded; node/NAME form and several taints at once', async () => {
      const r = await ok('taint', 'node/pi-a', 'maintenance:NoExecute', 'zone=north:PreferNoSchedule');
      assert.equal(r.stdout, 'node/pi-a tainted\n');
      const added = taintsOf(await getNode('pi-a')).find((t) => t.key === 'maintenance');
      assert.equal(added?.effect, 'NoExecute');
      assert.ok(added?.timeAdded && !Number.isNaN(Date.parse(added.timeAdded)), 'timeAdded set');
      assert.deepEqual(await taints('pi-a', 'dedicated', 'maintenance', 'zone'), ['dedicated=cpu:NoSchedule', 'maintenance:NoExecute', 'zone=north:PreferNoSchedule']);
    });

    it('removes by key:Effect- and by key-: node/NAME untainted', async () => {
      assert.equal((await ok('taint', 'nodes', 'pi-a', 'dedicated:NoSchedule-')).stdout, 'node/pi-a untainted\n');
      assert.equal((await ok('taint', 'no', 'pi-a', 'maintenance-', 'zone-')).stdout, 'node/pi-a untainted\n');
      assert.deepEqual(await taints('pi-a', 'dedicated', 'maintenance', 'zone'), []);
    });

    it('refuses what kubectl refuses', async () => {
      assert.equal((await fails('taint', 'nodes', 'pi-a', 'nothere-')).stderr, 'error: taint "nothere" not found\n');
      assert.equal((await fails('taint', 'nodes', 'pi-a', 'k=v:Sometimes')).stderr, 'error: invalid taint effect: Sometimes, unsupported taint effect\n');
      assert.equal((await fails('taint', 'pods', 'x', 'k=v:NoSchedule')).stderr, 'error: invalid resource type pods, only node types are supported\n');
      assert.equal((await fails('taint', 'nodes', 'pi-a')).stderr, 'error: at least one taint update is required\n');
      assert.equal((await fails('taint', 'nodes', 'ghost', 'k=v:NoSchedule')).stderr, 'Error from server (NotFound): nodes "ghost" not found\n');
    });
  });

  describe('cordon and uncordon', () => {
    it('cordon sets spec.unschedulable; again says already cordoned', async () => {
      assert.equal((await ok('cordon', 'pi-a')).stdout, 'node/pi-a cordoned\n');
      const node = await getNode('pi-a');
      assert.equal(node.spec?.unschedulable, true);
      assert.equal((await ok('cordon', 'node/pi-a')).stdout, 'node/pi-a already cordoned\n');
      const table = await ok('get', 'nodes', 'pi-a');
      assert.match(table.stdout, /SchedulingDisabled/);
    });

    it('uncordon clears it; again says already uncordoned', async () => {
      assert.equal((await ok('uncordon', 'pi-a')).stdout, 'node/pi-a uncordoned\n');
      const node = await getNode('pi-a');
      assert.equal(node.spec?.unschedulable, undefined);
      assert.equal((await ok('uncordon', 'pi-a')).stdout, 'node/pi-a already uncordoned\n');
    });

    it('an unknown node is the server\'s NotFound', async () => {
      assert.equal((await fails('cordon', 'ghost')).stderr, 'Error from server (NotFound): nodes "ghost" not found\n');
    });
  });

  describe('drain', () => {
    before(async () => {
      // ds-pod is there first: the DaemonSet adopts it as its pod on pi-b instead of creating one.
      await createPod('ds-pod', 'pi-b', { app: 'probe' });
      const ds = await api<KubeObject>('/apis/apps/v1/namespaces/default/daemonsets', {
        method: 'POST',
        body: {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          metadata: { name: 'probe' },
          spec: {
            selector: { matchLabels: { app: 'probe' } },
            updateStrategy: { type: 'OnDelete' },
            template: {
              metadata: { labels: { app: 'probe' } },
              // Only pi-b; OnDelete: the controller leaves the adopted pod as it is.
              spec: { nodeName: 'pi-b', containers: [{ name: 'main', image: IMAGE }] },
            },
          },
        },
      });
      assert.equal(ds.status, 201, ds.text);
      await until('ds-pod adopted', async () => (await getPod('ds-pod'))?.metadata.ownerReferences?.[0]?.uid === ds.body.metadata.uid);
      await createPod('bare', 'pi-b');
      await createPod('stuck', 'pi-c');
    });

    it('refuses DaemonSet-managed pods and pods without a controller (the node stays cordoned)', async () => {
      const r = await fails('drain', 'pi-b');
      assert.equal(r.stdout, 'node/pi-b cordoned\n');
      assert.equal(
        r.stderr,
        'error: unable to drain node "pi-b" due to error: [cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds-pod, ' +
          'cannot delete Pods that declare no controller (use --force to override): default/bare], continuing command...\n' +
          'There are pending nodes to be drained:\n pi-b\n' +
          'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds-pod\n' +
          'cannot delete Pods that declare no controller (use --force to override): default/bare\n',
      );
      assert.equal((await getPod('bare'))?.metadata.deletionTimestamp, undefined, 'nothing deleted');
      assert.equal((await getPod('ds-pod'))?.metadata.deletionTimestamp, undefined);
    });

    it('--ignore-daemonsets alone still refuses the unmanaged pod', async () => {
      const r = await fails('drain', 'pi-b', '--ignore-daemonsets');
      assert.equal(r.stdout, 'node/pi-b already cordoned\n');
      assert.match(r.stderr, /cannot delete Pods that declare no controller \(use --force to override\): default\/bare/);
      assert.doesNotMatch(r.stderr, /DaemonSet-managed/);
    });

    it('with --force the pod turns Terminating; a reachable node has to stop it, so --timeout runs out', async () => {
      const started = Date.now();
      const r = await fails('drain', 'pi-b', '--ignore-daemonsets', '--force', '--timeout', '2s');
      assert.ok(Date.now() - started >= 2000, 'waited for the timeout');
      assert.equal(r.stdout, 'node/pi-b already cordoned\nevicting pod default/bare\n');
      assert.match(r.stderr, /^Warning: ignoring DaemonSet-managed Pods: default\/ds-pod; deleting Pods that declare no controller: default\/bare\n/);
      assert.match(r.stderr, /error when waiting for pod "bare" in namespace "default" to terminate: global timeout reached: 2s/);
      const bare = await getPod('bare');
      assert.ok(bare?.metadata.deletionTimestamp, 'Terminating');
      assert.equal(bare.metadata.deletionGracePeriodSeconds, 30);
      assert.equal((await getPod('ds-pod'))?.metadata.deletionTimestamp, undefined, 'DaemonSet pod left alone');
    });

    it('--grace-period 0 removes it at once and the node is drained', async () => {
      const r = await ok('drain', 'pi-b', '--ignore-daemonsets', '--force', '--grace-period', '0');
      assert.equal(r.stdout, 'node/pi-b already cordoned\nevicting pod default/bare\npod/bare deleted\nnode/pi-b drained\n');
      assert.equal(await getPod('bare'), undefined);
      assert.ok(await getPod('ds-pod'));
    });

    it('on an unreachable node a Terminating pod counts: the agent stops it when it reconnects', async () => {
      const r = await ok('drain', 'pi-c', '--force', '--timeout', '20s');
      assert.equal(
        r.stdout,
        'node/pi-c cordoned\nevicting pod default/stuck\n' +
          'pod/stuck marked for deletion (node/pi-c is unreachable: its agent stops the pod when it reconnects)\nnode/pi-c drained\n',
      );
      const stuck = await getPod('stuck');
      assert.ok(stuck?.metadata.deletionTimestamp, 'recorded on the hub');
      assert.equal(stuck.metadata.deletionGracePeriodSeconds, 30);
    });

    it('evicts: a PodDisruptionBudget holds the pod until --timeout; --disable-eviction deletes it', async () => {
      await createNode('pi-d');
      await createPod('guarded', 'pi-d', { app: 'guarded' });
      const running = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }] };
      const patched = await api('/api/v1/namespaces/default/pods/guarded/status', { method: 'PATCH', contentType: 'application/merge-patch+json', body: { status: running } });
      assert.equal(patched.status, 200, patched.text);
      const pdb = await api<KubeObject>('/apis/policy/v1/namespaces/default/poddisruptionbudgets', {
        method: 'POST',
        body: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'keep-guarded' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } },
      });
      assert.equal(pdb.status, 201, pdb.text);
      await until('the budget is computed', async () => {
        const res = await api<KubeObject>('/apis/policy/v1/namespaces/default/poddisruptionbudgets/keep-guarded');
        const status = res.body['status'];
        return isRecord(status) && status['currentHealthy'] === 1 && status['disruptionsAllowed'] === 0;
      });

      const refused = await fails('drain', 'pi-d', '--force', '--timeout', '7s');
      assert.equal(refused.stdout, 'node/pi-d cordoned\nevicting pod default/guarded\n');
      assert.match(refused.stderr, /error when evicting pods\/"guarded" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\.\n/);
      assert.match(refused.stderr, /error when evicting pods\/"guarded" -n "default": global timeout reached: 7s: Cannot evict pod/);
      assert.equal((await getPod('guarded'))?.metadata.deletionTimestamp, undefined, 'the budget kept the pod');

      const deleted = await ok('drain', 'pi-d', '--force', '--disable-eviction', '--grace-period', '0');
      assert.equal(deleted.stdout, 'node/pi-d already cordoned\ndeleting pod default/guarded\npod/guarded deleted\nnode/pi-d drained\n');
      assert.equal(await getPod('guarded'), undefined);
    });

    it('bad flags are refused before anything happens', async () => {
      assert.match((await fails('drain', 'pi-a', '--timeout', 'soon')).stderr, /^error: invalid --timeout "soon"/);
      assert.match((await fails('drain', 'pi-a', '--grace-period', 'x')).stderr, /^error: invalid --grace-period "x"/);
      const node = await getNode('pi-a');
      assert.ok(!isRecord(node['spec']) || node['spec']['unschedulable'] !== true, 'not cordoned');
    });
  });
});

/**
 * The commands a k3s user reaches for in the first hour, with the machine's kubectl 1.32 against
 * a real hub: protobuf creates, apply client- then server-side, explain, auth, cluster-info, leases, drain.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../shared/api/meta.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { requireService } from '../support/env.js';
import { spawn } from 'node:child_process';
import type { MqttClient } from 'mqtt';
import { encode, nodeTopic } from '../../shared/protocol/index.js';
import { connectNode, enroll, newDevice } from '../support/device.js';
import { run, type RunResult } from '../support/run.js';
import { bootstrapToken, kubectlAvailable } from '../support/flotctl.js';
import { until } from '../support/wait.js';

describe('kubectl compatibility', function () {
  let hub: HubHandle;
  let api: Api;
  let dir: string;
  const kubectl = (args: string[], input?: string, env?: NodeJS.ProcessEnv): Promise<RunResult> =>
    run('kubectl', ['--kubeconfig', hub.kubeconfig, ...args], { ...(input ? { input } : {}), ...(env ? { env: { ...process.env, ...env } } : {}), timeoutMs: 30_000 });
  const ok = async (args: string[], input?: string, env?: NodeJS.ProcessEnv): Promise<string> => {
    const r = await kubectl(args, input, env);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed:\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const get = async (path: string): Promise<KubeObject> => {
    const r = await api<KubeObject>(path);
    assert.equal(r.status, 200, `GET ${path}: ${r.text}`);
    return r.body;
  };

  before(async function () {
    await requireService('kubectl', kubectlAvailable, this);
    hub = await startHub();
    api = apiClient(endpoint(hub));
    dir = await mkdtemp(join(tmpdir(), 'flotilla-kubectl-compat-'));
  });
  after(async function () {
    await hub?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('create (protobuf request bodies)', function () {
    it('creates a namespace, a configmap, a generic secret and a docker-registry secret', async function () {
      assert.match(await ok(['create', 'namespace', 'edge']), /namespace\/edge created/);
      assert.match(await ok(['create', 'configmap', 'settings', '-n', 'edge', '--from-literal=mode=edge']), /configmap\/settings created/);
      assert.match(await ok(['create', 'secret', 'generic', 'creds', '-n', 'edge', '--from-literal=user=demo']), /secret\/creds created/);
      assert.match(
        await ok(['create', 'secret', 'docker-registry', 'pull', '-n', 'edge', '--docker-server=127.0.0.1:5001', '--docker-username=demo', '--docker-password=not-a-secret']),
        /secret\/pull created/,
      );
      assert.equal((await get('/api/v1/namespaces/edge')).metadata.name, 'edge');
      assert.deepEqual((await get('/api/v1/namespaces/edge/configmaps/settings'))['data'], { mode: 'edge' });
      const creds = await get('/api/v1/namespaces/edge/secrets/creds');
      assert.equal(Buffer.from((creds['data'] as Record<string, string>)['user'] ?? '', 'base64').toString(), 'demo');
      const pull = await get('/api/v1/namespaces/edge/secrets/pull');
      assert.equal(pull['type'], 'kubernetes.io/dockerconfigjson');
      // What kubectl reads back came as protobuf too: it prints the object it decoded.
      const yaml = await ok(['get', 'configmap', 'settings', '-n', 'edge', '-o', 'jsonpath={.data.mode}']);
      assert.equal(yaml, 'edge');
    });

    it('answers protobuf when asked and JSON for objects protobuf cannot carry', async function () {
      const r = await api('/api/v1/namespaces/edge/configmaps/settings', { accept: 'application/vnd.kubernetes.protobuf,application/json' });
      assert.equal(r.headers['content-type'], 'application/vnd.kubernetes.protobuf');
      assert.equal(r.text.slice(0, 4), 'k8s\0');
      const t = await api('/api/v1/namespaces/edge/configmaps', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
      assert.equal(t.headers['content-type'], 'application/json');
    });
  });

  describe('apply client-side, then server-side twice', function () {
    const cmYaml = (data: Record<string, string>): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: upgrade\n  labels: {app: upgrade}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}\n`;
    const managers = async (): Promise<string[]> =>
      ((await get('/api/v1/namespaces/default/configmaps/upgrade')).metadata.managedFields ?? []).map((e) => `${e.manager}/${e.operation}`);

    it('records the client-side applier, hands its fields to the server-side applier, and prunes on the next apply', async function () {
      const file = join(dir, 'upgrade.yaml');
      await writeFile(file, cmYaml({ a: '1', b: '2' }));
      assert.match(await ok(['apply', '-f', file]), /configmap\/upgrade created/);
      assert.deepEqual(await managers(), ['kubectl-client-side-apply/Update']);

      assert.match(await ok(['apply', '--server-side', '-f', file]), /serverside-applied/);
      const afterUpgrade = await managers();
      assert.ok(afterUpgrade.includes('kubectl/Apply'), afterUpgrade.join());
      assert.ok(!afterUpgrade.includes('kubectl-client-side-apply/Update'), `the client-side entry was upgraded: ${afterUpgrade.join()}`);

      await writeFile(file, cmYaml({ a: '1', c: '3' }));
      assert.match(await ok(['apply', '--server-side', '-f', file]), /serverside-applied/);
      assert.deepEqual((await get('/api/v1/namespaces/default/configmaps/upgrade'))['data'], { a: '1', c: '3' }, 'b, now owned by kubectl, was pruned');
    });

    it('records kubectl edit and kubectl label as their own managers', async function () {
      const editor = join(dir, 'editor.sh');
      await writeFile(editor, '#!/bin/sh\nsed -i \'s/^  c: "3"$/  c: "4"/\' "$1"\n', { mode: 0o755 });
      await ok(['edit', 'configmap', 'upgrade'], undefined, { KUBE_EDITOR: editor });
      await ok(['label', 'configmap', 'upgrade', 'tier=edge']);
      const m = await managers();
      assert.ok(m.includes('kubectl-edit/Update'), m.join());
      assert.ok(m.includes('kubectl-label/Update'), m.join());
      assert.equal(((await get('/api/v1/namespaces/default/configmaps/upgrade'))['data'] as Record<string, string>)['c'], '4');
    });
  });

  describe('pending pods explain themselves; deleting a pod whose node is gone completes', function () {
    // A short grace period: a pod on a missing node is deleted when it is over.
    const podYaml = (name: string, nodeName?: string): string =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n${nodeName ? `  nodeName: ${nodeName}\n` : ''}  terminationGracePeriodSeconds: 2\n  containers:\n  - name: main\n    image: 127.0.0.1:5000/flotilla/busybox:1.0\n`;

    it('a pod bound to a node that does not exist: PodScheduled=False and a Warning event, shown by describe', async function () {
      await ok(['apply', '-f', '-'], podYaml('ghost', 'pi-ghost'));
      await ok(['wait', '--for=condition=PodScheduled=False', 'pod/ghost', '--timeout=20s']);
      const out = await ok(['describe', 'pod', 'ghost']);
      assert.match(out, /PodScheduled\s+False/);
      assert.match(out, /Warning\s+NodeNotFound\s+.*node "pi-ghost" does not exist: the pod starts when a device of that name enrolls/);
      const reason = await ok(['get', 'pod', 'ghost', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].reason}']);
      assert.equal(reason, 'NodeNotFound');
    });

    it('a pod bound to no node: told that Flotilla does not schedule, and what to do', async function () {
      await ok(['apply', '-f', '-'], podYaml('nowhere'));
      await ok(['wait', '--for=condition=PodScheduled=False', 'pod/nowhere', '--timeout=20s']);
      const events = await ok(['get', 'events', '--field-selector', 'involvedObject.name=nowhere', '-o', 'jsonpath={.items[*].message}']);
      assert.match(events, /has no spec.nodeName and Flotilla does not schedule pods: set spec.nodeName to a node, or run it from a DaemonSet/);
      await ok(['delete', 'pod', 'nowhere', '--timeout=20s']);
    });

    it('kubectl delete of a pod on a missing node returns once its grace period is over, not Terminating forever', async function () {
      const r = await ok(['delete', 'pod', 'ghost', '--timeout=20s']);
      assert.match(r, /pod "ghost" deleted/);
      assert.equal((await api(`/api/v1/namespaces/default/pods/ghost`)).status, 404);
    });

    it('a node deleted under its pods: their deletion completes too', async function () {
      const node = await api('/api/v1/nodes', { method: 'POST', body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-doomed' } } });
      assert.equal(node.status, 201, node.text);
      await ok(['apply', '-f', '-'], podYaml('stranded', 'pi-doomed'));
      assert.equal((await ok(['get', 'pod', 'stranded', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].status}'])), '', 'nothing to explain while the node exists');
      await ok(['delete', 'node', 'pi-doomed']);
      await ok(['delete', 'pod', 'stranded', '--timeout=20s']);
      assert.equal((await api(`/api/v1/namespaces/default/pods/stranded`)).status, 404);
    });
  });

  describe('leases: the heartbeat table, read-only', function () {
    let device: MqttClient | undefined;
    const heartbeat = async (s: number): Promise<void> => {
      await device?.publishAsync(nodeTopic('pi-lease', 'hb'), encode({ v: 1, t: 'hb', s, h: '00000000' }), { qos: 1 });
    };
    before(async function () {
      const d = newDevice('pi-lease');
      assert.equal((await enroll(hub.mqttUrl, await bootstrapToken(hub), d)).ok, true);
      device = await connectNode(hub.mqttUrl, d);
    });
    after(() => device?.end(true));

    it('kubectl get leases -n kube-node-lease and describe node show the last heartbeat; no store write per heartbeat', async function () {
      await heartbeat(1);
      const storeRv = async (): Promise<string | undefined> => (await api<{ metadata: { resourceVersion?: string } }>('/api/v1/namespaces')).body.metadata.resourceVersion;
      const rvBefore = await storeRv();
      const lease = await until('the lease of pi-lease', async () => {
        const r = await api<KubeObject>('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/pi-lease');
        return r.status === 200 ? r.body : undefined;
      });
      const spec = lease['spec'] as { holderIdentity: string; renewTime: string; leaseDurationSeconds: number };
      assert.equal(spec.holderIdentity, 'pi-lease');
      assert.equal(spec.leaseDurationSeconds, 40);
      assert.equal(lease.metadata.ownerReferences?.[0]?.uid, (await get('/api/v1/nodes/pi-lease')).metadata.uid);

      const table = await ok(['get', 'leases', '-n', 'kube-node-lease']);
      assert.match(table, /^NAME\s+HOLDER\s+RENEWED\npi-lease\s+pi-lease\s+\d+s\n/);
      const renewTime = await ok(['get', 'lease', 'pi-lease', '-n', 'kube-node-lease', '-o', 'jsonpath={.spec.renewTime}']);
      assert.equal(renewTime, spec.renewTime);
      const describe = await ok(['describe', 'node', 'pi-lease']);
      assert.match(describe, /Lease:\s+HolderIdentity:\s+pi-lease\s+AcquireTime:\s+<unset>\s+RenewTime:\s+\w{3}, \d{2} \w{3} \d{4}/);

      await new Promise((r) => setTimeout(r, 1100));
      await heartbeat(2);
      await until('the renew time moved', async () => {
        const r = await api<KubeObject>('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/pi-lease');
        return (r.body['spec'] as { renewTime: string }).renewTime > spec.renewTime ? true : undefined;
      });
      assert.equal(await storeRv(), rvBefore, 'heartbeats wrote nothing to the store');
    });

    it('a watch sees heartbeats as MODIFIED; discovery, explain and auth can-i know leases', async function () {
      await heartbeat(3);
      const watch = spawn('kubectl', ['--kubeconfig', hub.kubeconfig, 'get', 'leases', '-n', 'kube-node-lease', '-w', '--output-watch-events', '-o', 'json']);
      let out = '';
      watch.stdout.on('data', (b: Buffer) => (out += b.toString()));
      try {
        await until('the watch listed the lease', () => (out.includes('{"type":"ADDED","object":{"apiVersion":"coordination.k8s.io/v1","kind":"Lease"') ? true : undefined));
        await heartbeat(4);
        await until('a MODIFIED event', () => (out.includes('{"type":"MODIFIED","object":{"apiVersion":"coordination.k8s.io/v1","kind":"Lease"') ? true : undefined));
      } finally {
        watch.kill();
      }
      assert.match(await ok(['api-resources', '--api-group=coordination.k8s.io']), /^leases\s+coordination.k8s.io\/v1\s+true\s+Lease$/m);
      assert.match(await ok(['explain', 'lease.spec.renewTime']), /renewTime\s+<string>/);
      assert.equal((await ok(['auth', 'can-i', 'list', 'leases.coordination.k8s.io', '-n', 'kube-node-lease'])).trim(), 'yes');
      const no = await kubectl(['auth', 'can-i', 'delete', 'leases.coordination.k8s.io', '-n', 'kube-node-lease']);
      assert.match(no.stdout, /^no - leases are read-only on Flotilla/);
    });

    it('writes are refused with a Status that says why', async function () {
      const del = await kubectl(['delete', 'lease', 'pi-lease', '-n', 'kube-node-lease']);
      assert.notEqual(del.code, 0);
      assert.match(del.stderr, /leases are read-only on Flotilla: DELETE is not allowed/);
      const put = await api('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { method: 'POST', body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'x' } } });
      assert.equal(put.status, 405);
      assert.equal((put.body as { kind: string; reason: string }).reason, 'MethodNotAllowed');
      assert.equal((await api('/apis/coordination.k8s.io/v1/namespaces/default/leases/pi-lease')).status, 404, 'node leases live in kube-node-lease only');
    });
  });

  describe('explain, auth and cluster-info', function () {
    it('explains pod.spec.containers and nested fields from the OpenAPI v3 schemas', async function () {
      const out = await ok(['explain', 'pod.spec.containers']);
      assert.match(out, /FIELD: containers <\[\]Container>/);
      assert.match(out, /^\s+image\s+<string>/m);
      assert.match(out, /^\s+livenessProbe\s+<Probe>/m);
      assert.match(await ok(['explain', 'daemonset.spec.template.spec.tolerations.tolerationSeconds']), /tolerationSeconds <integer>/);
    });

    it('auth can-i answers for the caller: yes for what the hub serves, no (with why) for what it does not', async function () {
      assert.equal((await ok(['auth', 'can-i', 'get', 'pods'])).trim(), 'yes');
      assert.equal((await ok(['auth', 'can-i', 'create', 'daemonsets.apps', '-n', 'edge'])).trim(), 'yes');
      assert.equal((await ok(['auth', 'can-i', 'get', 'pods', '--subresource=log'])).trim(), 'yes');
      const no = await kubectl(['auth', 'can-i', 'create', 'services']);
      assert.equal(no.code, 1);
      assert.match(no.stdout, /^no - the hub does not serve services/);
    });

    it('auth whoami names the admin identity of the kubeconfig token', async function () {
      const out = await ok(['auth', 'whoami', '-o', 'json']);
      const review = JSON.parse(out) as { status: { userInfo: { username: string; groups: string[] } } };
      assert.equal(review.status.userInfo.username, 'flotilla:admin');
      assert.ok(review.status.userInfo.groups.includes('system:masters'));
      const anonymous = await api('/apis/authentication.k8s.io/v1/selfsubjectreviews', { method: 'POST', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, token: 'not-the-token' });
      assert.equal(anonymous.status, 401, 'a wrong token learns nothing');
    });

    it('cluster-info prints the hub and exits 0; other Service requests keep their clear refusal', async function () {
      const out = await ok(['cluster-info']);
      assert.ok(out.includes(`Kubernetes control plane is running at ${hub.apiUrl}`), out);
      const svc = await kubectl(['get', 'services']);
      assert.notEqual(svc.code, 0);
      assert.match(svc.stderr, /Flotilla does not serve kind Service/);
    });
  });
});

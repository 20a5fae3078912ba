/**
 * kubectl drain by eviction against a real hub and a real agent on Docker: the machine's kubectl
 * 1.32 evicts through pods/eviction (--force: pods without a controller are evicted too), respects a PodDisruptionBudget (retries, reports the
 * violation, gives up at --timeout), and leaves DaemonSet pods alone with --ignore-daemonsets;
 * kubectl top node|pod read the Metrics API fed by the agent's cgroup samples.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../shared/api/meta.js';
import { createDockerEngine } from '../../agent/engine/docker-engine.js';
import { encodeProtobuf, PROTOBUF_MEDIA_TYPE } from '../../server/apiserver/protobuf/index.js';
import { silentLogger } from '../../shared/util/logger.js';
import { spawnAgent, stopAgent, type AgentProc } from '../support/agent-process.js';
import { dockerAvailable, registryAvailable, requireService, TEST_IMAGE } from '../support/env.js';
import { bootstrapToken, kubectlAvailable } from '../support/flotctl.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { run, type RunResult } from '../support/run.js';
import { until } from '../support/wait.js';

const NODE = 'kpolicy-pi-1';
const PREFIXES = ['kp-'];

function ready(p: KubeObject | undefined): boolean {
  const conditions = (p?.['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

describe('kubectl drain by eviction, PodDisruptionBudgets, top (real hub, real agent on Docker)', function () {
  this.timeout(180_000);
  let hub: HubHandle;
  let api: Api;
  let dir: string;
  let agent: AgentProc | undefined;

  const kubectl = (args: string[], timeoutMs = 60_000): Promise<RunResult> => run('kubectl', ['--kubeconfig', hub.kubeconfig, ...args], { timeoutMs });
  const ok = async (args: string[]): Promise<string> => {
    const r = await kubectl(args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed:\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const pod = async (name: string): Promise<KubeObject | undefined> => {
    const r = await api<KubeObject>(`/api/v1/namespaces/default/pods/${name}`);
    return r.status === 200 ? r.body : undefined;
  };
  const podYaml = (name: string): string =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, labels: {app: kp-web}}\nspec:\n  nodeName: ${NODE}\n  terminationGracePeriodSeconds: 1\n  containers: [{name: main, image: "${TEST_IMAGE}", command: [sleep, "3600"]}]\n`;
  const dsYaml =
    `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: kp-agentd}\nspec:\n  selector: {matchLabels: {app: kp-agentd}}\n  template:\n    metadata: {labels: {app: kp-agentd}}\n` +
    `    spec:\n      terminationGracePeriodSeconds: 1\n      containers: [{name: main, image: "${TEST_IMAGE}", command: [sleep, "3600"]}]\n`;

  before(async function () {
    await requireService('kubectl', kubectlAvailable, this);
    await requireService('docker', dockerAvailable, this);
    await requireService('registry', registryAvailable, this);
    hub = await startHub();
    api = apiClient(endpoint(hub));
    dir = await mkdtemp(join(tmpdir(), 'flotilla-kpolicy-'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ podInfraImage: TEST_IMAGE, podInfraCommand: ['sleep', '2147483647'] }));
    const token = await bootstrapToken(hub);
    agent = spawnAgent(['--hub', hub.mqttUrl, '--token', token, '--node-name', NODE, '--data-dir', dir, '--heartbeat-interval', '1s']);
    await until('the node is Ready', async () => ready((await api<KubeObject>(`/api/v1/nodes/${NODE}`)).body), 60_000);
    const manifests = join(dir, 'workloads.yaml');
    await writeFile(manifests, [podYaml('kp-web-1'), podYaml('kp-web-2'), dsYaml].join('---\n'));
    await ok(['apply', '-f', manifests]);
    await until('the pods are Ready', async () => ready(await pod('kp-web-1')) && ready(await pod('kp-web-2')), 90_000);
    await until('the DaemonSet pod is Ready', async () => {
      const list = await api<{ items: KubeObject[] }>('/api/v1/namespaces/default/pods?labelSelector=app%3Dkp-agentd');
      return list.body.items.length === 1 && ready(list.body.items[0]);
    }, 90_000);
  });

  after(async function () {
    await stopAgent(agent);
    await hub?.dispose();
    const engine = createDockerEngine({ socketPath: '/var/run/docker.sock', logger: silentLogger });
    for (const c of await engine.listManaged().catch(() => [])) {
      if (PREFIXES.some((p) => c.podName.startsWith(p))) await engine.removeContainer(c.id).catch(() => undefined);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('kubectl top node and top pod show usage the device sampled from its cgroups', async function () {
    const nodes = await ok(['top', 'node']);
    assert.match(nodes, /^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)\s*\n/);
    assert.match(nodes, new RegExp(`\\n${NODE}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`));
    const pods = await ok(['top', 'pod', '--containers']);
    assert.match(pods, /^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\n/);
    for (const name of ['kp-web-1', 'kp-web-2']) assert.match(pods, new RegExp(`\\n${name}\\s+main\\s+\\d+m\\s+\\d+Mi`));
    const one = await api<KubeObject>('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/kp-web-1');
    assert.equal(one.status, 200);
    const containers = one.body['containers'] as { name: string; usage: { cpu: string; memory: string } }[];
    assert.equal(containers.length, 1, 'the pod sandbox is not reported, only its containers');
    assert.match(containers[0]?.usage.memory ?? '', /^[1-9]\d*Ki$/, 'a running sleep has a working set');
    const missing = await api('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope');
    assert.equal(missing.status, 404);
    const write = await api('/apis/metrics.k8s.io/v1beta1/nodes', { method: 'POST', body: {} });
    assert.equal(write.status, 405);
  });

  it('kubectl create pdb and get pdb show the budget with the columns kubectl prints', async function () {
    await ok(['create', 'poddisruptionbudget', 'kp-web', '--selector=app=kp-web', '--min-available=2']);
    await until('the budget is computed', async () => (await ok(['get', 'pdb', 'kp-web', '-o', 'jsonpath={.status.expectedPods}'])) === '2', 20_000);
    const table = await ok(['get', 'pdb', 'kp-web']);
    assert.match(table, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\n/);
    assert.match(table, /\nkp-web\s+2\s+N\/A\s+0\s+\d+s\n/);
    const described = await ok(['get', 'pdb', 'kp-web', '-o', 'jsonpath={.status.conditions[0].reason}/{.status.currentHealthy}/{.status.desiredHealthy}']);
    assert.equal(described, 'InsufficientPods/2/2');
  });

  it('drain --ignore-daemonsets evicts, reports the budget violation, retries and gives up at --timeout', async function () {
    const r = await kubectl(['drain', NODE, '--ignore-daemonsets', '--force', '--timeout=8s'], 60_000);
    assert.notEqual(r.code, 0, `drain should fail while the budget allows no disruption:\n${r.stdout}\n${r.stderr}`);
    const out = r.stdout + r.stderr;
    assert.match(out, /evicting pod default\/kp-web-1/);
    assert.match(out, /Cannot evict pod as it would violate the pod's disruption budget\./);
    assert.match(out, /will retry after 5s/);
    assert.match(out, /ignoring DaemonSet-managed Pods: default\/kp-agentd-/);
    assert.equal(ready(await pod('kp-web-1')) && ready(await pod('kp-web-2')), true, 'the pods keep running');
    assert.equal((await pod('kp-web-1'))?.metadata.deletionTimestamp, undefined);
  });

  it('drain completes once the budget allows one disruption at a time; DaemonSet pods stay', async function () {
    await ok(['patch', 'pdb', 'kp-web', '--type=merge', '-p', '{"spec":{"minAvailable":null,"maxUnavailable":1}}']);
    await until('one disruption allowed', async () => (await ok(['get', 'pdb', 'kp-web', '-o', 'jsonpath={.status.disruptionsAllowed}'])) === '1', 20_000);
    const out = await ok(['drain', NODE, '--ignore-daemonsets', '--force', '--timeout=120s']);
    assert.match(out, /pod\/kp-web-1 evicted/);
    assert.match(out, /pod\/kp-web-2 evicted/);
    assert.match(out, new RegExp(`node/${NODE} drained`));
    assert.equal(await pod('kp-web-1'), undefined);
    assert.equal(await pod('kp-web-2'), undefined);
    const ds = await api<{ items: KubeObject[] }>('/api/v1/namespaces/default/pods?labelSelector=app%3Dkp-agentd');
    assert.equal(ds.body.items.length, 1);
    assert.equal(ds.body.items[0]?.metadata.deletionTimestamp, undefined, 'the DaemonSet pod is left alone');
    assert.match(await ok(['get', 'node', NODE]), /SchedulingDisabled/);
  });

  it('pods/eviction takes a protobuf Eviction (with deleteOptions) and answers protobuf', async function () {
    const list = await api<{ items: KubeObject[] }>('/api/v1/namespaces/default/pods?labelSelector=app%3Dkp-agentd');
    const name = list.body.items[0]?.metadata.name ?? '';
    const body = encodeProtobuf({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, deleteOptions: { gracePeriodSeconds: 1 } });
    const r = await api(`/api/v1/namespaces/default/pods/${name}/eviction`, { method: 'POST', rawBody: body, contentType: PROTOBUF_MEDIA_TYPE, accept: `${PROTOBUF_MEDIA_TYPE},application/json` });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers['content-type'], PROTOBUF_MEDIA_TYPE);
    const after = await pod(name);
    assert.ok(after === undefined || after.metadata.deletionGracePeriodSeconds === 1, 'deleted with the grace period the Eviction asked for');
  });
});

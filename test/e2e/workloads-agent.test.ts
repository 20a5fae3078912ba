/**
 * Workloads end to end: a hub and a real agent process on the real Docker engine. A pod bound
 * to the node runs and its status (Running, Ready, docker:// container ids) reaches the hub; a
 * graceful delete stops it on the device, which reports it gone, and the hub removes it; and
 * with the hub gone and the pod's containers dead (a device reboot), a restarted agent brings
 * the pod back from its persisted desired state alone.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS } from '../../agent/engine/types.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { isRecord } from '../../shared/util/guards.js';
import { dockerAvailable, registryAvailable, requireService, TEST_IMAGE, testImageAvailable } from '../support/env.js';
import { spawnDeviceAgent } from '../support/agent-process.js';
import { endpoint, startHub, tsEntry, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { run } from '../support/run.js';
import { until } from '../support/wait.js';

const NODE = 'pi-workloads';

async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/** Ids of the running containers of a pod uid (`docker ps` by the agent's label). */
async function runningOf(uid: string): Promise<string[]> {
  const out = await docker('ps', '-q', '--no-trunc', '--filter', `label=${LABELS.podUid}=${uid}`);
  return out === '' ? [] : out.split('\n');
}

async function allOf(uid: string): Promise<string[]> {
  const out = await docker('ps', '-aq', '--no-trunc', '--filter', `label=${LABELS.podUid}=${uid}`);
  return out === '' ? [] : out.split('\n');
}

function podSpec(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 3,
      containers: [
        {
          name: 'main',
          image: TEST_IMAGE,
          command: ['sh', '-c', 'cat /etc/cfg/greeting; exec sleep 3600'],
          env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }],
        },
      ],
      volumes: [{ name: 'cfg', configMap: { name: 'greeting' } }],
    },
  };
}

function statusOf(p: KubeObject): Record<string, unknown> {
  return isRecord(p['status']) ? p['status'] : {};
}

function readyCondition(p: KubeObject): string | undefined {
  const conds = statusOf(p)['conditions'];
  return Array.isArray(conds) ? conds.filter(isRecord).find((c) => c['type'] === 'Ready')?.['status'] as string | undefined : undefined;
}

describe('workloads: a real agent runs pods on Docker', function () {
  this.timeout(120_000);
  let hub: HubHandle;
  let api: Api;
  let agentDir: string;
  let agent: ChildProcess | undefined;
  let token: string;
  const uids: string[] = [];

  const startAgent = (withToken: boolean): ChildProcess =>
    spawnDeviceAgent({ hub, dataDir: agentDir, nodeName: NODE, ...(withToken ? { token: token } : {}) }).proc;

  const stopAgent = async (signal: NodeJS.Signals): Promise<void> => {
    const p = agent;
    agent = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  };

  const getPod = async (name: string): Promise<KubeObject | undefined> => {
    const r = await api<KubeObject>(`/api/v1/namespaces/default/pods/${name}`);
    return r.status === 200 ? r.body : undefined;
  };

  before(async function () {
    await requireService('docker', dockerAvailable, this);
    await requireService('registry', registryAvailable, this);
    await requireService('test image', testImageAvailable, this);
    hub = await startHub();
    api = apiClient(endpoint(hub));
    agentDir = await mkdtemp(join(tmpdir(), 'flotilla-agent-'));
    // The sandbox is the busybox test image here (no registry.k8s.io offline).
    await writeFile(
      join(agentDir, 'config.json'),
      JSON.stringify({ podInfraImage: TEST_IMAGE, podInfraCommand: ['sleep', '2147483647'], reconcileInterval: '500ms', podNetwork: false }),
    );
    const { cmd, args } = tsEntry('server/flotctl/main.ts');
    const r = await run(cmd, [...args, '--kubeconfig', hub.kubeconfig, 'token', 'create', '--max-uses', '1']);
    assert.equal(r.code, 0, r.stderr);
    token = r.stdout.trim();
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'greeting' }, data: { greeting: 'hello' } };
    assert.equal((await api('/api/v1/namespaces/default/configmaps', { method: 'POST', body: cm })).status, 201);
  });

  after(async () => {
    await stopAgent('SIGKILL');
    for (const uid of uids) for (const id of await allOf(uid)) await docker('rm', '-f', id);
    await hub?.dispose();
    if (agentDir) await rm(agentDir, { recursive: true, force: true });
  });

  it('runs a pod and reports its status to the hub', async () => {
    agent = startAgent(true);
    assert.equal((await api('/api/v1/namespaces/default/pods', { method: 'POST', body: podSpec('hello') })).status, 201);
    const p = await until(
      'pod hello Running and Ready on the hub',
      async () => {
        const x = await getPod('hello');
        return x && statusOf(x)['phase'] === 'Running' && readyCondition(x) === 'True' ? x : undefined;
      },
      60_000,
      250,
    );
    const uid = String(p.metadata.uid);
    uids.push(uid);
    const cs = statusOf(p)['containerStatuses'];
    const main = Array.isArray(cs) ? cs.filter(isRecord)[0] : undefined;
    assert.match(String(main?.['containerID']), /^docker:\/\/[0-9a-f]{64}$/);
    assert.equal(main?.['restartCount'], 0);
    const ids = await runningOf(uid);
    assert.equal(ids.length, 2, 'the sandbox and the container');
    assert.ok(ids.includes(String(main?.['containerID']).slice('docker://'.length)));
  });

  it('graceful delete: the device stops the pod, reports it gone, the hub removes it', async () => {
    const p = await getPod('hello');
    assert.ok(p);
    const uid = String(p.metadata.uid);
    const r = await api('/api/v1/namespaces/default/pods/hello', { method: 'DELETE', body: { gracePeriodSeconds: 3 } });
    assert.ok(r.status === 200 || r.status === 202, `delete: ${r.status}`);
    await until('pod hello gone from the hub', async () => ((await getPod('hello')) ? undefined : true), 30_000, 250);
    assert.deepEqual(await allOf(uid), []);
  });

  it('comes back after a device reboot with the hub out of reach', async () => {
    assert.equal((await api('/api/v1/namespaces/default/pods', { method: 'POST', body: podSpec('autonomous') })).status, 201);
    const p = await until(
      'pod autonomous Running',
      async () => {
        const x = await getPod('autonomous');
        return x && statusOf(x)['phase'] === 'Running' && readyCondition(x) === 'True' ? x : undefined;
      },
      60_000,
      250,
    );
    const uid = String(p.metadata.uid);
    uids.push(uid);
    const before = await runningOf(uid);
    assert.equal(before.length, 2);

    // The device goes down: the agent dies, the hub is unreachable, the containers are dead.
    await stopAgent('SIGKILL');
    await hub.stop();
    for (const id of before) await docker('kill', id);
    assert.deepEqual(await runningOf(uid), []);

    agent = startAgent(false);
    const after = await until('pod containers running again without the hub', async () => {
      const ids = await runningOf(uid);
      return ids.length === 2 ? ids : undefined;
    }, 60_000, 250);
    for (const id of after) assert.ok(!before.includes(id), 'new containers (next attempt)');
    const attempts = await docker('ps', '--filter', `label=${LABELS.podUid}=${uid}`, '--format', `{{.Label "${LABELS.container}"}}={{.Label "${LABELS.attempt}"}}`);
    assert.deepEqual(attempts.split('\n').sort(), ['POD=1', 'main=1']);
  });
});

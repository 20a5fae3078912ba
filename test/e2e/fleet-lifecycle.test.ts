/**
 * A device's life, for real: a hub with a short grace period, a real agent process enrolled with
 * a token; kill -9 the agent → node Unknown + unreachable taints → the pod that tolerates
 * unreachable for 3 s is evicted after 3 s, the one with the default 300 s stays → agent back →
 * taints gone and Ready again. kubectl and flotctl show each step.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../shared/api/meta.js';
import { createDockerEngine } from '../../agent/engine/docker-engine.js';
import { silentLogger } from '../../shared/util/logger.js';
import { dockerAvailable, registryAvailable, requireService, TEST_IMAGE } from '../support/env.js';
import { spawnDeviceAgent } from '../support/agent-process.js';
import { endpoint, startHub, tsEntry, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { run } from '../support/run.js';
import { pod } from '../support/fixtures.js';
import { until } from '../support/wait.js';

const NODE = 'pi-lifecycle';

interface Condition {
  type: string;
  status: string;
  reason?: string;
}

interface Taint {
  key: string;
  effect: string;
}

function conditions(n: KubeObject): Condition[] {
  const status = n['status'] as { conditions?: Condition[] } | undefined;
  return status?.conditions ?? [];
}

function taints(n: KubeObject): Taint[] {
  return ((n['spec'] as { taints?: Taint[] } | undefined)?.taints ?? []).map((t) => ({ key: t.key, effect: t.effect }));
}

describe('node lifecycle with a real agent (short grace period)', function () {
  let hub: HubHandle;
  let api: Api;
  let agentDir: string;
  let agent: ChildProcess | undefined;
  let token: string;

  const startAgent = (withToken: boolean): ChildProcess =>
    spawnDeviceAgent({ hub, dataDir: agentDir, nodeName: NODE, ...(withToken ? { token: token } : {}) }).proc;
  const node = async (): Promise<KubeObject | undefined> => {
    const r = await api<KubeObject>(`/api/v1/nodes/${NODE}`);
    return r.status === 200 ? r.body : undefined;
  };
  const ready = (n: KubeObject): string | undefined => conditions(n).find((c) => c.type === 'Ready')?.status;
  const cli = async (bin: 'kubectl' | 'flotctl', ...args: string[]): Promise<string> => {
    const { cmd, args: pre } = bin === 'kubectl' ? { cmd: 'kubectl', args: [] } : tsEntry('server/flotctl/main.ts');
    const r = await run(cmd, [...pre, '--kubeconfig', hub.kubeconfig, ...args]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  before(async function () {
    await requireService('docker', dockerAvailable, this);
    await requireService('registry', registryAvailable, this);
    hub = await startHub({ extraArgs: ['--node-monitor-grace-period', '4s', '--node-monitor-period', '1s'] });
    api = apiClient(endpoint(hub));
    agentDir = await mkdtemp(join(tmpdir(), 'flotilla-agent-'));
    // The pods' network holder comes from the local registry (no internet here).
    await writeFile(join(agentDir, 'config.json'), JSON.stringify({ podInfraImage: TEST_IMAGE, podInfraCommand: ['sleep', '2147483647'], podNetwork: false }));
    token = (await cli('flotctl', 'token', 'create', '--max-uses', '1')).trim();
  });
  after(async function () {
    agent?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    const engine = createDockerEngine({ socketPath: '/var/run/docker.sock', logger: silentLogger });
    for (const c of await engine.listManaged().catch(() => [])) if (c.podName === 'tolerates-3s' || c.podName === 'default-300s') await engine.removeContainer(c.id);
    await hub?.dispose();
    if (agentDir) await rm(agentDir, { recursive: true, force: true });
  });

  it('enrolls and reports Ready with the device facts', async function () {
    agent = startAgent(true);
    const n = await until('node Ready=True', async () => {
      const x = await node();
      return x && ready(x) === 'True' ? x : undefined;
    }, 20_000);
    const info = (n['status'] as { nodeInfo: { kubeletVersion: string; architecture: string } }).nodeInfo;
    assert.match(info.kubeletVersion, /flotilla/);
    assert.ok(n.metadata.labels?.['kubernetes.io/arch']);
    assert.match(await cli('kubectl', 'get', 'nodes'), new RegExp(`^${NODE}\\s+Ready\\s`, 'm'));
    assert.match(await cli('flotctl', 'get', 'nodes'), new RegExp(`^${NODE}\\s+Ready\\s`, 'm'));
  });

  it('goes Unknown and tainted unreachable when the agent dies, and evicts by tolerationSeconds', async function () {
    this.timeout(120_000);
    const quick = pod('tolerates-3s', { nodeName: NODE });
    (quick['spec'] as Record<string, unknown>)['tolerations'] = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 }];
    const slow = pod('default-300s', { nodeName: NODE });
    // `sleep` ignores SIGTERM: a short grace period keeps the stop (and the test) quick.
    for (const p of [quick, slow]) (p['spec'] as Record<string, unknown>)['terminationGracePeriodSeconds'] = 2;
    for (const p of [quick, slow]) assert.equal((await api('/api/v1/namespaces/default/pods', { method: 'POST', body: p })).status, 201);
    for (const name of ['tolerates-3s', 'default-300s']) {
      await until(`${name} Running on the device`, async () => {
        const p = (await api<KubeObject>(`/api/v1/namespaces/default/pods/${name}`)).body;
        return (p['status'] as { phase?: string } | undefined)?.phase === 'Running' ? true : undefined;
      }, 60_000);
    }

    agent?.kill('SIGKILL');
    const killedAt = Date.now();
    const n = await until('node Unknown + unreachable taints', async () => {
      const x = await node();
      const t = x ? taints(x) : [];
      return x && ready(x) === 'Unknown' && t.some((y) => y.key === 'node.kubernetes.io/unreachable' && y.effect === 'NoExecute') ? x : undefined;
    }, 15_000);
    assert.ok(Date.now() - killedAt >= 3500, 'not before the grace period');
    assert.deepEqual(
      taints(n).filter((t) => t.key === 'node.kubernetes.io/unreachable').map((t) => t.effect).sort(),
      ['NoExecute', 'NoSchedule'],
    );
    assert.equal(conditions(n).find((c) => c.type === 'Ready')?.reason, 'NodeStatusUnknown');
    assert.match(await cli('kubectl', 'get', 'nodes'), new RegExp(`^${NODE}\\s+NotReady\\s`, 'm'));
    assert.match(await cli('flotctl', 'get', 'nodes'), new RegExp(`^${NODE}\\s+NotReady\\s`, 'm'));

    // The hub's own times (whole seconds), not when this test happened to look: the CLI calls above are slow under load.
    const noExecute = ((n['spec'] as { taints?: { key: string; effect: string; timeAdded?: string }[] }).taints ?? []).find((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute');
    const taintedAt = Date.parse(noExecute?.timeAdded ?? '');
    assert.ok(Number.isFinite(taintedAt), 'the NoExecute taint carries timeAdded');
    const evicted = await until('eviction of the 3 s pod', async () => {
      const p = (await api<KubeObject>('/api/v1/namespaces/default/pods/tolerates-3s')).body;
      return p.metadata.deletionTimestamp ? p : undefined;
    }, 15_000);
    assert.ok(Date.parse(evicted.metadata.deletionTimestamp ?? '') - taintedAt >= 2000, 'evicted after its tolerationSeconds, not at once');
    const kept = (await api<KubeObject>('/api/v1/namespaces/default/pods/default-300s')).body;
    assert.equal(kept.metadata.deletionTimestamp, undefined, 'the default 300 s toleration keeps this one');
    assert.ok(((kept['spec'] as { tolerations?: { tolerationSeconds?: number }[] }).tolerations ?? []).some((t) => t.tolerationSeconds === 300));
  });

  it('comes back: the agent restarts without a token, carries out the eviction, taints go, Ready again; the node was never deleted', async function () {
    this.timeout(120_000);
    const uid = (await node())?.metadata.uid;
    const engine = createDockerEngine({ socketPath: '/var/run/docker.sock', logger: silentLogger });
    const running = async (podName: string): Promise<number> => (await engine.listManaged()).filter((c) => c.podName === podName && c.state === 'running').length;
    assert.ok((await running('tolerates-3s')) > 0, 'the evicted pod still runs on the device while it is offline');
    const idsOf = async (podName: string): Promise<string[]> => (await engine.listManaged()).filter((c) => c.podName === podName && c.state === 'running').map((c) => c.id).sort();
    const keptIds = await idsOf('default-300s');
    agent = startAgent(false);
    // The eviction recorded on the hub while the device was away is carried out now: containers
    // stopped and removed, then the hub deletes the pod for good.
    await until('the evicted pod gone from the API', async () => ((await api(`/api/v1/namespaces/default/pods/tolerates-3s`)).status === 404 ? true : undefined), 60_000);
    assert.equal(await running('tolerates-3s'), 0);
    assert.ok((await running('default-300s')) > 0, 'the pod with the default toleration keeps running');
    assert.deepEqual(await idsOf('default-300s'), keptIds, 'the restarted agent adopted the running containers: same ids, not restarted');
    const n = await until('Ready=True and no unreachable taints', async () => {
      const x = await node();
      return x && ready(x) === 'True' && !taints(x).some((t) => t.key.startsWith('node.kubernetes.io/')) ? x : undefined;
    }, 20_000);
    assert.equal(n.metadata.uid, uid);
    assert.match(await cli('kubectl', 'get', 'nodes'), new RegExp(`^${NODE}\\s+Ready\\s`, 'm'));
  });
});

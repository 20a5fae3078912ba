/**
 * The agent's footprint as a device runs it: the esbuild bundle (dist/bundle/flotilla-agent.cjs)
 * next to the unbundled agent (dist/agent/main.js with node_modules). For each: start-up time
 * (spawn → enrolled and connected, the "agent running" log line), RSS idle once its node is
 * Ready, and RSS with 5 pods running. One hub serves both runs, one after the other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createDockerEngine } from '../../agent/engine/docker-engine.js';
import { silentLogger } from '../../shared/util/logger.js';
import { TEST_IMAGE } from '../support/env.js';
import { endpoint, REPO_ROOT, startHub, tsEntry, type HubHandle } from '../support/hub.js';
import { apiClient } from '../support/http.js';
import { run } from '../support/run.js';
import { until } from '../support/wait.js';
import { DEVICE_NODE_ENV, DEVICE_NODE_FLAGS } from '../../firmware-images/packaging/device-runtime.js';
import { rssBytes } from './proc-stats.js';

export interface FootprintResult {
  label: string;
  startupMs: number;
  idleRssBytes: number;
  fivePodsRssBytes: number;
}

const PODS = 5;
const SETTLE_MS = 3000;

interface Variant {
  label: string;
  args: string[];
  env?: Readonly<Record<string, string>>;
}

const BUNDLE = join(REPO_ROOT, 'dist', 'bundle', 'flotilla-agent.cjs');

export const FOOTPRINT_VARIANTS: readonly Variant[] = [
  { label: 'bundle as the .deb runs it', args: [...DEVICE_NODE_FLAGS, BUNDLE], env: DEVICE_NODE_ENV },
  { label: 'bundle, plain node', args: [BUNDLE] },
  { label: 'unbundled (dist/agent/main.js)', args: [join(REPO_ROOT, 'dist', 'agent', 'main.js')] },
];

async function nodeReady(api: ReturnType<typeof apiClient>, name: string): Promise<true | undefined> {
  const r = await api<{ status?: { conditions?: { type: string; status: string }[] } }>(`/api/v1/nodes/${name}`);
  return r.status === 200 && r.body.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
}

async function runningPods(api: ReturnType<typeof apiClient>, node: string): Promise<number> {
  const r = await api<{ items?: { status?: { phase?: string } }[] }>(`/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName%3D${node}`);
  return (r.body.items ?? []).filter((p) => p.status?.phase === 'Running').length;
}

async function measure(hub: HubHandle, variant: Variant, index: number): Promise<FootprintResult> {
  const api = apiClient(endpoint(hub));
  const node = `bench-footprint-${index}`;
  const flot = tsEntry('server/flotctl/main.ts');
  const token = (await run(flot.cmd, [...flot.args, '--kubeconfig', hub.kubeconfig, 'token', 'create'])).stdout.trim();
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-footprint-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify({ podInfraImage: TEST_IMAGE, podInfraCommand: ['sleep', '2147483647'], podNetwork: false }));
  const t0 = Date.now();
  const agent: ChildProcess = spawn(process.execPath, [...variant.args, '--hub', hub.mqttUrl, '--data-dir', dir, '--node-name', node, '--token', token], {
    cwd: dir,
    env: { ...process.env, ...variant.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let runningAt: number | undefined;
  const logs: string[] = [];
  if (agent.stderr) {
    createInterface({ input: agent.stderr }).on('line', (l) => {
      logs.push(l);
      if (logs.length > 30) logs.shift();
      if (runningAt === undefined && l.includes('"msg":"agent running"')) runningAt = Date.now();
    });
  }
  try {
    const startedAt = await until('agent running', () => runningAt, 30_000);
    await until('node Ready', () => nodeReady(api, node), 30_000);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const idleRssBytes = await rssBytes(agent.pid ?? -1);
    for (let i = 0; i < PODS; i++) {
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${node}-${i}` },
        spec: { nodeName: node, containers: [{ name: 'main', image: TEST_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
      };
      await api('/api/v1/namespaces/default/pods', { method: 'POST', body: pod });
    }
    await until(`${PODS} pods running`, async () => ((await runningPods(api, node)) === PODS ? true : undefined), 120_000, 250);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const fivePodsRssBytes = await rssBytes(agent.pid ?? -1);
    return { label: variant.label, startupMs: startedAt - t0, idleRssBytes, fivePodsRssBytes };
  } catch (e: unknown) {
    throw new Error(`${variant.label}: ${e instanceof Error ? e.message : String(e)}; agent log:\n${logs.join('\n')}`, { cause: e });
  } finally {
    for (let i = 0; i < PODS; i++) await api(`/api/v1/namespaces/default/pods/${node}-${i}?gracePeriodSeconds=0`, { method: 'DELETE' });
    agent.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    const engine = createDockerEngine({ socketPath: '/var/run/docker.sock', logger: silentLogger });
    for (const c of await engine.listManaged()) if (c.podName.startsWith(node)) await engine.removeContainer(c.id);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Median wall time of `node ENTRY --version` (loading the code, no I/O), over `rounds` runs. */
export async function versionLoadMs(variant: Variant, rounds = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    await run(process.execPath, [...variant.args, '--version'], { env: { ...process.env, ...variant.env } });
    times.push(Number((process.hrtime.bigint() - t0) / 1_000_000n));
  }
  return [...times].sort((a, b) => a - b)[Math.floor(rounds / 2)] ?? NaN;
}

/** Measures every variant against one hub; `npm run build` must have run. */
export async function benchAgentFootprint(): Promise<FootprintResult[]> {
  const hub = await startHub();
  try {
    const out: FootprintResult[] = [];
    for (const [i, v] of FOOTPRINT_VARIANTS.entries()) out.push(await measure(hub, v, i));
    return out;
  } finally {
    await hub.dispose();
  }
}

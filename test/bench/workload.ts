/**
 * The agent's overhead in starting a pod: from the moment the agent has the desired document to
 * the container running (the Docker `start` event), next to a plain create + start of the same
 * image through the same engine in the same run; and the agent's RSS with 5 pods running.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createDockerEngine } from '../../agent/engine/docker-engine.js';
import { silentLogger } from '../../shared/util/logger.js';
import { TEST_IMAGE } from '../support/env.js';
import { distEntry, endpoint, startHub, tsEntry } from '../support/hub.js';
import { apiClient } from '../support/http.js';
import { run } from '../support/run.js';
import { until } from '../support/wait.js';
import { rssBytes } from './proc-stats.js';

export interface WorkloadResult {
  agentMs: number[];
  plainMs: number[];
  agentRssBytes: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
export { median };

/** Start times of containers, from `docker events` (nanosecond timestamps). */
function dockerStarts(): { starts: Map<string, number>; stop: () => void } {
  const starts = new Map<string, number>();
  const p = spawn('docker', ['events', '--filter', 'event=start', '--format', '{{.Actor.Attributes.name}} {{.TimeNano}}'], { stdio: ['ignore', 'pipe', 'ignore'] });
  createInterface({ input: p.stdout }).on('line', (l) => {
    const [name = '', ns = '0'] = l.split(' ');
    starts.set(name, Number(BigInt(ns) / 1_000_000n));
  });
  return { starts, stop: () => p.kill() };
}

export async function benchWorkload(rounds = 5): Promise<WorkloadResult> {
  const engine = createDockerEngine({ socketPath: '/var/run/docker.sock', logger: silentLogger });
  await engine.pullImage(TEST_IMAGE, {});
  const events = dockerStarts();
  await new Promise((r) => setTimeout(r, 300));

  // Baseline: create + start of the same image, same engine, same run.
  const plainMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = Date.now();
    const id = await engine.createContainer({
      name: `flotilla-bench-plain-${process.pid}-${i}`,
      labels: {},
      image: TEST_IMAGE,
      cmd: ['sleep', '3600'],
      env: [],
      mounts: [],
      ports: [],
      networkMode: 'host',
      privileged: false,
    });
    await engine.startContainer(id);
    plainMs.push(Date.now() - t0);
    await engine.removeContainer(id);
  }

  const hub = await startHub();
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-agent-'));
  const api = apiClient(endpoint(hub));
  const flot = tsEntry('server/flotctl/main.ts');
  const token = (await run(flot.cmd, [...flot.args, '--kubeconfig', hub.kubeconfig, 'token', 'create'])).stdout.trim();
  await writeFile(join(dir, 'config.json'), JSON.stringify({ podInfraImage: TEST_IMAGE, podInfraCommand: ['sleep', '2147483647'], podNetwork: false }));
  const agentCmd = distEntry('agent/main.js');
  const agent = spawn(agentCmd.cmd, [...agentCmd.args, '--hub', hub.mqttUrl, '--data-dir', dir, '--node-name', 'bench-node', '--token', token], { stdio: ['ignore', 'ignore', 'pipe'] });
  /** When the agent accepted each desired document naming a pod, from its JSON log. */
  const accepted = new Map<string, number>();
  createInterface({ input: agent.stderr }).on('line', (l) => {
    try {
      const e = JSON.parse(l) as { msg?: string; ts?: string; pods?: string[] };
      if (e.msg === 'desired state' && e.ts) for (const p of e.pods ?? []) if (!accepted.has(p)) accepted.set(p, Date.parse(e.ts));
    } catch {
      // not a log line
    }
  });
  try {
    await until('node registered', async () => ((await api(`/api/v1/nodes/bench-node`)).status === 200 ? true : undefined), 30_000);
    const agentMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const name = `bench-${i}`;
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { nodeName: 'bench-node', hostNetwork: true, containers: [{ name: 'main', image: TEST_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
      };
      await api('/api/v1/namespaces/default/pods', { method: 'POST', body: pod });
      const started = await until(`${name} running`, () => {
        const entry = [...events.starts.entries()].find(([n]) => n.includes(name) && n.includes('main'));
        return entry?.[1];
      }, 60_000);
      const t0 = await until(`${name} accepted`, () => accepted.get(`default/${name}`), 10_000);
      agentMs.push(started - t0);
    }
    await new Promise((r) => setTimeout(r, 2000));
    const agentRssBytes = await rssBytes(agent.pid ?? -1);
    return { agentMs, plainMs, agentRssBytes };
  } finally {
    events.stop();
    agent.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    for (const c of await engine.listManaged()) if (c.podName.startsWith('bench-')) await engine.removeContainer(c.id);
    await hub.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

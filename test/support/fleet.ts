/**
 * Real agent processes (dist/agent/main.js, so `npm run build` first) for fleet tests and
 * benchmarks: each with its own node name and data dir, enrolled with one bootstrap token,
 * heartbeating every second. They can be killed and started again (same identity).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerEngine } from '../../agent/engine/docker-engine.js';
import { silentLogger } from '../../shared/util/logger.js';
import { TEST_IMAGE } from './env.js';
import { distEntry, tsEntry, type HubHandle } from './hub.js';
import { run } from './run.js';

export interface FleetAgent {
  node: string;
  dir: string;
  proc?: ChildProcess;
}

export interface Fleet {
  agents: FleetAgent[];
  start(node: string): void;
  /** SIGKILL: the device drops off the network; its containers keep running. */
  kill(node: string): Promise<void>;
  /** Stops every agent, removes the containers of pods whose name starts with one of `podPrefixes`, and the data dirs. */
  dispose(podPrefixes: string[]): Promise<void>;
}

export async function startFleet(hub: HubHandle, nodes: string[]): Promise<Fleet> {
  const flot = tsEntry('server/flotctl/main.ts');
  const created = await run(flot.cmd, [...flot.args, '--kubeconfig', hub.kubeconfig, 'token', 'create', '--max-uses', String(nodes.length)]);
  if (created.code !== 0) throw new Error(`token create failed: ${created.stderr}`);
  const token = created.stdout.trim();
  const agents: FleetAgent[] = [];
  for (const node of nodes) {
    const dir = await mkdtemp(join(tmpdir(), `flotilla-${node}-`));
    // The pods' network holder comes from the local registry; no pod network bridge on the shared Docker.
    await writeFile(join(dir, 'config.json'), JSON.stringify({ podInfraImage: TEST_IMAGE, podInfraCommand: ['sleep', '2147483647'], podNetwork: false }));
    agents.push({ node, dir });
  }
  const entry = distEntry('agent/main.js');
  const find = (node: string): FleetAgent => {
    const a = agents.find((x) => x.node === node);
    if (!a) throw new Error(`no agent ${node}`);
    return a;
  };
  const start = (node: string): void => {
    const a = find(node);
    const flags = ['--hub', hub.mqttsUrl ?? hub.mqttUrl, '--data-dir', a.dir, '--node-name', node, '--heartbeat-interval', '1s', '--token', token];
    a.proc = spawn(entry.cmd, [...entry.args, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
    a.proc.stderr?.resume();
  };
  const stop = async (a: FleetAgent, signal: NodeJS.Signals): Promise<void> => {
    const p = a.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(signal);
    await exited;
    delete a.proc;
  };
  for (const n of nodes) start(n);
  return {
    agents,
    start,
    kill: (node) => stop(find(node), 'SIGKILL'),
    async dispose(podPrefixes) {
      await Promise.all(agents.map((a) => stop(a, 'SIGTERM')));
      const engine = createDockerEngine({ socketPath: '/var/run/docker.sock', logger: silentLogger });
      for (const c of await engine.listManaged().catch(() => [])) {
        if (podPrefixes.some((p) => c.podName.startsWith(p))) await engine.removeContainer(c.id).catch(() => undefined);
      }
      for (const a of agents) await rm(a.dir, { recursive: true, force: true });
    },
  };
}

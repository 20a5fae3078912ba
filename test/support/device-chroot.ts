/**
 * Runs the agent of a device root (an image's root dumped out, or a Debian root with the package
 * installed) under qemu-user in a chroot, as first boot would leave it: the host named, /proc
 * mounted, Docker the host's (its socket bound in); and waits for its node to be Ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { endpoint, type HubHandle } from './hub.js';
import { apiClient } from './http.js';
import { until } from './wait.js';

interface NodeView {
  metadata?: { labels?: Record<string, string> };
  status?: { conditions?: { type: string; status: string }[] };
}

export interface ChrootAgentRun {
  node: NodeView;
  /** From the agent's start to the node's Ready. */
  readyMs: number;
}

export async function runAgentInChroot(hub: HubHandle, root: string, nodeName: string, timeoutMs = 300_000): Promise<ChrootAgentRun> {
  await mkdir(join(root, 'proc'), { recursive: true });
  await mkdir(join(root, 'run'), { recursive: true });
  await writeFile(join(root, 'run', 'docker.sock'), '');
  const script = `hostname ${nodeName} && mount -t proc proc "$1/proc" && mount --bind /var/run/docker.sock "$1/run/docker.sock" && exec chroot "$1" /usr/bin/flotilla-agent --data-dir /var/lib/flotilla-agent`;
  const t0 = Date.now();
  const agent: ChildProcess = spawn('unshare', ['--mount', '--uts', 'sh', '-c', script, 'sh', root], { stdio: ['ignore', 'ignore', 'pipe'] });
  const logs: string[] = [];
  agent.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
  const api = apiClient(endpoint(hub));
  try {
    const node = await until(
      `node ${nodeName} Ready`,
      async () => {
        const r = await api<NodeView>(`/api/v1/nodes/${nodeName}`);
        return r.status === 200 && r.body.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? r.body : undefined;
      },
      timeoutMs,
      500,
    ).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}; agent log:\n${logs.join('').slice(-3000)}`, { cause: e });
    });
    return { node, readyMs: Date.now() - t0 };
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 3000));
    if (agent.exitCode === null) agent.kill('SIGKILL');
  }
}

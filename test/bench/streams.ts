/**
 * `kubectl exec` round trip and `kubectl port-forward` throughput through the hub and the real
 * agent (dist/, the reconcile loop running a busybox pod on its own bridge network on Docker,
 * which port-forward reaches by the pod IP). Figures only.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerEngine } from '../../agent/engine/docker-engine.js';
import { silentLogger } from '../../shared/util/logger.js';
import { TEST_IMAGE } from '../support/env.js';
import { bootstrapToken } from '../support/flotctl.js';
import { distEntry, endpoint, startHub } from '../support/hub.js';
import { apiClient } from '../support/http.js';
import { freePort } from '../support/free-port.js';
import { run } from '../support/run.js';
import { until } from '../support/wait.js';
import { median } from './workload.js';

export interface StreamsResult {
  execMs: number[];
  /** `kubectl get pod` on the same hub: kubectl's own start-up and API round trip. */
  getMs: number[];
  forwardBytes: number;
  forwardBytesPerSecond: number;
}

export async function benchStreams(rounds = 7, mib = 32): Promise<StreamsResult> {
  const engine = createDockerEngine({ socketPath: '/var/run/docker.sock', logger: silentLogger });
  await engine.pullImage(TEST_IMAGE, {});
  const hub = await startHub();
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-streams-'));
  const api = apiClient(endpoint(hub));
  const token = await bootstrapToken(hub);
  const podNetwork = { name: 'flobench0', subnet: '10.89.9.0/24', hostPortAddress: '127.0.0.1' };
  await run('docker', ['network', 'rm', podNetwork.name]); // left over by a killed run
  await writeFile(join(dir, 'config.json'), JSON.stringify({ podInfraImage: TEST_IMAGE, podInfraCommand: ['sleep', '2147483647'], podNetwork }));
  const agentCmd = distEntry('agent/main.js');
  const agent = spawn(agentCmd.cmd, [...agentCmd.args, '--hub', hub.mqttUrl, '--data-dir', dir, '--node-name', 'bench-streams', '--token', token], { stdio: ['ignore', 'ignore', 'ignore'] });
  const kubectl = (args: string[]): ReturnType<typeof run> => run('kubectl', ['--kubeconfig', hub.kubeconfig, ...args], { timeoutMs: 120_000 });
  const remote = 8080; // in the pod's own network namespace
  const local = await freePort();
  try {
    await until('node registered', async () => ((await api('/api/v1/nodes/bench-streams')).status === 200 ? true : undefined), 90_000);
    const script = `mkdir -p /tmp/www && dd if=/dev/zero of=/tmp/www/blob bs=1048576 count=${mib} 2>/dev/null && exec httpd -f -p ${remote} -h /tmp/www`;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'bench-streams' },
      spec: { nodeName: 'bench-streams', containers: [{ name: 'main', image: TEST_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script] }] },
    };
    const created = await api('/api/v1/namespaces/default/pods', { method: 'POST', body: pod });
    if (created.status !== 201) throw new Error(`the pod was not created: ${created.text}`);
    let last = '';
    await until('pod running', async () => {
      const r = await kubectl(['exec', 'bench-streams', '--', 'test', '-s', '/tmp/www/blob']);
      last = r.stderr;
      return r.code === 0 ? true : undefined;
    }, 120_000).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)} (last exec: ${last.trim()})`);
    });
    const execMs: number[] = [];
    const getMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let t0 = performance.now();
      await kubectl(['get', 'pod', 'bench-streams']);
      getMs.push(Math.round(performance.now() - t0));
      t0 = performance.now();
      await kubectl(['exec', 'bench-streams', '--', 'true']);
      execMs.push(Math.round(performance.now() - t0));
    }
    const pf = spawn('kubectl', ['--kubeconfig', hub.kubeconfig, 'port-forward', 'pod/bench-streams', `${local}:${remote}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let said = '';
    pf.stdout.on('data', (d: Buffer) => (said += d.toString()));
    try {
      await until('port-forward listening', () => (said.includes('Forwarding from') ? true : undefined), 20_000);
      const r = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{size_download} %{speed_download}', `http://127.0.0.1:${local}/blob`], { timeoutMs: 120_000 });
      const [size, speed] = r.stdout.trim().split(' ').map(Number);
      return { execMs, getMs, forwardBytes: size ?? 0, forwardBytesPerSecond: speed ?? 0 };
    } finally {
      pf.kill('SIGKILL');
    }
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    for (const c of await engine.listManaged()) if (c.podName === 'bench-streams') await engine.removeContainer(c.id).catch(() => undefined);
    await run('docker', ['network', 'rm', podNetwork.name]);
    await hub.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

export function describeStreams(s: StreamsResult): [string, string][] {
  const mibps = (s.forwardBytesPerSecond / 1024 / 1024).toFixed(1);
  return [
    ['kubectl exec POD -- true, whole command', `${median(s.execMs)} ms median (${s.execMs.join(', ')} ms; kubectl get pod on the same hub: ${median(s.getMs)} ms)`],
    ['kubectl port-forward throughput', `${mibps} MiB/s (${(s.forwardBytes / 1024 / 1024).toFixed(0)} MiB fetched with curl; 256 KiB window, link over local MQTT)`],
  ];
}

/**
 * kubectl exec, attach, cp and port-forward end to end: a hub process, the real agent (in
 * process, real MQTT) with the Docker engine, containers on the real Docker engine for pods
 * bound to its node, and the kubectl on this machine speaking its default WebSocket protocols.
 * (The containers are created through the engine with the agent's labels, as its reconcile
 * loop does, so each test controls exactly what runs.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerEngine } from '../../agent/engine/types.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { startDockerAgent, type DockerAgent } from '../support/docker-agent.js';
import { TestContainers, engineWithTestImage, managedLabels, shellSpec } from '../support/engine-harness.js';
import { requireService } from '../support/env.js';
import { pod } from '../support/fixtures.js';
import { flotctl, kubectlAvailable } from '../support/flotctl.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { freePort } from '../support/free-port.js';
import { run, type RunResult } from '../support/run.js';
import { until } from '../support/wait.js';

const PODS = '/api/v1/namespaces/default/pods';
const NODE = 'pi-streams';
const RUN = `${process.pid}-${Date.now().toString(36)}`;

/** A bridge network this test makes (and removes) for a pod reached by its IP. */
const PF_NETWORK = 'flotest-pf';
const PF_SUBNET = '10.89.7.0/24';

describe('kubectl exec, attach, cp and port-forward: hub, real agent, real Docker', function () {
  this.timeout(120_000);
  let hub: HubHandle;
  let api: Api;
  let engine: ContainerEngine;
  let agent: DockerAgent | undefined;
  let workDir: string;
  const containers = new TestContainers(() => engine);
  const ids = new Map<string, string>();

  const kubectl = (args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> =>
    run('kubectl', ['--kubeconfig', hub.kubeconfig, ...args], { timeoutMs: opts.timeoutMs ?? 30_000, ...(opts.input !== undefined ? { input: opts.input } : {}), ...(opts.env ? { env: opts.env } : {}) });

  /** A pod bound to the agent's node, and its container started on Docker with the agent's labels. */
  async function podWithContainer(name: string, script: string, networkMode = 'none'): Promise<string> {
    const res = await api<KubeObject>(PODS, { method: 'POST', body: pod(name, { nodeName: NODE }) });
    assert.equal(res.status, 201, res.text);
    const uid = res.body.metadata.uid ?? '';
    const id = await containers.createStarted(
      shellSpec(`flotilla-test-streams-${name}-${RUN}`, script, { networkMode, labels: managedLabels(name, { podUid: uid, container: 'main' }) }),
    );
    ids.set(name, id);
    // kubectl port-forward wants a Running pod; the agent's reconcile loop (not run here) says so.
    const st = await api(`${PODS}/${name}/status`, { method: 'PATCH', body: { status: { phase: 'Running' } }, contentType: 'application/merge-patch+json' });
    assert.equal(st.status, 200, st.text);
    return id;
  }

  before(async function () {
    await requireService('kubectl', kubectlAvailable, this);
    engine = await engineWithTestImage(this);
    hub = await startHub();
    api = apiClient(endpoint(hub));
    workDir = await mkdtemp(join(tmpdir(), 'flotilla-streams-'));
    agent = await startDockerAgent(hub, engine, { node: NODE, tag: 'streams', reconcile: false });
    await podWithContainer('shell', 'sleep 600');
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') {
      console.log((agent?.logs ?? []).slice(-40).join(''));
      console.log(hub.logs.slice(-40).join('\n'));
    }
    await agent?.stop();
    await containers.removeAll({ ignoreErrors: true });
    await run('docker', ['network', 'rm', PF_NETWORK]);
    await hub?.dispose();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('kubectl exec prints the output and exits with the command\'s code', async function () {
    const r = await kubectl(['exec', 'shell', '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3']);
    assert.equal(r.stdout, 'hi\n', r.stderr);
    assert.match(r.stderr, /oops/);
    assert.equal(r.code, 3, r.stderr);
    const ok = await kubectl(['exec', 'shell', '--', 'true']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('kubectl exec -i feeds stdin and the command sees its end', async function () {
    const r = await kubectl(['exec', '-i', 'shell', '--', 'sh', '-c', 'wc -c; echo done'], { input: 'hello stdin\n'.repeat(1000) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.replace(/\s+/g, ' ').trim(), '12000 done');
  });

  it('kubectl exec -it runs through a terminal', async function () {
    // python3's pty module gives kubectl a terminal, as a person's shell would.
    const script = 'import pty, sys; pty.spawn(sys.argv[1:])';
    const r = await run('python3', ['-c', script, 'kubectl', '--kubeconfig', hub.kubeconfig, 'exec', '-it', 'shell', '--', 'sh', '-c', 'tty; stty size'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
  });

  it('kubectl cp copies a file into the pod and back, byte for byte', async function () {
    const original = randomBytes(300 * 1024);
    const src = join(workDir, 'blob.bin');
    const back = join(workDir, 'blob-back.bin');
    await writeFile(src, original);
    const up = await kubectl(['cp', src, 'default/shell:/tmp/blob.bin'], { timeoutMs: 60_000 });
    assert.equal(up.code, 0, up.stderr);
    const size = await kubectl(['exec', 'shell', '--', 'sh', '-c', 'wc -c < /tmp/blob.bin']);
    assert.equal(size.stdout.trim(), String(original.length));
    const down = await kubectl(['cp', 'default/shell:/tmp/blob.bin', back], { timeoutMs: 60_000 });
    assert.equal(down.code, 0, down.stderr);
    assert.ok((await readFile(back)).equals(original), 'the copy that came back differs');
  });

  it('kubectl attach shows the running container\'s output', async function () {
    await podWithContainer('ticker', 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 0.2; done');
    const p = spawn('kubectl', ['--kubeconfig', hub.kubeconfig, 'attach', 'ticker'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until('attach shows ticks', () => (/tick \d+\n.*tick \d+/s.test(out) ? true : undefined), 20_000);
    } finally {
      p.kill('SIGKILL');
    }
  });

  /** Runs kubectl port-forward to `pod` and fetches the page three times with curl on 127.0.0.1. */
  async function forwardAndFetch(podName: string, remote: number, page: string): Promise<void> {
    const local = await freePort();
    const p = spawn('kubectl', ['--kubeconfig', hub.kubeconfig, 'port-forward', `pod/${podName}`, `${local}:${remote}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until('port-forward listening', () => (out.includes('Forwarding from') ? true : undefined), 20_000);
      for (let i = 0; i < 3; i++) {
        const r = await until('curl answered', async () => {
          const c = await run('curl', ['-s', '-m', '10', `http://127.0.0.1:${local}/`]);
          return c.code === 0 ? c : undefined;
        });
        assert.equal(r.stdout, page, out);
      }
    } catch (e) {
      console.log(out, hub.logs.filter((l) => l.includes('stream')).join('\n'), (agent?.logs ?? []).filter((l) => l.includes('stream')).join(''));
      throw e;
    } finally {
      p.kill('SIGKILL');
    }
  }

  const httpd = (listen: string, page: string): string => `mkdir -p /tmp/www && echo ${page} > /tmp/www/index.html && exec httpd -f -p ${listen} -h /tmp/www`;

  it('kubectl port-forward reaches an HTTP server in a host-network pod, fetched with curl', async function () {
    const remote = await freePort();
    await podWithContainer('web', httpd(`127.0.0.1:${remote}`, 'hello-from-the-pod'), 'host');
    await forwardAndFetch('web', remote, 'hello-from-the-pod\n');
  });

  it('kubectl port-forward reaches a pod on a bridge network by its IP', async function () {
    await run('docker', ['network', 'rm', PF_NETWORK]); // left over by a killed run
    const made = await run('docker', ['network', 'create', '--driver', 'bridge', '--subnet', PF_SUBNET, PF_NETWORK]);
    assert.equal(made.code, 0, made.stderr);
    await podWithContainer('web-bridged', httpd('8080', 'hello-over-the-bridge'), PF_NETWORK);
    await forwardAndFetch('web-bridged', 8080, 'hello-over-the-bridge\n');
  });

  it('kubectl port-forward reaches a pod with only loopback through nc in its namespace', async function () {
    await podWithContainer('web-isolated', httpd('127.0.0.1:8080', 'hello-from-loopback'), 'none');
    await forwardAndFetch('web-isolated', 8080, 'hello-from-loopback\n');
  });

  it('a viewer token is refused exec, attach and port-forward with 403', async function () {
    const made = await flotctl(hub, ['token', 'create', '--role', 'viewer']);
    assert.equal(made.code, 0, made.stderr);
    const viewer = made.stdout.trim();
    const r = await kubectl(['--token', viewer, 'exec', 'shell', '--', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /forbidden/i);
    assert.match(r.stderr, /cannot create resource "pods\/exec"/);
    const pf = await kubectl(['--token', viewer, 'port-forward', 'pod/shell', '1:1'], { timeoutMs: 20_000 });
    assert.notEqual(pf.code, 0);
    assert.match(pf.stderr, /forbidden/i);
  });

  it('killing kubectl mid-exec kills the process in the container', async function () {
    const id = ids.get('shell') ?? '';
    const p = spawn('kubectl', ['--kubeconfig', hub.kubeconfig, 'exec', 'shell', '--', 'sleep', '4321'], { stdio: 'ignore' });
    const sleeping = async (): Promise<boolean> => (await engine.exec(id, ['ps'], 10_000)).output.includes('sleep 4321');
    await until('the exec runs in the container', async () => ((await sleeping()) ? true : undefined), 20_000);
    p.kill('SIGKILL');
    await until('the exec is gone from the container', async () => ((await sleeping()) ? undefined : true), 20_000);
  });
});

/**
 * Logs end to end with the real pieces: a hub process, the real agent (in process, real MQTT,
 * enrolled with a bootstrap token) with the Docker engine, and containers on the real Docker
 * engine carrying the agent's labels for pods bound to its node. `flotctl logs` and kubectl read
 * them through the hub. (The reconcile loop that creates such containers from the desired state
 * is not wired here: the test creates them through the engine, as the loop will.)
 */
import assert from 'node:assert/strict';
import type { ContainerEngine } from '../../agent/engine/types.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { main as flotctlMain } from '../../server/flotctl/cli.js';
import { startDockerAgent, type DockerAgent } from '../support/docker-agent.js';
import { TestContainers, engineWithTestImage, managedLabels, shellSpec } from '../support/engine-harness.js';
import { requireService } from '../support/env.js';
import { pod } from '../support/fixtures.js';
import { flotctl, kubectlAvailable } from '../support/flotctl.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { run } from '../support/run.js';
import { until } from '../support/wait.js';

const PODS = '/api/v1/namespaces/default/pods';
const NODE = 'pi-logs';
const RUN = `${process.pid}-${Date.now().toString(36)}`;

describe('logs end to end: hub, real agent, real Docker', function () {
  this.timeout(120_000);
  let hub: HubHandle;
  let api: Api;
  let engine: ContainerEngine;
  let agent: DockerAgent | undefined;
  const containers = new TestContainers(() => engine);

  /** A pod bound to the agent's node, and its container started on Docker with the agent's labels. */
  async function podWithContainer(name: string, script: string): Promise<string> {
    const res = await api<KubeObject>(PODS, { method: 'POST', body: pod(name, { nodeName: NODE }) });
    assert.equal(res.status, 201, res.text);
    const uid = res.body.metadata.uid ?? '';
    return containers.createStarted(
      shellSpec(`flotilla-test-logs-${name}-${RUN}`, script, { labels: managedLabels(name, { podUid: uid, container: 'main' }) }),
    );
  }

  async function exited(id: string): Promise<void> {
    await until(`container ${id} exited`, async () => ((await engine.listManaged()).find((c) => c.id === id)?.state === 'exited' ? true : undefined));
  }

  before(async function () {
    engine = await engineWithTestImage(this);
    hub = await startHub();
    api = apiClient(endpoint(hub));
    agent = await startDockerAgent(hub, engine, { node: NODE, tag: 'logs', reconcile: false });
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') console.log((agent?.logs ?? []).slice(-30).join(''));
    await agent?.stop();
    await containers.removeAll({ ignoreErrors: true });
    await hub?.dispose();
  });

  it("flotctl logs prints a container's stdout and stderr from Docker, and --tail limits it", async function () {
    const id = await podWithContainer('chatty', 'for i in 1 2 3; do echo "line $i"; done; echo "to stderr" >&2');
    await exited(id);
    const r = await flotctl(hub, ['logs', 'chatty']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').sort(), ['', 'line 1', 'line 2', 'line 3', 'to stderr']);
    const tail = await flotctl(hub, ['logs', 'chatty', '--tail', '1']);
    assert.equal(tail.code, 0, tail.stderr);
    assert.equal(tail.stdout.split('\n').filter((l) => l !== '').length, 1);
    const stamped = await flotctl(hub, ['logs', 'chatty', '--timestamps', '--tail', '1']);
    assert.match(stamped.stdout, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z /);
  });

  it('flotctl logs -f follows a running container until it exits', async function () {
    await podWithContainer('ticker', 'i=0; while [ $i -lt 5 ]; do echo "tick $i"; i=$((i+1)); sleep 0.3; done');
    const r = await flotctl(hub, ['logs', '-f', 'ticker']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'tick 0\ntick 1\ntick 2\ntick 3\ntick 4\n');
  });

  it('kubectl logs reads the same container', async function () {
    await requireService('kubectl', kubectlAvailable, this);
    const r = await run('kubectl', ['--kubeconfig', hub.kubeconfig, 'logs', 'chatty', '--tail', '3'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n').filter((l) => l !== '').length, 3);
  });

  it('kubectl logs --previous reads the terminated instance the device kept; the current one without it', async function () {
    await requireService('kubectl', kubectlAvailable, this);
    const res = await api<KubeObject>(PODS, { method: 'POST', body: pod('restarted', { nodeName: NODE }) });
    assert.equal(res.status, 201, res.text);
    const uid = res.body.metadata.uid ?? '';
    const instance = (attempt: number, script: string): Promise<string> =>
      containers.createStarted(
        shellSpec(`flotilla-test-logs-restarted-${attempt}-${RUN}`, script, { labels: managedLabels('restarted', { podUid: uid, container: 'main', attempt: String(attempt) }) }),
      );
    await exited(await instance(0, 'echo "first life"; exit 1'));
    await instance(1, 'echo "second life"; sleep 30');
    const kubectl = (args: string[]): ReturnType<typeof run> => run('kubectl', ['--kubeconfig', hub.kubeconfig, ...args], { timeoutMs: 30_000 });
    const previous = await kubectl(['logs', 'restarted', '--previous']);
    assert.equal(previous.code, 0, previous.stderr);
    assert.equal(previous.stdout, 'first life\n');
    const current = await until('the current instance logged', async () => {
      const r = await kubectl(['logs', 'restarted']);
      return r.stdout !== '' ? r : undefined;
    });
    assert.equal(current.stdout, 'second life\n');
    const never = await kubectl(['logs', 'chatty', '--previous']);
    assert.equal(never.code, 1);
    assert.match(never.stderr, /previous terminated container "main" in pod "chatty" not found/);
  });

  it('kubectl logs --since and --since-time leave out older lines', async function () {
    await requireService('kubectl', kubectlAvailable, this);
    await podWithContainer('slow', 'echo early; sleep 4; i=0; while true; do echo "late $i"; i=$((i+1)); sleep 0.5; done');
    const kubectl = (args: string[]): ReturnType<typeof run> => run('kubectl', ['--kubeconfig', hub.kubeconfig, ...args], { timeoutMs: 30_000 });
    const stamped = await until('two lines logged', async () => {
      const r = await kubectl(['logs', 'slow', '--timestamps']);
      return r.stdout.includes('late 1') ? r.stdout : undefined;
    });
    const lateAt = /^(\S+) late 0$/m.exec(stamped)?.[1];
    assert.ok(lateAt !== undefined, stamped);
    const all = await kubectl(['logs', 'slow', '--since=1h']);
    assert.match(all.stdout, /^early\nlate 0\n/);
    const recent = await kubectl(['logs', 'slow', '--since=2s']);
    assert.equal(recent.code, 0, recent.stderr);
    assert.doesNotMatch(recent.stdout, /early/);
    assert.match(recent.stdout, /^late \d+$/m);
    // kubectl sends whole seconds: the second 'late 0' fell in comes after 'early' (4 s before).
    const sinceTime = `${lateAt.slice(0, 19)}Z`;
    const fromTime = await kubectl(['logs', 'slow', `--since-time=${sinceTime}`]);
    assert.equal(fromTime.code, 0, fromTime.stderr);
    assert.match(fromTime.stdout, /^late 0\n/);
  });

  it('a pod whose container the device has not created: BadRequest, as a kubelet says it', async function () {
    assert.equal((await api(PODS, { method: 'POST', body: pod('not-yet', { nodeName: NODE }) })).status, 201);
    const r = await flotctl(hub, ['logs', 'not-yet']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error from server \(BadRequest\): container "main" in pod "not-yet" is waiting to start/);
  });

  it('a client that leaves a follow makes the agent stop reading the log', async function () {
    await podWithContainer('forever', 'while true; do echo alive; sleep 0.2; done');
    const ac = new AbortController();
    let out = '';
    const done = flotctlMain(['--kubeconfig', hub.kubeconfig, 'logs', '-f', 'forever'], {
      stdout: {
        write: (s: string) => {
          out += s;
          if (out.includes('alive\nalive\n')) ac.abort();
        },
      },
      stderr: { write: () => undefined },
      stdin: (async function* () {})(),
      env: {},
      signal: ac.signal,
    });
    assert.equal(await done, 0);
    await until('the agent stopped the stream', () => ((agent?.logs ?? []).some((l) => l.includes('log stream aborted') && l.includes('stopped by the hub')) ? true : undefined));
  });
});

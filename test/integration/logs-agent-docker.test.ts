/**
 * Logs end to end with the real pieces: a hub process, the real agent (in process, real MQTT,
 * enrolled with a bootstrap token) with the Docker engine, and containers on the real Docker
 * engine carrying the agent's labels for pods bound to its node. `flotctl logs` and kubectl read
 * them through the hub. (The reconcile loop that creates such containers from the desired state
 * is not wired here: the test creates them through the engine, as the loop will.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { loadHostFixture, recordedHostProbe } from '../../agent/conditions/index.js';
import type { AgentConfig } from '../../agent/config.js';
import { createDockerEngine } from '../../agent/engine/docker-engine.js';
import { LABELS, type ContainerEngine } from '../../agent/engine/types.js';
import { mqttJsConnector } from '../../agent/link/index.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { systemClock } from '../../shared/util/clock.js';
import { createJsonLogger, silentLogger } from '../../shared/util/logger.js';
import { main as flotctlMain } from '../../server/flotctl/cli.js';
import { DOCKER_SOCKET, TEST_IMAGE, dockerAvailable, registryAvailable, requireService, testImageAvailable } from '../support/env.js';
import { pod } from '../support/fixtures.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { run } from '../support/run.js';
import { until } from '../support/wait.js';

const PODS = '/api/v1/namespaces/default/pods';
const NODE = 'pi-logs';
const RUN = `${process.pid}-${Date.now().toString(36)}`;

async function flotctl(hub: HubHandle, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await flotctlMain(['--kubeconfig', hub.kubeconfig, ...args], {
    stdout: { write: (s: string) => void (stdout += s) },
    stderr: { write: (s: string) => void (stderr += s) },
    stdin: (async function* () {})(),
    env: {},
  });
  return { code, stdout, stderr };
}

async function kubectlAvailable(): Promise<boolean> {
  try {
    return (await run('kubectl', ['version', '--client'])).code === 0;
  } catch {
    return false;
  }
}

describe('logs end to end: hub, real agent, real Docker', function () {
  this.timeout(120_000);
  let hub: HubHandle;
  let api: Api;
  let engine: ContainerEngine;
  let agent: RunningAgent | undefined;
  let agentDir: string;
  const agentLogs: string[] = [];
  const created: string[] = [];

  /** A pod bound to the agent's node, and its container started on Docker with the agent's labels. */
  async function podWithContainer(name: string, script: string): Promise<string> {
    const res = await api<KubeObject>(PODS, { method: 'POST', body: pod(name, { nodeName: NODE }) });
    assert.equal(res.status, 201, res.text);
    const uid = res.body.metadata.uid ?? '';
    const id = await engine.createContainer({
      name: `flotilla-test-logs-${name}-${RUN}`,
      labels: {
        [LABELS.managed]: 'true',
        [LABELS.podUid]: uid,
        [LABELS.podNamespace]: 'default',
        [LABELS.podName]: name,
        [LABELS.container]: 'main',
        [LABELS.role]: 'app',
        [LABELS.specHash]: 'h',
        [LABELS.attempt]: '0',
      },
      image: TEST_IMAGE,
      entrypoint: ['sh', '-c'],
      cmd: [script],
      env: [],
      mounts: [],
      ports: [],
      networkMode: 'none',
      privileged: false,
    });
    created.push(id);
    await engine.startContainer(id);
    return id;
  }

  async function exited(id: string): Promise<void> {
    await until(`container ${id} exited`, async () => ((await engine.listManaged()).find((c) => c.id === id)?.state === 'exited' ? true : undefined));
  }

  before(async function () {
    await requireService('docker', dockerAvailable, this);
    await requireService('registry', registryAvailable, this);
    await requireService('test image', testImageAvailable, this);
    engine = createDockerEngine({ socketPath: DOCKER_SOCKET, logger: silentLogger });
    await engine.pullImage(TEST_IMAGE, {});
    hub = await startHub();
    api = apiClient(endpoint(hub));
    const t = await flotctl(hub, ['token', 'create', '--ttl', '1h']);
    assert.equal(t.code, 0, t.stderr);
    agentDir = await mkdtemp(join(tmpdir(), 'flotilla-agent-logs-'));
    const host = await loadHostFixture(fileURLToPath(new URL('../fixtures/conditions/pi4-bookworm.json', import.meta.url)));
    const cfg: AgentConfig = {
      hubUrl: hub.mqttUrl,
      dataDir: agentDir,
      nodeName: NODE,
      nodeNameSource: 'flag',
      token: t.stdout.trim(),
      dockerSocket: DOCKER_SOCKET,
      heartbeatIntervalMs: 1000,
      statusIntervalMs: 60_000,
      logLevel: 'debug',
      labels: {},
    };
    agent = await startAgent(cfg, {
      connector: mqttJsConnector,
      clock: systemClock,
      logger: createJsonLogger((l) => agentLogs.push(l), { level: 'debug', now: () => new Date() }),
      hostProbe: recordedHostProbe(host),
      runtime: { probe: () => Promise.resolve({ reachable: true, version: 'test' }) },
      engine,
    });
    await until('agent online', () => (agent?.link.state === 'online' ? true : undefined));
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(agentLogs.slice(-30).join(''));
    await agent?.stop();
    for (const id of created) await engine.removeContainer(id).catch(() => undefined);
    await hub?.dispose();
    if (agentDir) await rm(agentDir, { recursive: true, force: true });
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
    await until('the agent stopped the stream', () => (agentLogs.some((l) => l.includes('log stream aborted') && l.includes('stopped by the hub')) ? true : undefined));
  });
});

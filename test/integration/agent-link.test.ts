/**
 * The real agent link against the hub's real broker (a hub process, as test/support/hub.ts
 * starts it): enrollment with a bootstrap token, the node CONNECT, presence, status and
 * heartbeats (measured on the wire by a tap relay), desired documents the hub signs when a pod
 * is bound to the node, a hub restart, a refused connect counter, and the last will of a
 * killed agent process.
 *
 * The tap (test/support/mqtt-tap.ts) only records, except where a scenario needs what the real
 * hub never does: a document signed by another key (`inject`, a man in the middle) and the
 * hub's `sendStatus` command at a chosen moment (the hub sends it only when a heartbeat's hash
 * differs from the status it stored, which a well-behaved agent never lets happen).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { type HostProbe } from '../../agent/conditions/index.js';
import { loadHostFixture, recordedHostProbe, type RecordedHost } from '../support/recorded-host.js';
import { DEFAULT_WORKLOAD_SETTINGS, type AgentConfig } from '../../agent/config/index.js';
import { mqttJsConnector } from '../../agent/link/index.js';
import { createSigner, generateIdentity } from '../../shared/crypto/index.js';
import {
  agentSubscriptions,
  decodeAgentMessage,
  encode,
  nodeTopic,
  parseConnectPassword,
  sealDesired,
  type DesiredState,
  type StatusMessage,
} from '../../shared/protocol/index.js';
import { systemClock } from '../../shared/util/clock.js';
import { createJsonLogger } from '../../shared/util/logger.js';
import { pod } from '../support/fixtures.js';
import { bootstrapToken } from '../support/flotctl.js';
import { endpoint, REPO_ROOT, startHub, tsEntry, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { CONNACK, CONNECT, DISCONNECT, MqttTap, SUBSCRIBE } from '../support/mqtt-tap.js';
import { sleep, until } from '../support/wait.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/conditions/pi4-bookworm.json', import.meta.url));

/** Log lines of the hub for one client that say it refused something. */
function refusals(hub: HubHandle, clientId: string): string[] {
  return hub.logs.filter((l) => /"msg":"(publish|subscribe|connect) refused"/.test(l) && l.includes(`"clientId":"${clientId}"`));
}

function presenceStates(tap: MqttTap, node: string): string[] {
  return tap.published(nodeTopic(node, 'presence')).map((p) => decodeAgentMessage('presence', p.payload).state);
}

function statuses(tap: MqttTap, node: string): StatusMessage[] {
  return tap.published(nodeTopic(node, 'status')).map((p) => decodeAgentMessage('status', p.payload));
}

/** How often the hub logged a presence message of `state` from `node` (explicit ones and the broker's will). */
function heard(hub: HubHandle, node: string, state: string): number {
  return hub.logs.filter((l) => l.includes('"msg":"agent presence"') && l.includes(`"node":"${node}"`) && l.includes(`"state":"${state}"`)).length;
}

function counters(tap: MqttTap, clientId: string): number[] {
  return tap
    .sent(CONNECT)
    .filter((p) => p.connect?.clientId === clientId)
    .map((p) => parseConnectPassword(p.connect?.password ?? '').counter);
}

describe('agent link against the hub', function () {
  this.timeout(90_000);
  const NODE = 'pi-link';
  let hub: HubHandle;
  let api: Api;
  let tap: MqttTap;
  let root: string;
  let agent: RunningAgent | undefined;
  let host: RecordedHost;
  const received: { seq: number; source: string; pods: string[] }[] = [];
  const logs: string[] = [];

  async function start(token?: string): Promise<RunningAgent> {
    // A probe over whatever `host` is now, so a test can change the host.
    const probe: HostProbe = {
      readFile: (p) => recordedHostProbe(host).readFile(p),
      osInfo: () => recordedHostProbe(host).osInfo(),
      cpuCount: () => recordedHostProbe(host).cpuCount(),
      hostname: () => recordedHostProbe(host).hostname(),
      memory: () => recordedHostProbe(host).memory(),
      filesystem: (p) => recordedHostProbe(host).filesystem(p),
      networkInterfaces: () => recordedHostProbe(host).networkInterfaces(),
    };
    const cfg: AgentConfig = {
      ...DEFAULT_WORKLOAD_SETTINGS,
      hubUrl: tap.url,
      dataDir: join(root, 'data'),
      nodeName: NODE,
      nodeNameSource: 'flag',
      dockerSocket: '/nonexistent/docker.sock',
      heartbeatIntervalMs: 200,
      statusIntervalMs: 60_000,
      logLevel: 'debug',
      labels: { site: 'lab' },
      ...(token !== undefined ? { token } : {}),
    };
    return startAgent(
      cfg,
      {
        connector: mqttJsConnector,
        clock: systemClock,
        logger: createJsonLogger((l) => logs.push(l), { level: 'debug', now: () => new Date() }),
        hostProbe: probe,
        runtime: { probe: () => Promise.resolve({ reachable: true, version: '24.0.5' }) },
        onDesired: (s, source) => {
          received.push({ seq: s.seq, source, pods: s.pods.map((p) => p.metadata.name ?? '') });
        },
      },
      { link: { backoff: { initialMs: 100, maxMs: 1000, factor: 2, jitter: 1 } } },
    );
  }

  before(async () => {
    hub = await startHub();
    api = apiClient(endpoint(hub));
    tap = await MqttTap.start(() => hub.mqttUrl);
    root = await mkdtemp(join(tmpdir(), 'flotilla-agent-link-'));
    host = await loadHostFixture(FIXTURE);
    agent = await start(await bootstrapToken(hub));
  });

  after(async () => {
    await agent?.stop();
    await tap?.close();
    await hub?.dispose();
    await rm(root, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log([...logs.slice(-40), ...hub.logs.slice(-20)].join('\n'));
  });

  it('connects as node:NAME with a signed counter password, a persistent session and an offline will', async () => {
    await until('online', () => agent?.link.state === 'online');
    const c = tap.sent(CONNECT).find((p) => p.connect?.clientId === `node:${NODE}`)?.connect;
    assert.ok(c);
    assert.equal(c.username, NODE);
    assert.equal(parseConnectPassword(c.password ?? '').counter, 1);
    assert.equal(c.clean, false);
    assert.deepEqual(c.will && { ...c.will, payload: JSON.parse(c.will.payload) as unknown }, {
      topic: nodeTopic(NODE, 'presence'),
      payload: { v: 1, t: 'presence', state: 'offline', agentVersion: '0.1.0', bootId: host.files['/proc/sys/kernel/random/boot_id']?.trim() },
      qos: 1,
      retain: false,
    });
  });

  it('subscribes to exactly its desired and cmd topics and publishes only where the ACL allows, never retained', async () => {
    await until('a heartbeat', () => tap.published(nodeTopic(NODE, 'hb')).length > 0);
    const subscribed = tap.sent(SUBSCRIBE).flatMap((p) => p.topics ?? []).filter((t) => !t.includes('/enroll/'));
    assert.deepEqual(subscribed.sort(), [...agentSubscriptions(NODE)].sort());
    assert.deepEqual(refusals(hub, `node:${NODE}`), []);
    const fromAgent = tap.packets.filter((p) => p.dir === 'up' && p.publish && !p.publish.topic.includes('/enroll/'));
    assert.ok(fromAgent.length > 0 && fromAgent.every((p) => p.publish?.retain === false));
  });

  it('publishes presence online first, then the full status; the hub makes it a Ready Node', async () => {
    await until('a status', () => statuses(tap, NODE).length > 0);
    const fromAgent = tap.packets.flatMap((p) => (p.dir === 'up' && p.publish?.topic.startsWith(`flotilla/v1/nodes/${NODE}/`) ? [p.publish] : []));
    assert.deepEqual(fromAgent.slice(0, 2).map((p) => p.topic.split('/').at(-1)), ['presence', 'status']);
    assert.equal(presenceStates(tap, NODE)[0], 'online');
    const status = statuses(tap, NODE)[0];
    assert.equal(status?.labels.site, 'lab');
    assert.equal(status?.labels['kubernetes.io/hostname'], NODE);
    assert.equal(status?.status.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(tap.published(nodeTopic(NODE, 'status'))[0]?.qos, 1);
    await until('the Node Ready on the hub', async () => {
      const n = await api<{ status?: { conditions?: { type: string; status: string }[] } }>(`/api/v1/nodes/${NODE}`);
      return n.body.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    });
  });

  it('heartbeats are tiny on the wire (QoS 0) and carry the hash of the last status sent', async () => {
    const hbTopic = nodeTopic(NODE, 'hb');
    await until('three heartbeats', () => tap.published(hbTopic).length >= 3);
    const onWire = tap.packets.filter((p) => p.dir === 'up' && p.publish?.topic === hbTopic);
    const payloadBytes = onWire[0]?.publish?.payload.length ?? 0;
    const packetBytes = onWire[0]?.bytes ?? 0;
    console.log(`      heartbeat: ${payloadBytes} bytes of payload, ${packetBytes} bytes on the wire (PUBLISH QoS 0 to ${hbTopic})`);
    assert.ok(payloadBytes <= 64, `payload ${payloadBytes} bytes`);
    // fixed header (2) + topic length (2) + topic + payload, nothing else (QoS 0: no packet id).
    assert.equal(packetBytes, 2 + 2 + hbTopic.length + payloadBytes);
    assert.ok(onWire.every((p) => p.publish?.qos === 0));
    const hb = decodeAgentMessage('hb', tap.published(hbTopic).at(-1)?.payload ?? Buffer.alloc(0));
    assert.equal(hb.h, statuses(tap, NODE).at(-1)?.hash);
    assert.equal(agent?.reporter.stats().lastHeartbeat?.packetBytes, packetBytes, 'the agent measures what goes on the wire');
  });

  it('sends the full status again when it changes (memory pressure)', async () => {
    const before = statuses(tap, NODE).length;
    host = { ...host, memory: { ...host.memory, availableBytes: 10 * 1024 * 1024 } };
    const status = await until('a changed status', () => (statuses(tap, NODE).length > before ? statuses(tap, NODE).at(-1) : undefined));
    assert.equal(status.status.conditions.find((c) => c.type === 'MemoryPressure')?.status, 'True');
  });

  it('sends the full status when the hub asks (cmd sendStatus)', async () => {
    await sleep(500);
    const before = statuses(tap, NODE).length;
    tap.inject(nodeTopic(NODE, 'cmd'), encode({ v: 1, t: 'cmd', cmd: 'sendStatus' }));
    await until('a requested status', () => statuses(tap, NODE).length > before);
    await until('the reason recorded', () => agent?.reporter.stats().lastStatus?.reason === 'requested');
  });

  it('receives the desired document the hub signs when a pod is bound to the node, after persisting it', async () => {
    assert.equal((await api('/api/v1/namespaces/default/pods', { method: 'POST', body: pod('web', { nodeName: NODE }) })).status, 201);
    const got = await until('desired with web', () => received.find((r) => r.pods.includes('web')));
    assert.equal(got.source, 'hub');
    assert.equal(agent?.cache.minSeq, got.seq);
  });

  it('ignores a document signed by another key (a man in the middle)', async () => {
    const seq = agent?.cache.current()?.seq ?? 0;
    const forged: DesiredState = { node: NODE, seq: seq + 100, issuedAt: '2026-01-01T00:00:00Z', pods: [], configMaps: [], secrets: [] };
    tap.inject(nodeTopic(NODE, 'desired'), sealDesired(forged, createSigner(generateIdentity().signingSecretKey)));
    await until('the rejection', () => agent?.cache.counts().rejected['bad-signature'] === 1);
    assert.ok(received.every((r) => r.seq !== seq + 100));
    assert.equal(agent?.cache.current()?.seq, seq);
  });

  it('after a hub restart: backs off, reconnects with a higher counter, re-subscribes, gets the retained document', async () => {
    const connectsBefore = tap.sent(CONNECT).length;
    const subscribesBefore = tap.sent(SUBSCRIBE).length;
    const desiredBefore = tap.delivered(nodeTopic(NODE, 'desired')).length;
    const statusesBefore = statuses(tap, NODE).length;
    const countersBefore = counters(tap, `node:${NODE}`);
    tap.down = true;
    await hub.restart();
    await until('backoff', () => agent?.link.state === 'backoff');
    tap.down = false;
    await until('online again', () => agent?.link.state === 'online', 30_000);
    assert.ok(tap.sent(CONNECT).length > connectsBefore);
    assert.deepEqual(tap.sent(SUBSCRIBE).slice(subscribesBefore).flatMap((p) => p.topics ?? []).sort(), [...agentSubscriptions(NODE)].sort());
    assert.ok(Math.min(...counters(tap, `node:${NODE}`).slice(countersBefore.length)) > Math.max(...countersBefore), 'the counter kept rising');
    // The hub republishes every node's desired state from its store when it starts: retained.
    await until('the retained document again', () => tap.delivered(nodeTopic(NODE, 'desired')).length > desiredBefore);
    await until('presence online and a full status on the new hub', () => statuses(tap, NODE).length > statusesBefore && presenceStates(tap, NODE).at(-1) === 'online');
    // And documents keep coming on the new connection.
    assert.equal((await api('/api/v1/namespaces/default/pods', { method: 'POST', body: pod('db', { nodeName: NODE }) })).status, 201);
    await until('desired with web and db', () => received.find((r) => r.pods.includes('web') && r.pods.includes('db')));
  });

  it('a connect counter the hub has seen (a restored backup) is refused, then recovered by jumping ahead', async () => {
    await agent?.stop();
    agent = undefined;
    await writeFile(join(root, 'data', 'connect-counter'), '1\n');
    const acksBefore = tap.received(CONNACK).length;
    agent = await start();
    await until('online after the refusal', () => agent?.link.state === 'online', 30_000);
    const acks = tap.received(CONNACK).slice(acksBefore).map((p) => p.returnCode);
    assert.deepEqual(acks, [5, 0], `refused (not authorized), then accepted; counters ${counters(tap, `node:${NODE}`).join(',')}`);
    const [refused, accepted] = counters(tap, `node:${NODE}`).slice(-2);
    assert.equal(refused, 2);
    assert.ok((accepted ?? 0) > 2 ** 32, `jumped ahead to ${accepted}`);
  });

  it('stop() publishes offline explicitly and disconnects cleanly, so the will is not sent', async () => {
    const offlineBefore = presenceStates(tap, NODE).filter((s) => s === 'offline').length;
    const heardBefore = heard(hub, NODE, 'offline');
    await agent?.stop();
    agent = undefined;
    await until('a clean DISCONNECT (the broker drops the will)', () => tap.packets.filter((p) => p.dir === 'up').at(-1)?.type === DISCONNECT);
    assert.equal(presenceStates(tap, NODE).filter((s) => s === 'offline').length, offlineBefore + 1);
    await until('the hub heard offline', () => heard(hub, NODE, 'offline') > heardBefore);
    await sleep(300);
    assert.equal(heard(hub, NODE, 'offline'), heardBefore + 1, 'one offline: the explicit one, no will');
  });
});

// ---- the agent process -------------------------------------------------------------------------

describe('agent process against the hub', function () {
  this.timeout(90_000);
  const NODE = 'pi-proc';
  let hub: HubHandle;
  let tap: MqttTap;
  let dataDir: string;
  let child: ChildProcess | undefined;
  let stderr = '';

  function launch(token?: string): ChildProcess {
    const { cmd, args } = tsEntry('agent/main.ts');
    stderr = '';
    const flags = ['--hub', tap.url, '--data-dir', dataDir, '--node-name', NODE, '--heartbeat-interval', '1s', '--docker-socket', '/nonexistent/docker.sock', '--log-level', 'debug'];
    const p = spawn(cmd, [...args, ...flags, ...(token !== undefined ? ['--token', token] : [])], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    return p;
  }

  const heardHere = (state: string): number => heard(hub, NODE, state);

  before(async () => {
    hub = await startHub();
    tap = await MqttTap.start(() => hub.mqttUrl);
    dataDir = await mkdtemp(join(tmpdir(), `flotilla-agent-${NODE}-`));
    child = launch(await bootstrapToken(hub));
  });

  after(async () => {
    child?.kill('SIGKILL');
    await tap?.close();
    await hub?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(stderr.split('\n').slice(-30).join('\n'));
  });

  it('the last will says offline when the agent process is killed', async () => {
    await until('presence online', () => heardHere('online') > 0, 30_000);
    await until('a heartbeat', () => tap.published(nodeTopic(NODE, 'hb')).length > 0, 15_000);
    const exited = new Promise((r) => child?.once('exit', r));
    child?.kill('SIGKILL');
    await exited;
    await until('the last will', () => heardHere('offline') > 0, 15_000);
    assert.equal(presenceStates(tap, NODE).filter((s) => s === 'offline').length, 0, 'the agent itself said nothing: the broker sent its will');
  });

  it('SIGTERM: says offline, disconnects cleanly (no will), exits 0; the counter kept rising', async () => {
    const countersBefore = counters(tap, `node:${NODE}`);
    const offlineBefore = heardHere('offline');
    const onlineBefore = heardHere('online');
    child = launch();
    await until('presence online', () => heardHere('online') > onlineBefore, 30_000);
    const code = await new Promise<number | null>((resolve) => {
      child?.once('exit', (c) => resolve(c));
      child?.kill('SIGTERM');
    });
    assert.equal(code, 0, stderr);
    await until('offline heard', () => heardHere('offline') > offlineBefore);
    await sleep(300);
    assert.equal(heardHere('offline'), offlineBefore + 1, 'one offline: the explicit one, no will');
    const all = counters(tap, `node:${NODE}`);
    assert.ok((all.at(-1) ?? 0) > Math.max(...countersBefore), `counters ${all.join(',')}`);
    assert.ok(stderr.includes('"msg":"presence offline sent"'));
  });
});

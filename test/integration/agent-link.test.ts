/**
 * The real agent link against a real aedes broker on 127.0.0.1: connect with node credentials,
 * presence, status and heartbeats (measured on the wire), desired documents signed by a test
 * hub key, a broker restart, and the last will of a killed agent process.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, Transform, type TransformCallback } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Aedes, type AedesPublishPacket, type Client, type ConnectPacket, type PublishPacket, type Subscription } from 'aedes';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { loadHostFixture, recordedHostProbe, type HostProbe, type RecordedHost } from '../../agent/conditions/index.js';
import type { AgentConfig } from '../../agent/config.js';
import { saveHubKey, saveIdentity } from '../../agent/identity/index.js';
import { mqttJsConnector } from '../../agent/link/index.js';
import { createSigner, createVerifier, generateIdentity, type Identity } from '../../shared/crypto/index.js';
import {
  agentMayPublish,
  agentMaySubscribe,
  agentSubscriptions,
  decodeAgentMessage,
  encode,
  nodeTopic,
  parseClientId,
  parseConnectPassword,
  sealDesired,
  verifyConnectPassword,
  type DesiredState,
  type StatusMessage,
} from '../../shared/protocol/index.js';
import { systemClock } from '../../shared/util/clock.js';
import { createJsonLogger } from '../../shared/util/logger.js';
import { tsEntry, REPO_ROOT } from '../support/hub.js';

// ---- a small test broker: aedes on 127.0.0.1, node auth + ACL, records, and a byte tap ---------

interface ConnectRecord {
  clientId: string;
  username: string | undefined;
  password: string | undefined;
  clean: boolean;
  keepalive: number;
  will?: { topic: string; payload: string; qos: number; retain: boolean };
}

interface PublishRecord {
  clientId: string | undefined;
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
}

interface WirePacket {
  /** MQTT packet type (3 = PUBLISH). */
  type: number;
  /** Whole packet on the wire: fixed header + remaining length. */
  bytes: number;
  topic?: string;
}

/** Splits the client → broker byte stream into MQTT packets and records their sizes. */
class WireTap extends Transform {
  private buf = Buffer.alloc(0);
  constructor(private readonly out: WirePacket[]) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      let len = 0;
      let mult = 1;
      let i = 1;
      let complete = false;
      for (; i < Math.min(this.buf.length, 5); i++) {
        const b = this.buf[i] ?? 0;
        len += (b & 0x7f) * mult;
        mult *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          i++;
          break;
        }
      }
      if (!complete || this.buf.length < i + len) break;
      const type = (this.buf[0] ?? 0) >> 4;
      const rec: WirePacket = { type, bytes: i + len };
      if (type === 3) {
        const tlen = this.buf.readUInt16BE(i);
        rec.topic = this.buf.subarray(i + 2, i + 2 + tlen).toString('utf8');
      }
      this.out.push(rec);
      this.buf = this.buf.subarray(i + len);
    }
    done(null, chunk);
  }
}

/** What the hub would keep: node keys and the last accepted connect counter. */
interface HubSide {
  nodeKeys: Map<string, Uint8Array>;
  lastCounter: Map<string, number>;
}

class TestBroker {
  readonly connects: ConnectRecord[] = [];
  readonly publishes: PublishRecord[] = [];
  readonly subscriptions: { clientId: string; topic: string }[] = [];
  readonly denied: string[] = [];
  readonly wire: WirePacket[] = [];
  private readonly sockets = new Set<Socket>();
  private broker: Aedes | undefined;
  private server: Server | undefined;
  port = 0;

  static async start(hub: HubSide, port = 0): Promise<TestBroker> {
    const b = new TestBroker();
    await b.listen(hub, port);
    return b;
  }

  private async listen(hub: HubSide, port: number): Promise<void> {
    const broker = await Aedes.createBroker({
      preConnect: (_client: Client, packet: ConnectPacket, cb: (e: Error | null, ok: boolean) => void) => {
        const rec: ConnectRecord = {
          clientId: packet.clientId,
          username: packet.username,
          password: packet.password?.toString('latin1'),
          clean: packet.clean ?? true,
          keepalive: packet.keepalive ?? 0,
        };
        if (packet.will) {
          rec.will = { topic: packet.will.topic, payload: Buffer.from(packet.will.payload).toString('utf8'), qos: packet.will.qos ?? 0, retain: packet.will.retain ?? false };
        }
        this.connects.push(rec);
        cb(null, true);
      },
      authenticate: (client, username, password, done) => {
        const parsed = parseClientId(client.id);
        const key = username !== undefined ? hub.nodeKeys.get(username) : undefined;
        if (parsed?.kind !== 'node' || !key) return done(null, false);
        const r = verifyConnectPassword(createVerifier(key), { clientId: client.id, username: username ?? '', password, lastCounter: hub.lastCounter.get(parsed.node) ?? 0 });
        if (!r.ok) {
          this.denied.push(`connect ${client.id}: ${r.reason}`);
          return done(null, false);
        }
        hub.lastCounter.set(r.node, r.counter);
        done(null, true);
      },
      authorizePublish: (client: Client | null, packet: PublishPacket, cb: (e?: Error | null) => void) => {
        const node = client ? parseClientId(client.id) : undefined;
        if (node?.kind === 'node' && (!agentMayPublish(node.node, packet.topic) || packet.retain)) {
          this.denied.push(`publish ${client?.id ?? ''} ${packet.topic} retain=${packet.retain}`);
          return cb(new Error('not allowed'));
        }
        cb(null);
      },
      authorizeSubscribe: (client: Client, sub: Subscription, cb: (e: Error | null, s?: Subscription | null) => void) => {
        const node = parseClientId(client.id);
        this.subscriptions.push({ clientId: client.id, topic: sub.topic });
        if (node?.kind !== 'node' || !agentMaySubscribe(node.node, sub.topic)) {
          this.denied.push(`subscribe ${client.id} ${sub.topic}`);
          return cb(null, null);
        }
        cb(null, sub);
      },
    });
    broker.on('publish', (packet: AedesPublishPacket, client: Client | null) => {
      if (!packet.topic.startsWith('flotilla/')) return;
      this.publishes.push({ clientId: client?.id, topic: packet.topic, payload: Buffer.from(packet.payload), qos: packet.qos, retain: packet.retain });
    });
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      const tap = socket.pipe(new WireTap(this.wire));
      broker.handle(Duplex.from({ readable: tap, writable: socket }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    assert.ok(addr && typeof addr === 'object');
    this.broker = broker;
    this.server = server;
    this.port = addr.port;
  }

  /** Publishes as the hub: retained QoS 1, as the desired channel requires. */
  publishAsHub(topic: string, payload: Buffer, retain = true): Promise<void> {
    return new Promise((resolve, reject) => {
      assert.ok(this.broker);
      this.broker.publish({ cmd: 'publish', topic, payload, qos: 1, retain, dup: false }, (e) => (e ? reject(e) : resolve()));
    });
  }

  /** Messages published on a node channel, decoded. */
  messages(node: string, channel: 'presence' | 'status' | 'hb'): { clientId: string | undefined; msg: unknown }[] {
    const topic = nodeTopic(node, channel);
    return this.publishes.filter((p) => p.topic === topic).map((p) => ({ clientId: p.clientId, msg: decodeAgentMessage(channel, p.payload) }));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const { broker, server } = this;
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function desired(node: string, seq: number, pods: string[]): DesiredState {
  return {
    node,
    seq,
    issuedAt: '2026-01-01T00:00:00Z',
    pods: pods.map((name) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] } })),
    configMaps: [],
    secrets: [],
  };
}

async function enrolledDataDir(node: string, keys: Identity, hubKey: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `flotilla-agent-${node}-`));
  await saveIdentity(dir, { nodeName: node, keys });
  await saveHubKey(dir, node, hubKey);
  return dir;
}

const hubKeys = generateIdentity();
const hubSign = createSigner(hubKeys.signingSecretKey);
const impostorSign = createSigner(generateIdentity().signingSecretKey);

// ---- the link in process -----------------------------------------------------------------------

describe('agent link against a real broker', function () {
  this.timeout(60_000);
  const NODE = 'pi-a';
  const nodeKeys = generateIdentity();
  const hub: HubSide = { nodeKeys: new Map([[NODE, nodeKeys.signingPublicKey]]), lastCounter: new Map() };
  let broker: TestBroker;
  let dataDir: string;
  let agent: RunningAgent | undefined;
  let host: RecordedHost;
  const received: { seq: number; source: string; pods: string[] }[] = [];
  const logs: string[] = [];

  before(async () => {
    broker = await TestBroker.start(hub);
    dataDir = await enrolledDataDir(NODE, nodeKeys, hubKeys.signingPublicKey);
    host = await loadHostFixture(fileURLToPath(new URL('../fixtures/conditions/pi4-bookworm.json', import.meta.url)));
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
      hubUrl: `mqtt://127.0.0.1:${broker.port}`,
      dataDir,
      nodeName: NODE,
      nodeNameSource: 'flag',
      dockerSocket: '/nonexistent/docker.sock',
      heartbeatIntervalMs: 200,
      statusIntervalMs: 60_000,
      logLevel: 'debug',
      labels: { site: 'lab' },
    };
    agent = await startAgent(
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
  });

  after(async () => {
    await agent?.stop();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(logs.slice(-40).join(''));
  });

  it('connects as node:NAME with a signed counter password, a persistent session and an offline will', async () => {
    await waitFor('online', () => agent?.link.state === 'online');
    const c = broker.connects[0];
    assert.ok(c);
    assert.equal(c.clientId, 'node:pi-a');
    assert.equal(c.username, 'pi-a');
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
    await waitFor('subscriptions', () => broker.subscriptions.length >= 2);
    assert.deepEqual(broker.subscriptions.map((s) => s.topic).sort(), [...agentSubscriptions(NODE)].sort());
    await waitFor('a heartbeat', () => broker.messages(NODE, 'hb').length > 0);
    assert.deepEqual(broker.denied, []);
    assert.ok(broker.publishes.filter((p) => p.clientId === 'node:pi-a').every((p) => !p.retain));
  });

  it('publishes presence online first, then the full status', async () => {
    await waitFor('a status', () => broker.messages(NODE, 'status').length > 0);
    const fromAgent = broker.publishes.filter((p) => p.clientId === 'node:pi-a').map((p) => p.topic.split('/').at(-1));
    assert.deepEqual(fromAgent.slice(0, 2), ['presence', 'status']);
    assert.equal((broker.messages(NODE, 'presence')[0]?.msg as { state: string }).state, 'online');
    const status = broker.messages(NODE, 'status')[0]?.msg as StatusMessage;
    assert.equal(status.labels.site, 'lab');
    assert.equal(status.labels['kubernetes.io/hostname'], 'pi-a');
    assert.equal(status.status.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(broker.publishes.find((p) => p.topic === nodeTopic(NODE, 'status'))?.qos, 1);
  });

  it('heartbeats are tiny on the wire (QoS 0) and carry the hash of the last status sent', async () => {
    await waitFor('three heartbeats', () => broker.wire.filter((w) => w.topic === nodeTopic(NODE, 'hb')).length >= 3);
    const hbTopic = nodeTopic(NODE, 'hb');
    const onWire = broker.wire.filter((w) => w.topic === hbTopic);
    const payloads = broker.publishes.filter((p) => p.topic === hbTopic);
    const payloadBytes = payloads[0]?.payload.length ?? 0;
    const packetBytes = onWire[0]?.bytes ?? 0;
    console.log(`      heartbeat: ${payloadBytes} bytes of payload, ${packetBytes} bytes on the wire (PUBLISH QoS 0 to ${hbTopic})`);
    assert.ok(payloadBytes <= 64, `payload ${payloadBytes} bytes`);
    // fixed header (2) + topic length (2) + topic + payload, nothing else (QoS 0: no packet id).
    assert.equal(packetBytes, 2 + 2 + hbTopic.length + payloadBytes);
    assert.ok(payloads.every((p) => p.qos === 0));
    const lastStatus = broker.messages(NODE, 'status').at(-1)?.msg as StatusMessage;
    const hb = broker.messages(NODE, 'hb').at(-1)?.msg as { h: string };
    assert.equal(hb.h, lastStatus.hash);
    const stats = agent?.reporter.stats();
    assert.equal(stats?.lastHeartbeat?.packetBytes, packetBytes, 'the agent measures what goes on the wire');
  });

  it('sends the full status again when it changes (memory pressure)', async () => {
    const before = broker.messages(NODE, 'status').length;
    host = { ...host, memory: { ...host.memory, availableBytes: 10 * 1024 * 1024 } };
    const status = await waitFor('a changed status', () => {
      const all = broker.messages(NODE, 'status');
      return all.length > before ? (all.at(-1)?.msg as StatusMessage) : undefined;
    });
    assert.equal(status.status.conditions.find((c) => c.type === 'MemoryPressure')?.status, 'True');
  });

  it("sends the full status when the hub asks (cmd sendStatus)", async () => {
    await new Promise((r) => setTimeout(r, 500));
    const before = broker.messages(NODE, 'status').length;
    await broker.publishAsHub(nodeTopic(NODE, 'cmd'), encode({ v: 1, t: 'cmd', cmd: 'sendStatus' }), false);
    await waitFor('a requested status', () => broker.messages(NODE, 'status').length > before);
    // The broker sees the status before the agent has its PUBACK and records why it was sent.
    await waitFor('the reason recorded', () => agent?.reporter.stats().lastStatus?.reason === 'requested');
  });

  it('receives a retained desired document signed by the hub key and hands it on after persisting it', async () => {
    await broker.publishAsHub(nodeTopic(NODE, 'desired'), sealDesired(desired(NODE, 5, ['web']), hubSign));
    await waitFor('desired seq 5', () => received.find((r) => r.seq === 5));
    assert.deepEqual(received, [{ seq: 5, source: 'hub', pods: ['web'] }]);
    assert.equal(agent?.cache.minSeq, 5);
  });

  it('ignores a document signed by another key', async () => {
    await broker.publishAsHub(nodeTopic(NODE, 'desired'), sealDesired(desired(NODE, 6, ['evil']), impostorSign));
    await waitFor('the rejection', () => agent?.cache.counts().rejected['bad-signature'] === 1);
    assert.deepEqual(received.map((r) => r.seq), [5]);
    assert.equal(agent?.cache.current()?.seq, 5);
  });

  it('after the broker restarts: reconnects with a higher counter, re-subscribes, gets the retained document', async () => {
    const port = broker.port;
    await broker.close();
    await waitFor('backoff', () => agent?.link.state === 'backoff');
    broker = await TestBroker.start(hub, port);
    // The hub republishes every node's desired state from its store when it starts.
    await broker.publishAsHub(nodeTopic(NODE, 'desired'), sealDesired(desired(NODE, 7, ['web', 'db']), hubSign));
    await waitFor('online again', () => agent?.link.state === 'online');
    await waitFor('desired seq 7', () => received.find((r) => r.seq === 7));
    assert.deepEqual(broker.subscriptions.map((s) => s.topic).sort(), [...agentSubscriptions(NODE)].sort());
    const counter = parseConnectPassword(broker.connects.at(-1)?.password ?? '').counter;
    assert.ok(counter > 1, `counter ${counter} after the restart`);
    await waitFor('presence online and a full status on the new broker', () => broker.messages(NODE, 'presence').length > 0 && broker.messages(NODE, 'status').length > 0);
  });

  it('stop() publishes offline explicitly and disconnects cleanly, so the will is not sent', async () => {
    await agent?.stop();
    agent = undefined;
    const offline = await waitFor('offline', () => broker.messages(NODE, 'presence').find((m) => (m.msg as { state: string }).state === 'offline'));
    assert.equal(offline.clientId, 'node:pi-a');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(broker.messages(NODE, 'presence').filter((m) => (m.msg as { state: string }).state === 'offline').length, 1);
  });
});

// ---- the agent process -------------------------------------------------------------------------

describe('agent process against a real broker', function () {
  this.timeout(60_000);
  const NODE = 'pi-proc';
  const nodeKeys = generateIdentity();
  const hub: HubSide = { nodeKeys: new Map([[NODE, nodeKeys.signingPublicKey]]), lastCounter: new Map() };
  let broker: TestBroker;
  let dataDir: string;
  let child: ChildProcess | undefined;
  let stderr = '';

  function launch(): ChildProcess {
    const { cmd, args } = tsEntry('agent/main.ts');
    stderr = '';
    const p = spawn(
      cmd,
      [...args, '--hub', `mqtt://127.0.0.1:${broker.port}`, '--data-dir', dataDir, '--node-name', NODE, '--heartbeat-interval', '1s', '--docker-socket', '/nonexistent/docker.sock', '--log-level', 'debug'],
      { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    return p;
  }

  const presences = (state: string): { clientId: string | undefined; msg: unknown }[] =>
    broker.messages(NODE, 'presence').filter((m) => (m.msg as { state: string }).state === state);

  before(async () => {
    broker = await TestBroker.start(hub);
    dataDir = await enrolledDataDir(NODE, nodeKeys, hubKeys.signingPublicKey);
  });

  after(async () => {
    child?.kill('SIGKILL');
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(stderr.split('\n').slice(-30).join('\n'));
  });

  it('the last will says offline when the agent process is killed', async () => {
    child = launch();
    await waitFor('presence online', () => presences('online').length > 0, 30_000);
    await waitFor('a heartbeat', () => broker.messages(NODE, 'hb').length > 0, 15_000);
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const will = await waitFor('the last will', () => presences('offline')[0], 15_000);
    assert.deepEqual((will.msg as { state: string; agentVersion: string }).state, 'offline');
  });

  it('SIGTERM: says offline, disconnects cleanly (no will), exits 0; the counter kept rising', async () => {
    const countersBefore = broker.connects.filter((c) => c.clientId === `node:${NODE}`).map((c) => parseConnectPassword(c.password ?? '').counter);
    const offlineBefore = presences('offline').length;
    const onlineBefore = presences('online').length;
    child = launch();
    await waitFor('presence online', () => presences('online').length > onlineBefore, 30_000);
    const code = await new Promise<number | null>((resolve) => {
      child?.once('exit', (c) => resolve(c));
      child?.kill('SIGTERM');
    });
    assert.equal(code, 0, stderr);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(presences('offline').length, offlineBefore + 1, 'one offline: the explicit one, no will');
    const counters = broker.connects.filter((c) => c.clientId === `node:${NODE}`).map((c) => parseConnectPassword(c.password ?? '').counter);
    assert.ok((counters.at(-1) ?? 0) > Math.max(...countersBefore), `counters ${counters.join(',')}`);
    assert.ok(stderr.includes('"msg":"presence offline sent"'));
  });
});

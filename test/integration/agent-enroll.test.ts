/**
 * The enrollment client against a real aedes broker with a small fake responder standing in
 * for the hub's enrollment handler (the real hub ⇄ agent end-to-end test comes with the hub's
 * broker): bootstrap CONNECT, request, response, refusals, retries, pinning, and the agent's
 * startup around it (identity and hub key on disk, then the node connect).
 */
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes, type AedesPublishPacket, type Client, type ConnectPacket, type PublishPacket, type Subscription } from 'aedes';
import { AgentStartupError, startAgent, type RunningAgent } from '../../agent/agent.js';
import { loadHostFixture, recordedHostProbe } from '../../agent/conditions/index.js';
import type { AgentConfig } from '../../agent/config.js';
import { HUB_FILE, IDENTITY_FILE, loadHubKey, loadIdentity } from '../../agent/identity/index.js';
import { enroll, mqttJsConnector, type EnrollInput } from '../../agent/link/index.js';
import { createVerifier, fromBase64, generateIdentity, keyFingerprint, toBase64 } from '../../shared/crypto/index.js';
import {
  agentMayPublish,
  agentMaySubscribe,
  bootstrapMayPublish,
  bootstrapMaySubscribe,
  decodeAgentMessage,
  encode,
  enrollTopic,
  isEnrollClientId,
  parseClientId,
  parseConnectPassword,
  verifyConnectPassword,
  type EnrollRequestMessage,
  type EnrollResponseMessage,
} from '../../shared/protocol/index.js';
import { systemClock } from '../../shared/util/clock.js';
import { createJsonLogger, silentLogger } from '../../shared/util/logger.js';

const TOKEN = 'abcdef.0123456789abcdef';
const hubKeys = generateIdentity();

type Behaviour = 'ok' | 'invalid-token' | 'internal-error-once' | 'silent' | 'other-hub-key';

/** aedes with bootstrap + node auth, the shared ACL, and a fake enrollment responder. */
class EnrollBroker {
  readonly connects: { clientId: string; username?: string; password?: string; clean: boolean }[] = [];
  readonly requests: { clientId: string; req: EnrollRequestMessage }[] = [];
  readonly subscriptions: { clientId: string; topic: string }[] = [];
  readonly denied: string[] = [];
  /** The hub's registry: node → signing key, and the last connect counter. */
  readonly nodes = new Map<string, { key: Uint8Array; lastCounter: number }>();
  behaviour: Behaviour = 'ok';
  private internalErrors = 0;
  private readonly sockets = new Set<Socket>();
  private broker: Aedes | undefined;
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    const broker = await Aedes.createBroker({
      preConnect: (_c: Client, p: ConnectPacket, cb: (e: Error | null, ok: boolean) => void) => {
        const rec: EnrollBroker['connects'][number] = { clientId: p.clientId, clean: p.clean ?? true };
        if (p.username !== undefined) rec.username = p.username;
        if (p.password !== undefined) rec.password = p.password.toString('latin1');
        this.connects.push(rec);
        cb(null, true);
      },
      authenticate: (client, username, password, done) => {
        const parsed = parseClientId(client.id);
        if (parsed?.kind === 'enroll') return done(null, username === 'bootstrap' && password?.toString('latin1') === TOKEN);
        const node = parsed?.kind === 'node' ? this.nodes.get(parsed.node) : undefined;
        if (!node) return done(null, false);
        const r = verifyConnectPassword(createVerifier(node.key), { clientId: client.id, username: username ?? '', password, lastCounter: node.lastCounter });
        if (r.ok) node.lastCounter = r.counter;
        done(null, r.ok);
      },
      authorizePublish: (client: Client | null, packet: PublishPacket, cb: (e?: Error | null) => void) => {
        const parsed = client ? parseClientId(client.id) : undefined;
        const ok =
          !client ||
          (parsed?.kind === 'enroll' && bootstrapMayPublish(client.id, packet.topic)) ||
          (parsed?.kind === 'node' && agentMayPublish(parsed.node, packet.topic) && !packet.retain);
        if (!ok) this.denied.push(`publish ${client?.id ?? ''} ${packet.topic}`);
        cb(ok ? null : new Error('not allowed'));
      },
      authorizeSubscribe: (client: Client, sub: Subscription, cb: (e: Error | null, s?: Subscription | null) => void) => {
        this.subscriptions.push({ clientId: client.id, topic: sub.topic });
        const parsed = parseClientId(client.id);
        const ok = (parsed?.kind === 'enroll' && bootstrapMaySubscribe(client.id, sub.topic)) || (parsed?.kind === 'node' && agentMaySubscribe(parsed.node, sub.topic));
        if (!ok) this.denied.push(`subscribe ${client.id} ${sub.topic}`);
        cb(null, ok ? sub : null);
      },
    });
    // The fake enrollment handler.
    await new Promise<void>((resolve) => {
      broker.subscribe(
        'flotilla/v1/enroll/+/req',
        (packet: AedesPublishPacket, cb: () => void) => {
          cb();
          const clientId = packet.topic.split('/')[3] ?? '';
          if (!isEnrollClientId(clientId)) return;
          const req = decodeAgentMessage('enroll-req', Buffer.from(packet.payload));
          this.requests.push({ clientId, req });
          const res = this.answer(req);
          if (!res) return;
          broker.publish({ cmd: 'publish', topic: enrollTopic(clientId, 'res'), payload: encode(res), qos: 1, retain: false, dup: false }, () => undefined);
        },
        resolve,
      );
    });
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      broker.handle(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const addr = server.address();
    assert.ok(addr && typeof addr === 'object');
    this.broker = broker;
    this.server = server;
    this.port = addr.port;
  }

  private answer(req: EnrollRequestMessage): EnrollResponseMessage | undefined {
    switch (this.behaviour) {
      case 'silent':
        return undefined;
      case 'invalid-token':
        return { v: 1, t: 'enrollRes', ok: false, reason: 'invalid-token', message: 'token abcdef is unknown or expired' };
      case 'internal-error-once':
        if (this.internalErrors++ === 0) return { v: 1, t: 'enrollRes', ok: false, reason: 'internal-error', message: 'store unavailable' };
        break;
      case 'other-hub-key':
        return { v: 1, t: 'enrollRes', ok: true, nodeName: req.nodeName, hubKey: toBase64(generateIdentity().signingPublicKey) };
      case 'ok':
        break;
    }
    const key = fromBase64(req.signingKey);
    assert.ok(key);
    this.nodes.set(req.nodeName, { key, lastCounter: 0 });
    return { v: 1, t: 'enrollRes', ok: true, nodeName: req.nodeName, hubKey: toBase64(hubKeys.signingPublicKey) };
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
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

const FAST = { initialMs: 50, maxMs: 200, factor: 2, jitter: 1 };
const deps = { connector: mqttJsConnector, clock: systemClock, logger: silentLogger };

describe('agent enrollment client against a real broker', function () {
  this.timeout(30_000);
  let broker: EnrollBroker;
  const keys = generateIdentity();
  const input = (over: Partial<EnrollInput> = {}): EnrollInput => ({ hubUrl: broker.url, token: TOKEN, nodeName: 'pi-new', keys, agentVersion: '0.1.0', arch: 'arm64', ...over });

  beforeEach(async () => {
    broker = new EnrollBroker();
    await broker.start();
  });
  afterEach(() => broker.close());

  it('connects as a bootstrap client, sends the request, and returns the hub key', async () => {
    const outcome = await enroll(input(), deps, { backoff: FAST, maxAttempts: 1 });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.deepEqual(outcome.hubKey, hubKeys.signingPublicKey);
    assert.equal(outcome.nodeName, 'pi-new');

    const c = broker.connects[0];
    assert.ok(c && isEnrollClientId(c.clientId), c?.clientId);
    assert.equal(c.username, 'bootstrap');
    assert.equal(c.password, TOKEN);
    assert.equal(c.clean, true);
    assert.deepEqual(broker.subscriptions, [{ clientId: c.clientId, topic: enrollTopic(c.clientId, 'res') }]);
    assert.deepEqual(broker.requests, [
      {
        clientId: c.clientId,
        req: { v: 1, t: 'enrollReq', token: TOKEN, nodeName: 'pi-new', signingKey: toBase64(keys.signingPublicKey), boxKey: toBase64(keys.boxPublicKey), agentVersion: '0.1.0', arch: 'arm64' },
      },
    ]);
    assert.deepEqual(broker.denied, []);
  });

  it("gives up at once on the hub's invalid-token refusal", async () => {
    broker.behaviour = 'invalid-token';
    const outcome = await enroll(input(), deps, { backoff: FAST });
    assert.deepEqual(outcome, { ok: false, permanent: true, reason: 'invalid-token', message: 'token abcdef is unknown or expired' });
    assert.equal(broker.requests.length, 1);
  });

  it('gives up at once when the broker refuses the bootstrap CONNECT', async () => {
    const outcome = await enroll(input({ token: 'zzzzzz.zzzzzzzzzzzzzzzz' }), deps, { backoff: FAST });
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.permanent && outcome.reason === 'invalid-token', JSON.stringify(outcome));
    assert.equal(broker.connects.length, 1);
  });

  it('retries a hub internal error with backoff', async () => {
    broker.behaviour = 'internal-error-once';
    const outcome = await enroll(input(), deps, { backoff: FAST });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(broker.requests.length, 2);
    assert.equal(new Set(broker.requests.map((r) => r.clientId)).size, 2, 'a fresh bootstrap client id per attempt');
  });

  it('bounds the wait for a response', async () => {
    broker.behaviour = 'silent';
    const t0 = Date.now();
    const outcome = await enroll(input(), deps, { backoff: FAST, maxAttempts: 1, timeoutMs: 400 });
    assert.deepEqual(outcome, { ok: false, permanent: false, reason: 'timeout', message: 'no enrollment response within 400 ms' });
    assert.ok(Date.now() - t0 < 3000);
  });

  it('refuses a hub key other than the pinned one', async () => {
    broker.behaviour = 'other-hub-key';
    const pinned = keyFingerprint(hubKeys.signingPublicKey);
    const outcome = await enroll(input(), deps, {
      backoff: FAST,
      maxAttempts: 2,
      checkHubKey: (k) => (keyFingerprint(k) === pinned ? undefined : 'not the pinned key'),
    });
    assert.deepEqual(outcome, { ok: false, permanent: false, reason: 'hub-key-mismatch', message: 'not the pinned key' });
    assert.equal(broker.requests.length, 2);
  });

  it('can be aborted between attempts', async () => {
    broker.behaviour = 'silent';
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 600);
    const outcome = await enroll(input(), deps, { backoff: { initialMs: 60_000, maxMs: 60_000, factor: 1, jitter: 0 }, timeoutMs: 300, signal: ac.signal });
    assert.equal(outcome.ok, false);
  });
});

describe('agent startup: enroll, then connect as the node', function () {
  this.timeout(30_000);
  let broker: EnrollBroker;
  let root: string;
  let agent: RunningAgent | undefined;
  const logs: string[] = [];

  beforeEach(async () => {
    broker = new EnrollBroker();
    await broker.start();
    root = await mkdtemp(join(tmpdir(), 'flotilla-agent-enroll-'));
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.log(logs.slice(-30).join(''));
    await agent?.stop();
    agent = undefined;
    await broker.close();
    await rm(root, { recursive: true, force: true });
  });

  async function start(over: Partial<AgentConfig> = {}): Promise<RunningAgent> {
    const host = await loadHostFixture(fileURLToPath(new URL('../fixtures/conditions/pi4-bookworm.json', import.meta.url)));
    const cfg: AgentConfig = {
      hubUrl: broker.url,
      dataDir: join(root, 'data'),
      nodeName: 'pi-new',
      nodeNameSource: 'flag',
      dockerSocket: '/nonexistent/docker.sock',
      heartbeatIntervalMs: 1000,
      statusIntervalMs: 60_000,
      logLevel: 'debug',
      labels: {},
      ...over,
    };
    return startAgent(
      cfg,
      {
        ...deps,
        logger: createJsonLogger((l) => logs.push(l), { level: 'debug', now: () => new Date() }),
        hostProbe: recordedHostProbe(host),
        runtime: { probe: () => Promise.resolve({ reachable: false, error: 'no docker here' }) },
      },
      { link: { backoff: FAST } },
    );
  }

  it('enrolls with the token, keeps identity and hub key, connects as node:NAME; later starts need no token', async () => {
    agent = await start({ token: TOKEN });
    await waitFor('online', () => agent?.link.state === 'online');
    const dataDir = join(root, 'data');
    assert.equal((await stat(join(dataDir, IDENTITY_FILE))).mode & 0o777, 0o600);
    const id = await loadIdentity(dataDir);
    const hub = await loadHubKey(dataDir);
    assert.equal(id?.nodeName, 'pi-new');
    assert.deepEqual(hub?.hubKey, hubKeys.signingPublicKey);
    assert.deepEqual(broker.requests.map((r) => r.req.signingKey), [toBase64(id.keys.signingPublicKey)]);
    assert.equal(broker.requests[0]?.req.arch, 'arm64');
    const nodeConnect = broker.connects.find((c) => c.clientId === 'node:pi-new');
    assert.equal(parseConnectPassword(nodeConnect?.password ?? '').counter, 1);
    assert.equal(await readFile(join(dataDir, 'connect-counter'), 'utf8'), '1\n');

    await agent.stop();
    agent = await start();
    await waitFor('online again', () => agent?.link.state === 'online');
    assert.equal(broker.requests.length, 1, 'no second enrollment');
    assert.equal(parseConnectPassword(broker.connects.at(-1)?.password ?? '').counter, 2);
    assert.deepEqual(broker.denied, []);
  });

  it('not enrolled and no token: exit 2 with a clear message, nothing written', async () => {
    await assert.rejects(start(), (e: unknown) => e instanceof AgentStartupError && e.exitCode === 2 && /not enrolled yet.*--token/.test(e.message));
    await assert.rejects(access(join(root, 'data')), 'the data dir was not created');
    assert.equal(broker.connects.length, 0);
  });

  it('a refused token: exit 2', async () => {
    broker.behaviour = 'invalid-token';
    await assert.rejects(start({ token: TOKEN }), (e: unknown) => e instanceof AgentStartupError && e.exitCode === 2 && e.message.includes('invalid-token'));
  });

  it('enrolled under one hub key, but another pinned: exit 2', async () => {
    agent = await start({ token: TOKEN });
    await agent.stop();
    agent = undefined;
    const other = keyFingerprint(generateIdentity().signingPublicKey);
    await assert.rejects(start({ hubKeyFingerprint: other }), (e: unknown) => e instanceof AgentStartupError && e.exitCode === 2 && e.message.includes(HUB_FILE));
  });
});

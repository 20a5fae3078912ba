/**
 * The enrollment client against a real hub (its broker, bootstrap tokens and enrollment
 * handler, started as test/support/hub.ts does): bootstrap CONNECT, request, response,
 * refusals, retries, pinning, and the agent's startup around it (identity and hub key on disk,
 * then the node connect). A recording tap relay (test/support/mqtt-tap.ts) shows what went
 * over the wire; it swallows the request where a scenario needs a hub that never answers,
 * which the real one cannot be made to be.
 */
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentStartupError, startAgent, type RunningAgent } from '../../agent/agent.js';
import { loadHostFixture, recordedHostProbe } from '../support/recorded-host.js';
import { DEFAULT_WORKLOAD_SETTINGS, type AgentConfig } from '../../agent/config/index.js';
import { HUB_FILE, IDENTITY_FILE, loadHubKey, loadIdentity } from '../../agent/identity/index.js';
import { enroll, mqttJsConnector, type EnrollInput } from '../../agent/link/index.js';
import { generateIdentity, keyFingerprint, toBase64 } from '../../shared/crypto/index.js';
import { decodeAgentMessage, enrollTopic, isEnrollClientId, parseConnectPassword, type EnrollRequestMessage } from '../../shared/protocol/index.js';
import { systemClock } from '../../shared/util/clock.js';
import { createJsonLogger, silentLogger } from '../../shared/util/logger.js';
import { bootstrapToken } from '../support/flotctl.js';
import { startHub, type HubHandle } from '../support/hub.js';
import { CONNECT, MqttTap, PUBLISH, SUBSCRIBE, type TapPacket } from '../support/mqtt-tap.js';
import { until } from '../support/wait.js';

const FAST = { initialMs: 50, maxMs: 200, factor: 2, jitter: 1 };
const deps = { connector: mqttJsConnector, clock: systemClock, logger: silentLogger };
const UNKNOWN_TOKEN = 'zzzzzz.zzzzzzzzzzzzzzzz';

/** The hub's signing key fingerprint, from its ready line. */
function hubKeyOf(hub: HubHandle): string {
  const ready = hub.logs.find((l) => l.includes('"msg":"hub ready"'));
  const key = ready !== undefined ? (JSON.parse(ready) as { hubKey?: unknown }).hubKey : undefined;
  assert.ok(typeof key === 'string', 'the hub names its key when ready');
  return key;
}

const isRequest = (p: TapPacket): boolean => p.type === PUBLISH && p.publish?.topic.endsWith('/req') === true;

/** Enrollment requests that reached the hub, with the client that sent them. */
function requests(tap: MqttTap): { clientId: string; req: EnrollRequestMessage }[] {
  return tap.packets
    .filter((p) => p.dir === 'up' && isRequest(p))
    .map((p) => ({ clientId: p.publish?.topic.split('/')[3] ?? '', req: decodeAgentMessage('enroll-req', p.publish?.payload ?? Buffer.alloc(0)) }));
}

function refusals(hub: HubHandle): string[] {
  return hub.logs.filter((l) => /"msg":"(publish|subscribe) refused"/.test(l));
}

describe('agent enrollment client against the hub', function () {
  this.timeout(60_000);
  let hub: HubHandle;
  let tap: MqttTap;
  let token: string;
  let n = 0;
  let node: string;
  const keys = generateIdentity();
  const input = (over: Partial<EnrollInput> = {}): EnrollInput => ({ hubUrl: tap.url, token, nodeName: node, keys, agentVersion: '0.1.0', arch: 'arm64', ...over });

  before(async () => {
    hub = await startHub();
  });
  after(async () => {
    await hub?.dispose();
  });
  beforeEach(async () => {
    tap = await MqttTap.start(() => hub.mqttUrl);
    token = await bootstrapToken(hub);
    node = `pi-new-${++n}`;
  });
  afterEach(() => tap.close());

  it('connects as a bootstrap client, sends the request, and returns the hub key', async () => {
    const outcome = await enroll(input(), deps, { backoff: FAST, maxAttempts: 1 });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(keyFingerprint(outcome.hubKey), hubKeyOf(hub));
    assert.equal(outcome.nodeName, node);

    const c = tap.sent(CONNECT)[0]?.connect;
    assert.ok(c && isEnrollClientId(c.clientId), c?.clientId);
    assert.equal(c.username, 'bootstrap');
    assert.equal(c.password, token);
    assert.equal(c.clean, true);
    assert.deepEqual(tap.sent(SUBSCRIBE).map((p) => p.topics), [[enrollTopic(c.clientId, 'res')]]);
    assert.deepEqual(requests(tap), [
      {
        clientId: c.clientId,
        req: { v: 1, t: 'enrollReq', token, nodeName: node, signingKey: toBase64(keys.signingPublicKey), boxKey: toBase64(keys.boxPublicKey), agentVersion: '0.1.0', arch: 'arm64' },
      },
    ]);
    assert.deepEqual(refusals(hub), []);
  });

  it("gives up at once on the hub's refusal (a name enrolled with another key)", async () => {
    assert.ok((await enroll(input(), deps, { backoff: FAST, maxAttempts: 1 })).ok);
    const outcome = await enroll(input({ keys: generateIdentity(), token: await bootstrapToken(hub) }), deps, { backoff: FAST });
    assert.ok(!outcome.ok && outcome.permanent && outcome.reason === 'name-conflict', JSON.stringify(outcome));
    assert.match(outcome.message, new RegExp(`node name ${node} is already enrolled with another key`));
    assert.equal(requests(tap).length, 2, 'one request each, no retry');
  });

  it('gives up at once when the broker refuses the bootstrap CONNECT', async () => {
    const outcome = await enroll(input({ token: UNKNOWN_TOKEN }), deps, { backoff: FAST });
    assert.ok(!outcome.ok && outcome.permanent && outcome.reason === 'invalid-token', JSON.stringify(outcome));
    assert.equal(tap.sent(CONNECT).length, 1);
  });

  it('retries with backoff when an attempt fails (no answer), with a fresh bootstrap client id', async () => {
    let swallowed = 0;
    tap.swallow((p) => isRequest(p) && swallowed++ === 0);
    const outcome = await enroll(input(), deps, { backoff: FAST, timeoutMs: 400 });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    const ids = tap.sent(CONNECT).map((p) => p.connect?.clientId);
    assert.equal(ids.length, 2);
    assert.equal(new Set(ids).size, 2, 'a fresh bootstrap client id per attempt');
    assert.equal(requests(tap).length, 1, 'the second request reached the hub');
  });

  it('bounds the wait for a response (fault: the request never reaches the hub)', async () => {
    tap.swallow(isRequest);
    const t0 = Date.now();
    const outcome = await enroll(input(), deps, { backoff: FAST, maxAttempts: 1, timeoutMs: 400 });
    assert.deepEqual(outcome, { ok: false, permanent: false, reason: 'timeout', message: 'no enrollment response within 400 ms' });
    assert.ok(Date.now() - t0 < 3000);
  });

  it('refuses a hub key other than the pinned one', async () => {
    const pinned = keyFingerprint(generateIdentity().signingPublicKey);
    const outcome = await enroll(input(), deps, {
      backoff: FAST,
      maxAttempts: 2,
      checkHubKey: (k) => (keyFingerprint(k) === pinned ? undefined : 'not the pinned key'),
    });
    assert.deepEqual(outcome, { ok: false, permanent: false, reason: 'hub-key-mismatch', message: 'not the pinned key' });
    assert.equal(requests(tap).length, 2);
  });

  it('can be aborted between attempts', async () => {
    tap.swallow(isRequest);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 600);
    const outcome = await enroll(input(), deps, { backoff: { initialMs: 60_000, maxMs: 60_000, factor: 1, jitter: 0 }, timeoutMs: 300, signal: ac.signal });
    assert.equal(outcome.ok, false);
  });
});

describe('agent startup: enroll, then connect as the node', function () {
  this.timeout(60_000);
  let hub: HubHandle;
  let tap: MqttTap;
  let root: string;
  let agent: RunningAgent | undefined;
  let n = 0;
  let node: string;
  const logs: string[] = [];

  before(async () => {
    hub = await startHub();
  });
  after(async () => {
    await hub?.dispose();
  });
  beforeEach(async () => {
    tap = await MqttTap.start(() => hub.mqttUrl);
    root = await mkdtemp(join(tmpdir(), 'flotilla-agent-enroll-'));
    node = `pi-boot-${++n}`;
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.log(logs.slice(-30).join(''));
    await agent?.stop();
    agent = undefined;
    await tap.close();
    await rm(root, { recursive: true, force: true });
  });

  async function start(over: Partial<AgentConfig> = {}): Promise<RunningAgent> {
    const host = await loadHostFixture(fileURLToPath(new URL('../fixtures/conditions/pi4-bookworm.json', import.meta.url)));
    const cfg: AgentConfig = {
      ...DEFAULT_WORKLOAD_SETTINGS,
      hubUrl: tap.url,
      dataDir: join(root, 'data'),
      nodeName: node,
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
    agent = await start({ token: await bootstrapToken(hub) });
    await until('online', () => agent?.link.state === 'online');
    const dataDir = join(root, 'data');
    assert.equal((await stat(join(dataDir, IDENTITY_FILE))).mode & 0o777, 0o600);
    const id = await loadIdentity(dataDir);
    const hubKey = await loadHubKey(dataDir);
    assert.equal(id?.nodeName, node);
    assert.ok(hubKey);
    assert.equal(keyFingerprint(hubKey.hubKey), hubKeyOf(hub));
    assert.deepEqual(requests(tap).map((r) => r.req.signingKey), [toBase64(id.keys.signingPublicKey)]);
    assert.equal(requests(tap)[0]?.req.arch, 'arm64');
    const nodeConnect = tap.sent(CONNECT).find((p) => p.connect?.clientId === `node:${node}`)?.connect;
    assert.equal(parseConnectPassword(nodeConnect?.password ?? '').counter, 1);
    assert.equal(await readFile(join(dataDir, 'connect-counter'), 'utf8'), '1\n');

    await agent.stop();
    agent = await start();
    await until('online again', () => agent?.link.state === 'online');
    assert.equal(requests(tap).length, 1, 'no second enrollment');
    assert.equal(parseConnectPassword(tap.sent(CONNECT).at(-1)?.connect?.password ?? '').counter, 2);
    assert.deepEqual(refusals(hub), []);
  });

  it('not enrolled and no token: exit 2 with a clear message, nothing written', async () => {
    await assert.rejects(start(), (e: unknown) => e instanceof AgentStartupError && e.exitCode === 2 && /not enrolled yet.*--token/.test(e.message));
    await assert.rejects(access(join(root, 'data')), 'the data dir was not created');
    assert.equal(tap.sent(CONNECT).length, 0);
  });

  it('a refused token: exit 2', async () => {
    await assert.rejects(start({ token: UNKNOWN_TOKEN }), (e: unknown) => e instanceof AgentStartupError && e.exitCode === 2 && e.message.includes('invalid-token'));
  });

  it('enrolled under one hub key, but another pinned: exit 2', async () => {
    agent = await start({ token: await bootstrapToken(hub) });
    await agent.stop();
    agent = undefined;
    const other = keyFingerprint(generateIdentity().signingPublicKey);
    await assert.rejects(start({ hubKeyFingerprint: other }), (e: unknown) => e instanceof AgentStartupError && e.exitCode === 2 && e.message.includes(HUB_FILE));
  });
});

/**
 * The broker's in-memory MQTT sessions (coalescing, bounded queues, exact-topic retained
 * lookup), checked against aedes-persistence's own abstract suite and with a real aedes broker
 * and mqtt.js client. They last as long as the broker: a restart starts every session afresh.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import { connect, type IConnackPacket, type MqttClient } from 'mqtt';
import type { MqttPacket, MqttSessionStore } from '../../server/broker/session-persistence.js';
import { createMqttSessionStore, type MqttSessionStoreOptions } from '../../server/broker/memory-sessions.js';
import { nodeTopic, parseTopic } from '../../shared/protocol/topics.js';
import { systemClock } from '../../shared/util/clock.js';
import type { LogFields, Logger } from '../../shared/util/logger.js';
import { FakeClock } from '../support/fake-clock.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function isDesired(topic: string): boolean {
  const t = parseTopic(topic);
  return t?.kind === 'node' && t.channel === 'desired';
}

interface LogEntry {
  level: string;
  msg: string;
  fields: LogFields;
}

function captureLogger(entries: LogEntry[], base: LogFields = {}): Logger {
  const at =
    (level: string) =>
    (msg: string, fields: LogFields = {}): void => {
      entries.push({ level, msg, fields: { ...base, ...fields } });
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => captureLogger(entries, { ...base, ...fields }),
  };
}

// --- aedes-persistence's abstract suite, run by node:test in a child process ----------------------

/** ESM run with `node --import tsx -e`: the suite wants node:test's `test` and a store factory. */
const ABSTRACT_RUNNER = `
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const env = process.env;
const root = env.FLOTILLA_ROOT;
const abstractSuite = createRequire(join(root, 'package.json'))('aedes-persistence/abstract.js');
const { createMqttSessionStore } = await import(pathToFileURL(join(root, 'server/broker/memory-sessions.ts')).href);
const { silentLogger } = await import(pathToFileURL(join(root, 'shared/util/logger.ts')).href);
const { systemClock } = await import(pathToFileURL(join(root, 'shared/util/clock.ts')).href);
const coalesceAll = env.ABSTRACT_COALESCE === 'all';
abstractSuite({
  test,
  testAsync: true,
  persistence: () => createMqttSessionStore({
    clock: systemClock,
    logger: silentLogger,
    maxQueuedPerClient: Number(env.ABSTRACT_MAX_QUEUED),
    coalesceTopic: () => coalesceAll,
  }),
});
`;

interface SuiteResult {
  code: number | null;
  tests: number;
  pass: number;
  fail: number;
  failed: string[];
  output: string;
}

async function runAbstractSuite(coalesce: 'none' | 'all', maxQueued: number): Promise<SuiteResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--test-reporter=tap', '--input-type=module', '-e', ABSTRACT_RUNNER], {
    cwd: ROOT,
    env: { ...process.env, FLOTILLA_ROOT: ROOT, ABSTRACT_COALESCE: coalesce, ABSTRACT_MAX_QUEUED: String(maxQueued) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  const count = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? NaN);
  const failed = [...output.matchAll(/^not ok \d+ - (.+)$/gm)].map((m) => m[1] ?? '');
  return { code, tests: count('tests'), pass: count('pass'), fail: count('fail'), failed, output };
}

// --- a real broker -------------------------------------------------------------------------------

interface Broker {
  aedes: Aedes;
  port: number;
  close(): Promise<void>;
}

async function startBroker(store: MqttSessionStore): Promise<Broker> {
  const aedes = await Aedes.createBroker({ persistence: store });
  const server = createServer((socket) => aedes.handle(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    aedes,
    port,
    close: async () => {
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function publish(broker: Broker, topic: string, payload: string, retain = false): Promise<void> {
  return new Promise((resolve, reject) => {
    // The callback fires after the message was stored for offline subscribers.
    broker.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain, dup: false }, (err) => (err ? reject(err) : resolve()));
  });
}

interface Agent {
  client: MqttClient;
  connack: IConnackPacket;
  received: string[];
}

/** An agent-like client: persistent session, QoS 1, no automatic reconnect. */
async function connectAgent(broker: Broker, clientId: string, clean = false): Promise<Agent> {
  const received: string[] = [];
  const client = connect({ host: '127.0.0.1', port: broker.port, clientId, clean, protocolVersion: 4, reconnectPeriod: 0, keepalive: 30 });
  client.on('message', (topic, payload) => received.push(`${topic.split('/').at(-1) ?? ''}:${payload.toString()}`));
  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  return { client, connack, received };
}

async function disconnect(broker: Broker, agent: Agent): Promise<void> {
  const gone = once(broker.aedes, 'clientDisconnect');
  await agent.client.endAsync();
  await gone;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `n` messages arrived, then a little longer so that any extra one shows up too. */
async function receive(agent: Agent, n: number, timeoutMs = 5000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  while (agent.received.length < n && Date.now() < deadline) await delay(20);
  await delay(300);
  return agent.received;
}

async function queued(store: MqttSessionStore, clientId: string): Promise<MqttPacket[]> {
  const out: MqttPacket[] = [];
  for await (const p of store.outgoingStream({ id: clientId })) out.push(p as MqttPacket);
  return out;
}

describe('MQTT session store (aedes persistence in memory)', function () {
  const options = (over: Partial<MqttSessionStoreOptions> = {}): MqttSessionStoreOptions => ({
    clock: systemClock,
    logger: captureLogger([]),
    maxQueuedPerClient: 100,
    coalesceTopic: isDesired,
    ...over,
  });

  describe("aedes-persistence's abstract suite", function () {
    it('passes every test when the Flotilla rules do not apply', async function () {
      const r = await runAbstractSuite('none', 100_000);
      assert.equal(r.fail, 0, `failed: ${r.failed.join(', ')}\n${r.output.slice(-4000)}`);
      assert.ok(r.tests >= 50, `ran ${r.tests} tests`);
      assert.equal(r.pass, r.tests);
      assert.equal(r.code, 0);
    });

    it('contradicts coalescing only where it queues two unsent messages on one topic', async function () {
      const r = await runAbstractSuite('all', 100_000);
      assert.deepEqual(r.failed, ['update to publish w/ same messageId'], r.output.slice(-4000));
      assert.equal(r.pass, r.tests - 1);
    });

    it('contradicts the bound only where it queues more than the bound', async function () {
      const r = await runAbstractSuite('none', 1);
      assert.deepEqual(
        r.failed,
        [
          'add outgoing packet as a string and pump',
          'add 2 outgoing packet and clear messageId',
          'add many outgoing packets and clear messageIds',
          'update to publish w/ same messageId',
        ],
        r.output.slice(-4000),
      );
    });
  });

  describe('the store on its own', function () {
    it('finds the retained message of an exact topic without a scan, and matches wildcards', async function () {
      const store = createMqttSessionStore(options());
      await store.setup({ id: 'hub-1', counter: 0 });
      for (let i = 0; i < 1000; i++) {
        await store.storeRetained({ cmd: 'publish', topic: nodeTopic(`n-${i}`, 'desired'), payload: Buffer.from(`d${i}`), qos: 1, retain: true });
      }
      await store.storeRetained({ cmd: 'publish', topic: nodeTopic('n-5', 'desired'), payload: Buffer.alloc(0), qos: 1, retain: true });
      const read = async (patterns: string[]): Promise<string[]> => {
        const out: string[] = [];
        for await (const p of store.createRetainedStreamCombi(patterns)) out.push(String((p as MqttPacket).payload));
        return out.sort();
      };
      assert.deepEqual(await read([nodeTopic('n-7', 'desired'), nodeTopic('n-7', 'cmd'), nodeTopic('n-7', 'desired')]), ['d7']);
      assert.deepEqual(await read([nodeTopic('n-5', 'desired')]), [], 'an empty retained payload clears it');
      assert.deepEqual(await read([nodeTopic('n-99', 'desired').replace(/desired$/, '+')]), ['d99']);
      assert.equal((await read(['#'])).length, 999);
      await store.destroy();
      await assert.rejects(store.putWill({ id: 'x' }, { topic: 't' }), /closed/);
    });

    it('coalesces only messages not yet sent, and lets aedes send one that left the queue', async function () {
      const logs: LogEntry[] = [];
      const store = createMqttSessionStore(options({ logger: captureLogger(logs) }));
      await store.setup({ id: 'hub', counter: 0 });
      const desired = nodeTopic('node-a', 'desired');
      const d = (n: number): MqttPacket => ({ cmd: 'publish', topic: desired, payload: Buffer.from(`v${n}`), qos: 1, retain: true, brokerId: 'hub', brokerCounter: n });
      const client = { id: 'node-a' };

      await store.outgoingEnqueue({ clientId: 'node-a' }, d(1));
      await store.outgoingUpdate(client, { ...d(1), messageId: 11 }); // v1 is in flight
      await store.outgoingEnqueue({ clientId: 'node-a' }, d(2));
      await store.outgoingEnqueue({ clientId: 'node-a' }, d(3));
      assert.deepEqual(
        (await queued(store, 'node-a')).map((p) => String(p.payload)),
        ['v1', 'v3'],
        'the message in flight stays (it must be resent), v2 is replaced',
      );
      // aedes had already picked v2 up (a live delivery, or the queue it streams on reconnect), twice
      // even (overlapping subscriptions): that is no error, which would make aedes cut the client off.
      await store.outgoingUpdate(client, { ...d(2), messageId: 12 });
      await store.outgoingUpdate(client, { ...d(2), messageId: 13 });
      assert.deepEqual(logs.filter((l) => l.level === 'warn'), []);
      // A packet never queued is sent untracked too, with a warning.
      await store.outgoingUpdate(client, { ...d(99), messageId: 14 });
      assert.deepEqual(
        logs.filter((l) => l.level === 'warn').map((l) => [l.msg, l.fields.clientId]),
        [['mqtt message sent that was never queued', 'node-a']],
      );
      assert.deepEqual(
        (await queued(store, 'node-a')).map((p) => [String(p.payload), p.messageId]),
        [
          ['v1', 11],
          ['v3', undefined],
        ],
      );
      await store.destroy();
    });
  });

  describe('with a real aedes broker and mqtt.js', function () {
    it('keeps subscriptions and queued QoS 1 messages while the broker runs; a restart starts afresh', async function () {
      const cmd = nodeTopic('node-a', 'cmd');
      let store = createMqttSessionStore(options());
      let broker = await startBroker(store);

      const agent = await connectAgent(broker, 'node-a');
      assert.equal(agent.connack.sessionPresent, false);
      await agent.client.subscribeAsync([cmd], { qos: 1 });
      await disconnect(broker, agent);

      await publish(broker, cmd, 'away-1');
      await publish(broker, cmd, 'away-2');
      const back = await connectAgent(broker, 'node-a');
      assert.equal(back.connack.sessionPresent, true, 'the session is resumed');
      assert.deepEqual(await receive(back, 2), ['cmd:away-1', 'cmd:away-2']);
      await publish(broker, cmd, 'live');
      assert.deepEqual(await receive(back, 3), ['cmd:away-1', 'cmd:away-2', 'cmd:live']);
      await disconnect(broker, back);

      // Every message was acknowledged: nothing comes again.
      const again = await connectAgent(broker, 'node-a');
      assert.equal(again.connack.sessionPresent, true);
      assert.deepEqual(await receive(again, 1, 500), []);
      await disconnect(broker, again);
      await publish(broker, cmd, 'lost-in-restart');

      // The broker is delivery, not state: a restart ends the session and what was queued.
      await broker.close();
      await store.destroy();
      store = createMqttSessionStore(options());
      broker = await startBroker(store);
      const fresh = await connectAgent(broker, 'node-a');
      assert.equal(fresh.connack.sessionPresent, false);
      assert.deepEqual(await receive(fresh, 1, 500), []);
      await disconnect(broker, fresh);
      await broker.close();
      await store.destroy();
    });

    it('delivers only the latest of 5 desired documents published while the agent was away', async function () {
      const desired = nodeTopic('node-a', 'desired');
      const cmd = nodeTopic('node-a', 'cmd');
      const store = createMqttSessionStore(options());
      const broker = await startBroker(store);

      const agent = await connectAgent(broker, 'node-a');
      await agent.client.subscribeAsync([desired, cmd], { qos: 1 });
      await disconnect(broker, agent);

      await publish(broker, desired, 'v1', true);
      await publish(broker, desired, 'v2', true);
      await publish(broker, cmd, 'c1');
      await publish(broker, desired, 'v3', true);
      await publish(broker, desired, 'v4', true);
      await publish(broker, desired, 'v5', true);
      assert.equal((await queued(store, 'node-a')).length, 2);

      const back = await connectAgent(broker, 'node-a');
      assert.equal(back.connack.sessionPresent, true);
      assert.deepEqual(await receive(back, 2), ['cmd:c1', 'desired:v5'], 'no intermediate desired version is replayed');
      await disconnect(broker, back);

      // The retained copy is the latest too.
      const other = await connectAgent(broker, 'dashboard', true);
      await other.client.subscribeAsync(desired, { qos: 1 });
      assert.deepEqual(await receive(other, 1), ['desired:v5']);
      await disconnect(broker, other);
      await broker.close();
      await store.destroy();
    });

    it('keeps at most maxQueuedPerClient messages per client, dropping the oldest with a warning', async function () {
      const logs: LogEntry[] = [];
      const clock = new FakeClock();
      const store = createMqttSessionStore(options({ maxQueuedPerClient: 5, logger: captureLogger(logs), clock }));
      const broker = await startBroker(store);

      const b = await connectAgent(broker, 'node-b');
      await b.client.subscribeAsync([nodeTopic('node-b', 'desired'), nodeTopic('node-b', 'cmd')], { qos: 1 });
      await disconnect(broker, b);
      const c = await connectAgent(broker, 'node-c');
      await c.client.subscribeAsync(nodeTopic('node-c', 'cmd'), { qos: 1 });
      await disconnect(broker, c);

      await publish(broker, nodeTopic('node-b', 'desired'), 'v1', true);
      for (let i = 1; i <= 8; i++) await publish(broker, nodeTopic('node-b', 'cmd'), `m${i}`);
      for (let i = 1; i <= 3; i++) await publish(broker, nodeTopic('node-c', 'cmd'), `n${i}`);

      const dropped = (): LogEntry[] => logs.filter((l) => l.level === 'warn' && l.msg === 'mqtt queue full, dropped oldest message');
      assert.equal(dropped().length, 1, 'one warning per client and minute');
      assert.deepEqual(
        { clientId: dropped()[0]?.fields.clientId, topic: dropped()[0]?.fields.topic, component: dropped()[0]?.fields.component },
        { clientId: 'node-b', topic: nodeTopic('node-b', 'cmd'), component: 'mqtt-sessions' },
      );
      clock.advance(60_000);
      await publish(broker, nodeTopic('node-b', 'cmd'), 'm9');
      assert.equal(dropped().length, 2);
      assert.equal(dropped()[1]?.fields.dropped, 4, 'the next warning counts the drops it stood for');

      const back = await connectAgent(broker, 'node-b');
      assert.deepEqual(
        await receive(back, 5),
        ['desired:v1', 'cmd:m6', 'cmd:m7', 'cmd:m8', 'cmd:m9'],
        'the oldest went; the latest desired state is kept',
      );
      const backC = await connectAgent(broker, 'node-c');
      assert.deepEqual(await receive(backC, 3), ['cmd:n1', 'cmd:n2', 'cmd:n3'], 'the bound is per client');
      await disconnect(broker, back);
      await disconnect(broker, backC);
      await broker.close();
      await store.destroy();
    });
  });
});

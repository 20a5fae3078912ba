/**
 * The hub's own publishes against the real broker (aedes on 127.0.0.1:0, real mqtt.js clients):
 * one recipient whose socket does not drain (a device on a stalled link) holds up only its own
 * messages, never those for other devices; and one recipient's messages still arrive in order.
 */
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { DEFAULT_BROKER_LIMITS, startBroker, type RunningBroker } from '../../server/broker/broker.js';
import type { ConnectAuthenticator } from '../../server/broker/principal.js';
import { silentLogger } from '../../shared/util/logger.js';

const anyone: ConnectAuthenticator = {
  authenticate: (a) => Promise.resolve({ ok: true, principal: { kind: 'bootstrap', clientId: a.clientId } }),
};

describe('hub publishes: ordered per recipient, never held up by another', function () {
  this.timeout(30_000);
  let b: RunningBroker & { port: number };
  const clients: MqttClient[] = [];

  before(async function () {
    const started = await startBroker({
      plain: { host: '127.0.0.1', port: 0 },
      limits: { ...DEFAULT_BROKER_LIMITS, drainTimeoutMs: 20_000 },
      auth: anyone,
      policy: { mayPublish: () => true, maySubscribe: () => true },
      logger: silentLogger,
      onMessage: () => undefined,
      recipientOf: (topic) => topic.split('/')[1],
    });
    if (started.port === undefined) throw new Error('no plain listener');
    b = Object.assign(started, { port: started.port });
  });
  after(async function () {
    for (const c of clients) c.end(true);
    await b?.close();
  });

  async function subscriber(id: string): Promise<{ c: MqttClient; got: string[] }> {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${b.port}`, { clientId: `enroll:${id}`, reconnectPeriod: 0, protocolVersion: 4, keepalive: 30 });
    clients.push(c);
    const got: string[] = [];
    c.on('message', (_t, payload) => got.push(payload.length > 64 ? `big:${payload.length}` : payload.toString()));
    await c.subscribeAsync(`d/${id}/#`, { qos: 1 });
    return { c, got };
  }

  it('a device that stops reading does not delay messages to the others, and each device gets its messages in order', async function () {
    const stalled = await subscriber('stalled');
    const other = await subscriber('other');
    // The stalled device's socket stops being read: the broker's writes to it back up.
    stalled.c.stream.pause();
    const big = Buffer.alloc(1024 * 1024, 120);
    const backlog = Array.from({ length: 40 }, () => b.publish('d/stalled/x', big, { qos: 1, retain: false }).catch(() => undefined));

    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await b.publish(`d/other/${i % 2 === 0 ? 'desired' : 'cmd'}`, Buffer.from(`m${i}`), { qos: 1, retain: i % 2 === 0 });
    const deadline = Date.now() + 5000;
    while (other.got.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(other.got, ['m0', 'm1', 'm2', 'm3', 'm4'], 'all of them, in order');
    assert.ok(Date.now() - t0 < 5000, `delivered while the stalled device's backlog waits (${Date.now() - t0} ms)`);
    assert.ok(stalled.got.length < 40, 'the stalled device really was backed up');

    stalled.c.stream.resume();
    await Promise.all(backlog);
  });
});

/**
 * An event flood from an enrolled device, against a real hub process and real MQTT clients on
 * loopback: the store holds a bounded number of Events (per-node token bucket), repeats are one
 * Event with a count (Kubernetes' de-duplication), the hub keeps serving and other nodes' events
 * still land, and every Event expires after the hub's --event-ttl.
 */
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import type { KubeList, KubeObject } from '../../shared/api/meta.js';
import { encode, nodeTopic, parseJoinString } from '../../shared/protocol/index.js';
import { connectNode, enroll, newDevice } from '../support/device.js';
import { joinString } from '../support/flotctl.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { stable, until } from '../support/wait.js';

const BURST = 50;
const QPS = 1;
const TTL_SECONDS = 15;

function nodeEvents(node: string, reason: string, messages: string[]): Buffer {
  const events = messages.map((message) => ({ type: 'Warning', reason, message, involved: { kind: 'Node', name: node } }));
  return encode({ v: 1, t: 'events', events } as never);
}

describe('attack: an event flood from one device (real hub and broker)', function () {
  this.timeout(90_000);
  let hub: HubHandle;
  let api: Api;
  const flood = newDevice('pi-flood');
  const calm = newDevice('pi-calm');
  let floodConn: MqttClient;
  let calmConn: MqttClient;

  const eventsFrom = async (node: string, reason?: string): Promise<KubeObject[]> => {
    const list = await api<KubeList>('/api/v1/namespaces/default/events');
    assert.equal(list.status, 200);
    return list.body.items.filter((e) => {
      const source = e['source'] as { host?: string } | undefined;
      return source?.host === node && (reason === undefined || e['reason'] === reason);
    });
  };

  before(async function () {
    hub = await startHub({ extraArgs: ['--event-ttl', `${TTL_SECONDS}s`, '--node-event-burst', String(BURST), '--node-event-qps', String(QPS)] });
    api = apiClient(endpoint(hub));
    const { token } = parseJoinString(await joinString(hub));
    for (const d of [flood, calm]) assert.equal((await enroll(hub.mqttUrl, token, d)).ok, true);
    floodConn = await connectNode(hub.mqttUrl, flood);
    calmConn = await connectNode(hub.mqttUrl, calm);
  });
  after(async function () {
    floodConn?.end(true);
    calmConn?.end(true);
    await hub?.dispose();
  });

  const SENT = 5000;
  let floodStarted = 0;
  let stored = 0;

  it('thousands of distinct events: the store holds a bounded number, the hub serves, another node is heard', async function () {
    floodStarted = Date.now();
    const sending = Array.from({ length: SENT / 100 }, (_, m) =>
      floodConn.publishAsync(nodeTopic(flood.name, 'events'), nodeEvents(flood.name, 'Spam', Array.from({ length: 100 }, (_, i) => `spam ${m * 100 + i}`)), { qos: 1 }),
    );
    // While it floods, the API answers and the calm node's events land.
    assert.equal((await api('/readyz')).status, 200);
    await calmConn.publishAsync(nodeTopic(calm.name, 'events'), nodeEvents(calm.name, 'Calm', ['one', 'two', 'three']), { qos: 1 });
    await Promise.all(sending);
    await until('the calm node\'s events', async () => ((await eventsFrom(calm.name, 'Calm')).length === 3 ? true : undefined));

    stored = await stable('the flood settled', async () => (await eventsFrom(flood.name, 'Spam')).length, 1000, 30_000);
    const elapsedS = (Date.now() - floodStarted) / 1000;
    assert.ok(stored >= BURST, `the burst is recorded (${stored})`);
    assert.ok(stored <= BURST + Math.ceil(elapsedS * QPS) + 1, `at most the burst plus the rate: ${stored} stored after ${elapsedS.toFixed(1)} s`);
    assert.equal((await api('/api/v1/namespaces')).status, 200);
  });

  it('the dropped events are counted in one log line per node per interval, not one per event', async function () {
    const line = await until('the drop summary', () => hub.logs.find((l) => l.includes('node events dropped') && l.includes(flood.name)), 15_000);
    const summary = JSON.parse(line) as { dropped: number; node: string };
    assert.ok(summary.dropped >= SENT - stored - 20 && summary.dropped <= SENT - BURST, `dropped ${summary.dropped} of ${SENT}, ${stored} stored`);
    const lines = hub.logs.filter((l) => l.includes('node events dropped') || (l.includes('"Spam"') && l.includes('warn')));
    assert.ok(lines.length <= 2, `log lines about the flood: ${lines.length}`);
    assert.ok(!hub.logs.some((l) => l.includes('node events dropped') && l.includes(calm.name)), 'the calm node lost nothing');
  });

  it('repeats of one event are one Event whose count, series and lastTimestamp move', async function () {
    for (let i = 0; i < 5; i++) await calmConn.publishAsync(nodeTopic(calm.name, 'events'), nodeEvents(calm.name, 'Repeat', ['the same thing again']), { qos: 1 });
    const ev = await until('five repeats counted', async () => {
      const [e, ...more] = await eventsFrom(calm.name, 'Repeat');
      assert.equal(more.length, 0, 'no second object');
      return e && e['count'] === 5 ? e : undefined;
    });
    assert.deepEqual((ev['series'] as { count: number }).count, 5);
    assert.deepEqual(ev['source'], { component: 'flotilla-agent', host: calm.name });
    assert.equal(typeof ev['lastTimestamp'], 'string');
  });

  it(`every Event expires ${TTL_SECONDS} s after it was last seen (--event-ttl)`, async function () {
    const gone = async (): Promise<boolean> => (await eventsFrom(flood.name)).length === 0 && (await eventsFrom(calm.name)).length === 0;
    assert.equal(await gone(), false);
    await until('events expired', gone, TTL_SECONDS * 1000 + 20_000, 500);
  });
});

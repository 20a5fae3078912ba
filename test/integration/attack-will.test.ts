/**
 * Will poisoning across a hub kill -9, against a real hub process and real MQTT clients on
 * loopback. A node's last will is published in its name when it vanishes, so it passes the same
 * topic ACL as its publishes, at CONNECT: a will on another node's topics, on its own desired
 * topic or on an enrollment topic refuses the CONNECT. A will the node may set lives only in the
 * broker's in-memory session store (no file of the hub holds it), so after the hub is killed
 * with SIGKILL and restarted there is no leftover will for aedes' orphaned-will sweep to find:
 * the victim hears only desired documents the hub signed, and the hub acts on nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { KubeList } from '../../shared/api/meta.js';
import { createVerifier, fromBase64 } from '../../shared/crypto/index.js';
import { enrollTopic, generateEnrollClientId, nodeClientId, nodeTopic, openDesired } from '../../shared/protocol/index.js';
import { bootstrapToken } from '../support/flotctl.js';
import { connectNode, enroll, newDevice, nextPassword, type Device } from '../support/device.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { pod } from '../support/fixtures.js';
import { sleep, until } from '../support/wait.js';

function connectWithWill(url: string, d: Device, will: NonNullable<mqtt.IClientOptions['will']>): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { clientId: nodeClientId(d.name), username: d.name, password: nextPassword(d), protocolVersion: 4, reconnectPeriod: 0, keepalive: 30, will });
    c.once('connect', () => resolve(c));
    c.once('error', (e) => {
      c.end(true);
      reject(e);
    });
  });
}

async function filesHolding(dir: string, marker: Buffer): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const hits: string[] = [];
  for (const e of entries.filter((x) => x.isFile())) {
    const path = join(e.parentPath, e.name);
    if ((await readFile(path)).includes(marker)) hits.push(path);
  }
  return hits;
}

describe('attack: will poisoning across a hub kill -9 (real hub and broker)', function () {
  this.timeout(90_000);
  let hub: HubHandle;
  let api: Api;
  let hubKey: string;
  const attacker = newDevice('pi-will-attacker');
  const victim = newDevice('pi-will-victim');
  const marker = Buffer.from(`POISON-${randomBytes(8).toString('hex')}`);
  let attackerConn: MqttClient | undefined;

  before(async function () {
    hub = await startHub();
    api = apiClient(endpoint(hub));
    const token = await bootstrapToken(hub);
    for (const d of [attacker, victim]) {
      const res = await enroll(hub.mqttUrl, token, d);
      assert.ok(res.ok);
      hubKey = res.hubKey;
    }
    assert.equal((await api('/api/v1/namespaces/default/pods', { method: 'POST', body: pod('victim-work', { nodeName: victim.name }) })).status, 201);
  });
  after(async function () {
    attackerConn?.end(true);
    await hub?.dispose();
  });

  const forbidden = (): [string, string][] => [
    ["the victim's desired topic", nodeTopic(victim.name, 'desired')],
    ["the victim's cmd topic", nodeTopic(victim.name, 'cmd')],
    ["the victim's status topic", nodeTopic(victim.name, 'status')],
    ["the victim's presence topic", nodeTopic(victim.name, 'presence')],
    ['its own desired topic', nodeTopic(attacker.name, 'desired')],
    ['an enrollment answer', enrollTopic(generateEnrollClientId(), 'res')],
  ];
  for (const retain of [false, true]) {
    it(`a will on any topic the node may not publish (retain ${retain}) refuses the CONNECT`, async function () {
      for (const [what, topic] of forbidden()) {
        await assert.rejects(connectWithWill(hub.mqttUrl, attacker, { topic, payload: marker, qos: 1, retain }), /Not authorized/i, what);
        assert.ok(hub.logs.some((l) => l.includes('last will on') && l.includes(topic)), `${what}: refusal logged`);
      }
    });
  }

  it('a will left in the broker when the hub is killed with SIGKILL is never delivered nor acted on after the restart', async function () {
    // The one will the attacker may set: on its own presence topic, carrying garbage.
    attackerConn = await connectWithWill(hub.mqttUrl, attacker, { topic: nodeTopic(attacker.name, 'presence'), payload: marker, qos: 1, retain: false });
    assert.deepEqual(await filesHolding(hub.dataDir, marker), [], 'no file of the hub holds the will');
    await hub.kill9();
    attackerConn.end(true);
    attackerConn = undefined;
    const restartedAt = hub.logs.length;
    await hub.start();

    // The victim comes back as its agent does and hears only what the hub signed.
    const verify = createVerifier(fromBase64(hubKey) ?? new Uint8Array());
    const heard: { topic: string; payload: Buffer }[] = [];
    const v = await connectNode(hub.mqttUrl, victim);
    v.on('message', (topic, payload) => heard.push({ topic, payload }));
    await v.subscribeAsync([nodeTopic(victim.name, 'desired'), nodeTopic(victim.name, 'cmd')], { qos: 1 });
    await until('the desired document', () => heard.some((m) => m.topic.endsWith('/desired')));
    // Longer than the hub's start-up republishing; a leftover will would come with it.
    await sleep(3000);
    await v.endAsync();
    assert.ok(!heard.some((m) => m.payload.includes(marker)), 'no poison reached the victim');
    for (const m of heard.filter((x) => x.topic.endsWith('/desired'))) {
      assert.deepEqual(openDesired(m.payload, verify, { node: victim.name, minSeq: 0 }).pods.map((p) => p.metadata.name), ['victim-work']);
    }

    // The hub acted on nothing of the attacker's: no presence, no malformed-payload complaint.
    const after = hub.logs.slice(restartedAt);
    assert.ok(!after.some((l) => l.includes(attacker.name) && /agent presence|agent payload dropped|orphaned will/.test(l)), after.filter((l) => l.includes(attacker.name)).join('\n'));
    const events = await api<KubeList>(`/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3D${attacker.name}`);
    assert.ok(!events.body.items.some((e) => e['reason'] === 'MalformedMessage'), 'no complaint about a delivered will');
    assert.deepEqual(await filesHolding(hub.dataDir, marker), []);
  });

  it('control: the same will under a live hub is delivered when its client vanishes, and refused as malformed (the checks above can fail)', async function () {
    const c = await connectWithWill(hub.mqttUrl, attacker, { topic: nodeTopic(attacker.name, 'presence'), payload: marker, qos: 1, retain: false });
    c.end(true); // the socket is destroyed without a DISCONNECT: the broker publishes the will
    await until('the will delivered and dropped', () => hub.logs.some((l) => l.includes(attacker.name) && l.includes('agent payload dropped') && l.includes('presence')));
  });
});

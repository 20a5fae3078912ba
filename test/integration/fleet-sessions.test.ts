/**
 * The broker is delivery, the store is truth: after a hub kill -9 no MQTT session survives
 * (sessionPresent is false), and a device that subscribes again gets exactly the latest desired
 * document, republished from the store, never an intermediate one.
 */
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { createVerifier, fromBase64 } from '../../shared/crypto/index.js';
import { DESIRED_REVISION_ANNOTATION } from '../../shared/api/desired-sync.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { nodeClientId, nodeTopic, openDesired, parseRevision, type DesiredState } from '../../shared/protocol/index.js';
import { bootstrapToken } from '../support/flotctl.js';
import { enroll, newDevice, nextPassword, type Device } from '../support/device.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { pod } from '../support/fixtures.js';

function connectPersistent(url: string, d: Device): Promise<{ c: MqttClient; sessionPresent: boolean }> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { clientId: nodeClientId(d.name), username: d.name, password: nextPassword(d), clean: false, reconnectPeriod: 0, protocolVersion: 4, keepalive: 30 });
    c.once('connect', (ack) => resolve({ c, sessionPresent: ack.sessionPresent }));
    c.once('error', reject);
  });
}

describe('agent sessions across a hub kill -9', function () {
  let hub: HubHandle;
  let api: Api;
  let hubKey: string;
  const d = newDevice('pi-session');

  before(async function () {
    hub = await startHub();
    api = apiClient(endpoint(hub));
    const res = await enroll(hub.mqttUrl, await bootstrapToken(hub), d);
    assert.ok(res.ok);
    hubKey = res.hubKey;
  });
  after(async function () {
    await hub?.dispose();
  });

  it('starts a fresh session and delivers only the latest desired document changed while the device was away', async function () {
    const first = await connectPersistent(hub.mqttUrl, d);
    await first.c.subscribeAsync(nodeTopic(d.name, 'desired'), { qos: 1 });
    await new Promise((r) => setTimeout(r, 300)); // the retained document arrives and is acked
    await first.c.endAsync();

    // While the device is away: three changes to what it must run, then the hub dies hard.
    for (const name of ['w-1', 'w-2', 'w-3']) {
      assert.equal((await api('/api/v1/namespaces/default/pods', { method: 'POST', body: pod(name, { nodeName: d.name }) })).status, 201);
      await new Promise((r) => setTimeout(r, 200));
    }
    await hub.restart({ hard: true });

    const docs: DesiredState[] = [];
    const verify = createVerifier(fromBase64(hubKey) ?? new Uint8Array());
    const again = await new Promise<{ c: MqttClient; sessionPresent: boolean }>((resolve, reject) => {
      const c = mqtt.connect(hub.mqttUrl, { clientId: nodeClientId(d.name), username: d.name, password: nextPassword(d), clean: false, reconnectPeriod: 0, protocolVersion: 4, keepalive: 30 });
      c.on('message', (_t, payload) => docs.push(openDesired(payload, verify, { node: d.name, minSeq: 0 })));
      c.once('connect', (ack) => resolve({ c, sessionPresent: ack.sessionPresent }));
      c.once('error', reject);
    });
    // As the agent does on every connect.
    await again.c.subscribeAsync(nodeTopic(d.name, 'desired'), { qos: 1 });
    await new Promise((r) => setTimeout(r, 1000));
    await again.c.endAsync();

    assert.equal(again.sessionPresent, false, 'sessions are not kept across a hub restart');
    assert.equal(docs.length, 1, 'exactly the retained desired document, republished from the store');
    assert.deepEqual(docs[0]?.pods.map((p) => p.metadata.name), ['w-1', 'w-2', 'w-3']);
  });

  it('republishes unchanged content at the same revision after a restart, writing nothing to the Node', async function () {
    const before = await nodeObject();
    const revision = before.metadata.annotations?.[DESIRED_REVISION_ANNOTATION];
    assert.ok(revision, 'the Node records the desired revision');
    await hub.restart({ hard: true });

    const [again] = await latestDocs();
    assert.equal(again?.seq, parseRevision(revision)?.seq, 'the same revision: the device takes it as a duplicate');
    assert.deepEqual(again?.pods.map((p) => p.metadata.name), ['w-1', 'w-2', 'w-3']);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await nodeObject()).metadata.resourceVersion, before.metadata.resourceVersion, 'no Node write for an unchanged document');

    // Changed content after a restart still gets a new, higher revision.
    await hub.restart({ hard: true });
    assert.equal((await api('/api/v1/namespaces/default/pods', { method: 'POST', body: pod('w-4', { nodeName: d.name }) })).status, 201);
    await new Promise((r) => setTimeout(r, 300));
    const [changed] = await latestDocs();
    assert.ok((changed?.seq ?? 0) > (again?.seq ?? Infinity), `new content gets a higher seq (${changed?.seq} after ${again?.seq})`);
    assert.equal(changed?.pods.length, 4);
  });

  async function nodeObject(): Promise<KubeObject> {
    const res = await api<KubeObject>(`/api/v1/nodes/${d.name}`);
    assert.equal(res.status, 200);
    return res.body;
  }

  /** Connects as the device, subscribes as the agent does and returns the documents that arrive within a second. */
  async function latestDocs(): Promise<DesiredState[]> {
    const docs: DesiredState[] = [];
    const verify = createVerifier(fromBase64(hubKey) ?? new Uint8Array());
    const c = await mqtt.connectAsync(hub.mqttUrl, { clientId: nodeClientId(d.name), username: d.name, password: nextPassword(d), clean: true, reconnectPeriod: 0, protocolVersion: 4, keepalive: 30 });
    c.on('message', (_t, payload) => docs.push(openDesired(payload, verify, { node: d.name, minSeq: 0 })));
    await c.subscribeAsync(nodeTopic(d.name, 'desired'), { qos: 1 });
    await new Promise((r) => setTimeout(r, 1000));
    await c.endAsync();
    return docs;
  }
});

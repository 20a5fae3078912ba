/**
 * The hub ⇄ device channel with a real hub process, real MQTT clients (mqtt.js and Debian's
 * mosquitto_pub / mosquitto_sub): enrollment, identity, replay protection, per-node ACL,
 * revocation, and malformed payloads from enrolled devices.
 */
import assert from 'node:assert/strict';
import type { KubeList, KubeObject } from '../../shared/api/meta.js';
import { encode, nodeTopic, parseJoinString } from '../../shared/protocol/index.js';
import { connectNode, enroll, newDevice, nextPassword, type Device } from '../support/device.js';
import { requireService } from '../support/env.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { run } from '../support/run.js';
import { pod } from '../support/fixtures.js';
import { until } from '../support/wait.js';
import { flotctl } from '../support/flotctl.js';

async function newToken(hub: HubHandle, ...flags: string[]): Promise<string> {
  const r = await flotctl(hub, ['token', 'create', ...flags]);
  assert.equal(r.code, 0, r.stderr);
  const { token } = parseJoinString(r.stdout.trim());
  return token;
}

async function mosquittoAvailable(): Promise<boolean> {
  try {
    return (await run('mosquitto_pub', ['--help'])).stdout.includes('mosquitto_pub');
  } catch {
    return false;
  }
}

function hostPort(hub: HubHandle): [string, string] {
  const u = new URL(hub.mqttUrl);
  return [u.hostname, u.port];
}

function mosquittoArgs(hub: HubHandle, d: Device, password: string): string[] {
  const [h, p] = hostPort(hub);
  return ['-h', h, '-p', p, '-V', 'mqttv311', '-i', `node:${d.name}`, '-u', d.name, '-P', password, '-k', '30'];
}

describe('fleet link: enrollment, identity and ACL (real hub, real MQTT clients)', function () {
  let hub: HubHandle;
  let api: Api;
  let token: string;
  const alpha = newDevice('pi-alpha');
  const beta = newDevice('pi-beta');

  before(async function () {
    hub = await startHub();
    api = apiClient(endpoint(hub));
    token = await newToken(hub, '--ttl', '1h');
  });
  after(async function () {
    await hub?.dispose();
  });

  it('enrolls a device with a bootstrap token: it becomes a Node that flotctl and kubectl list', async function () {
    const res = await enroll(hub.mqttUrl, token, alpha, { arch: 'arm64' });
    assert.equal(res.ok, true, JSON.stringify(res));
    assert.ok(res.ok && res.hubKey.length > 0);
    const nodes = await flotctl(hub, ['get', 'nodes']);
    assert.match(nodes.stdout, /^pi-alpha\s/m);
    const node = (await api<KubeObject>('/api/v1/nodes/pi-alpha')).body;
    assert.equal(node.metadata.labels?.['kubernetes.io/arch'], 'arm64');
    assert.equal((await enroll(hub.mqttUrl, token, beta)).ok, true);
    const listed = await flotctl(hub, ['token', 'list']);
    assert.match(listed.stdout, new RegExp(`^${token.slice(0, 6)}\\s.*\\s2\\s`, 'm'), listed.stdout);
  });

  it('then authenticates the device by its key: connects as itself, with no clock and no token', async function () {
    const c = await connectNode(hub.mqttUrl, alpha);
    await c.endAsync();
  });

  it('refuses a second enrollment of a taken name with another key, until an admin allows it', async function () {
    const impostor = newDevice('pi-alpha');
    const refused = await enroll(hub.mqttUrl, token, impostor);
    assert.equal(refused.ok, false);
    assert.ok(!refused.ok && refused.reason === 'name-conflict', JSON.stringify(refused));
    await assert.rejects(connectNode(hub.mqttUrl, impostor), /Not authorized|Bad username|refused/i);

    const allowed = await flotctl(hub, ['node', 'allow-reenroll', 'pi-alpha']);
    assert.equal(allowed.code, 0, allowed.stderr);
    const replaced = await enroll(hub.mqttUrl, token, impostor);
    assert.equal(replaced.ok, true, JSON.stringify(replaced));
    (await connectNode(hub.mqttUrl, impostor)).end(true);
    await assert.rejects(connectNode(hub.mqttUrl, alpha), /Not authorized|refused/i, 'the old key no longer works');
    alpha.identity = impostor.identity;
    alpha.counter = impostor.counter;
  });

  it('refuses expired and used-up tokens', async function () {
    const once = await newToken(hub, '--max-uses', '1');
    assert.equal((await enroll(hub.mqttUrl, once, newDevice('pi-once-1'))).ok, true);
    // A used-up token cannot even connect as a bootstrap client.
    await assert.rejects(enroll(hub.mqttUrl, once, newDevice('pi-once-2')), /Not authorized|refused/i);

    const brief = await newToken(hub, '--ttl', '1s');
    await new Promise((r) => setTimeout(r, 1500));
    await assert.rejects(enroll(hub.mqttUrl, brief, newDevice('pi-late')), /Not authorized|refused/i, 'an expired token cannot even connect');
    assert.equal((await api('/api/v1/nodes/pi-late')).status, 404);
  });

  it('refuses a replayed CONNECT (same password twice)', async function () {
    const password = nextPassword(beta);
    (await connectNode(hub.mqttUrl, beta, password)).end(true);
    await assert.rejects(connectNode(hub.mqttUrl, beta, password), /Not authorized|refused/i);
  });

  it('with mosquitto clients: a node cannot read another node\'s desired document nor publish its status', async function () {
    await requireService('mosquitto-clients', mosquittoAvailable, this);
    // Alpha subscribes to beta's desired document: the broker refuses the subscription.
    const sub = await run('mosquitto_sub', [...mosquittoArgs(hub, alpha, nextPassword(alpha)), '-t', nodeTopic('pi-beta', 'desired'), '-C', '1', '-W', '3'], { timeoutMs: 10_000 });
    assert.equal(sub.stdout, '', 'nothing of beta reached alpha');
    assert.match(sub.stderr, /denied|refused|fail/i, sub.stderr);

    const before = (await api<KubeObject>('/api/v1/nodes/pi-beta')).body.metadata.resourceVersion;
    const fake = encode({ v: 1, t: 'hb', s: 1, h: '00000000' });
    const pub = await run('mosquitto_pub', [...mosquittoArgs(hub, alpha, nextPassword(alpha)), '-t', nodeTopic('pi-beta', 'hb'), '-q', '1', '-m', fake.toString()], { timeoutMs: 10_000 });
    assert.notEqual(pub.code, 0, 'the broker cut alpha off for publishing as beta');
    const after = (await api<KubeObject>('/api/v1/nodes/pi-beta')).body.metadata.resourceVersion;
    assert.equal(after, before);

    // Nor may a node publish anything retained, or to its own desired topic (only the hub signs those).
    const forged = await run('mosquitto_pub', [...mosquittoArgs(hub, alpha, nextPassword(alpha)), '-t', nodeTopic('pi-alpha', 'desired'), '-q', '1', '-r', '-m', 'forged'], { timeoutMs: 10_000 });
    assert.notEqual(forged.code, 0);
  });

  it('with mosquitto clients: replaying a captured CONNECT is refused', async function () {
    await requireService('mosquitto-clients', mosquittoAvailable, this);
    const captured = nextPassword(beta);
    const first = await run('mosquitto_pub', [...mosquittoArgs(hub, beta, captured), '-t', nodeTopic('pi-beta', 'presence'), '-q', '1', '-m', encode({ v: 1, t: 'presence', state: 'online' }).toString()]);
    assert.equal(first.code, 0, first.stderr);
    const replay = await run('mosquitto_pub', [...mosquittoArgs(hub, beta, captured), '-t', nodeTopic('pi-beta', 'presence'), '-q', '1', '-m', 'x']);
    assert.notEqual(replay.code, 0);
    assert.match(replay.stderr, /not authori[sz]ed|refused/i, replay.stderr);
  });

  it('drops malformed, wrong-schema and oversized payloads from an enrolled node, records an Event, and keeps serving', async function () {
    const c = await connectNode(hub.mqttUrl, beta);
    await c.publishAsync(nodeTopic('pi-beta', 'status'), Buffer.from('{not json'), { qos: 1 });
    await c.publishAsync(nodeTopic('pi-beta', 'status'), encode({ v: 1, t: 'status', hash: 'x', status: { conditions: 'nope' }, labels: {} } as never), { qos: 1 });
    await c.publishAsync(nodeTopic('pi-beta', 'hb'), Buffer.from(JSON.stringify({ v: 99, t: 'hb', s: 1, h: 'abcdef12' })), { qos: 1 });
    const events = await until('MalformedMessage events', async () => {
      const list = await api<KubeList>('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dpi-beta,reason%3DMalformedMessage');
      const total = list.body.items.reduce((n, e) => n + (typeof e['count'] === 'number' ? e['count'] : 1), 0);
      return total >= 3 ? list.body.items : undefined;
    });
    assert.ok(events.every((e) => e['type'] === 'Warning'));
    const messages = events.map((e) => String(e['message'])).join('\n');
    assert.match(messages, /status/);
    assert.match(messages, /\bv\b/);
    await c.endAsync();

    // An oversized packet (2 MiB > the 1 MiB limit) cuts that connection off...
    const big = await connectNode(hub.mqttUrl, beta);
    const closed = new Promise<void>((r) => big.once('close', () => r()));
    big.publish(nodeTopic('pi-beta', 'status'), Buffer.alloc(2 * 1024 * 1024, 0x61), { qos: 0 });
    await closed;
    big.end(true);
    // ...and everyone else is still served.
    const a = await connectNode(hub.mqttUrl, alpha);
    await a.publishAsync(nodeTopic('pi-alpha', 'presence'), encode({ v: 1, t: 'presence', state: 'online' }), { qos: 1 });
    await a.endAsync();
    assert.equal((await api('/readyz')).status, 200);
  });

  it('records events a node sends about itself and its own pods, and refuses ones about others', async function () {
    const mine = pod('alpha-pod', { nodeName: 'pi-alpha' });
    const theirs = pod('beta-pod', { nodeName: 'pi-beta' });
    for (const p of [mine, theirs]) assert.equal((await api('/api/v1/namespaces/default/pods', { method: 'POST', body: p })).status, 201);
    const c = await connectNode(hub.mqttUrl, alpha);
    const ev = (kind: string, name: string, reason: string): Record<string, unknown> => ({
      type: 'Normal',
      reason,
      message: `${reason} happened`,
      involved: kind === 'Node' ? { kind, name } : { kind, name, namespace: 'default' },
    });
    const msg = { v: 1, t: 'events', events: [ev('Node', 'pi-alpha', 'SelfEvent'), ev('Pod', 'alpha-pod', 'OwnPodEvent'), ev('Pod', 'beta-pod', 'ForeignPodEvent')] };
    await c.publishAsync(nodeTopic('pi-alpha', 'events'), encode(msg as never), { qos: 1 });
    await c.endAsync();
    const reasons = await until('events recorded', async () => {
      const list = await api<KubeList>('/api/v1/namespaces/default/events');
      const rs = list.body.items.map((e) => String(e['reason']));
      return rs.includes('SelfEvent') && rs.includes('OwnPodEvent') ? rs : undefined;
    });
    assert.ok(!reasons.includes('ForeignPodEvent'), 'a node cannot speak for pods on another node');
  });

  it('revoking a node cuts it off at once and it cannot connect again', async function () {
    const c = await connectNode(hub.mqttUrl, beta);
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    const r = await flotctl(hub, ['node', 'revoke', 'pi-beta']);
    assert.equal(r.code, 0, r.stderr);
    await closed;
    c.end(true);
    await assert.rejects(connectNode(hub.mqttUrl, beta), /Not authorized|refused/i);
  });
});

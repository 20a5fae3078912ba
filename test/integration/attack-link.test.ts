/**
 * Attacks on enrollment and the device link, against a real hub process (TLS and plain MQTT on
 * loopback), real MQTT clients and a real agent process. Each asserts the attack is refused and
 * that nothing was stored or leaked.
 */
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { readData } from '../../shared/api/fleet-secrets.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { formatJoinString, parseJoinString } from '../../shared/protocol/index.js';
import { spawnAgent, stopAgent, type AgentProc } from '../support/agent-process.js';
import { connectNode, enroll, newDevice, nextPassword } from '../support/device.js';
import { flotctl, joinString } from '../support/flotctl.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { boundPassword, connectNodeTls, connectOver, openTls } from '../support/tls-device.js';
import { until } from '../support/wait.js';

/** An MQTT 3.1.1 CONNECT, written by hand: an attacker does not use a well-behaved client. */
function connectPacket(clientId: string, username: string, password: string, keepalive = 30): Buffer {
  const str = (s: string): Buffer => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  };
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0xc2, keepalive >> 8, keepalive & 0xff]), str(clientId), str(username), str(password)]);
  const len: number[] = [];
  let n = body.length;
  do {
    len.push((n % 128) | (n >= 128 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x10, ...len]), body]);
}

function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

function openPlain(mqttUrl: string): Promise<Socket> {
  const u = new URL(mqttUrl);
  return new Promise((resolve, reject) => {
    const s = netConnect(Number(u.port), u.hostname, () => resolve(s));
    s.resume(); // read (and discard) what the hub sends, so its closing is seen
    s.once('error', reject);
  });
}

async function closed(c: MqttClient, ms: number): Promise<boolean> {
  if (!c.connected) return true;
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    c.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

async function auditEntries(hub: HubHandle): Promise<Record<string, unknown>[]> {
  // The audit log is written asynchronously; give it a moment.
  await new Promise((r) => setTimeout(r, 300));
  const text = await readFile(join(hub.dataDir, 'audit', 'audit.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('attacks on enrollment and the link (real hub, broker and agent on loopback)', function () {
  this.timeout(60_000);
  let hub: HubHandle;
  let api: Api;
  let tmp: string;
  const agents: AgentProc[] = [];

  const identityCounter = async (node: string): Promise<number> => {
    const s = (await api<KubeObject>(`/api/v1/namespaces/kube-system/secrets/node-identity-${node}`)).body;
    return Number(readData(s)['connect-counter']);
  };
  const token = async (...flags: string[]): Promise<string> => parseJoinString(await joinString(hub, ...flags)).token;

  before(async function () {
    hub = await startHub();
    api = apiClient(endpoint(hub));
    tmp = await mkdtemp(join(tmpdir(), 'flotilla-attack-'));
  });
  after(async function () {
    for (const a of agents) await stopAgent(a);
    await hub?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  describe('a rogue hub during enrollment', function () {
    let rogue: HubHandle;
    before(async function () {
      rogue = await startHub();
    });
    after(async function () {
      await rogue?.dispose();
    });

    it('a join string sent to another hub: the CA pin fails before the token is sent; nothing stored, nothing leaked', async function () {
      const join1 = parseJoinString(await joinString(hub));
      assert.ok(rogue.mqttsUrl);
      const dataDir = join(tmp, 'victim-ca');
      const a = spawnAgent(['--token', formatJoinString({ ...join1, hubUrl: rogue.mqttsUrl }), '--node-name', 'victim-ca', '--data-dir', dataDir]);
      agents.push(a);
      const failure = await until('an enrollment failure', () => Promise.resolve(a.logs().find((l) => l['msg'] === 'enrollment failed, retrying')), 15_000);
      assert.match(String(failure['message']), /CA_PIN_MISMATCH|not the hub of the join string/);
      await stopAgent(a);
      await assert.rejects(access(join(dataDir, 'hub.json')), 'no hub key may be saved');
      await assert.rejects(access(join(dataDir, 'hub-ca.crt')), 'no CA may be saved');
      assert.ok(!rogue.logs.some((l) => l.includes('enroll:') || l.includes(join1.token.slice(0, 6))), 'the rogue hub never saw a CONNECT or the token');
      assert.equal((await auditEntries(rogue)).filter((e) => e['verb'] === 'connect' || e['verb'] === 'enroll').length, 0);
    });

    it("a join string whose key pin is not the hub's: the answer is refused and no hub key is kept", async function () {
      const wrongKey = parseJoinString(await joinString(rogue)).keyPin;
      const right = parseJoinString(await joinString(hub));
      const dataDir = join(tmp, 'victim-key');
      const a = spawnAgent(['--token', formatJoinString({ ...right, keyPin: wrongKey }), '--node-name', 'victim-key', '--data-dir', dataDir]);
      agents.push(a);
      await until('the hub key refused', () => Promise.resolve(a.logs().find((l) => l['msg'] === 'enrollment response refused')), 15_000);
      await stopAgent(a);
      await assert.rejects(access(join(dataDir, 'hub.json')));
    });
  });

  describe('CONNECT credentials', function () {
    const dev = newDevice('pi-withheld');
    before(async function () {
      assert.equal((await enroll(hub.mqttUrl, await token(), dev)).ok, true);
    });

    it('a CONNECT withheld from one TLS session is refused on another; the counter does not move', async function () {
      assert.ok(hub.mqttsUrl);
      const sessionA = await openTls(hub.mqttsUrl, hub.ca);
      const withheld = boundPassword(dev, sessionA);
      sessionA.destroy(); // the attacker kept the CONNECT off the wire
      const sessionB = await openTls(hub.mqttsUrl, hub.ca);
      await assert.rejects(connectOver(sessionB, dev, withheld), /Not authorized|Bad username or password|closed/i);
      assert.equal(await identityCounter(dev.name), 0, 'nothing was accepted');
      // The genuine device still connects (its next counter, on its own session).
      const c = await connectNodeTls(hub.mqttsUrl, hub.ca, dev);
      await c.endAsync();
    });

    it('an unbound (v1) password over TLS is refused', async function () {
      assert.ok(hub.mqttsUrl);
      const s = await openTls(hub.mqttsUrl, hub.ca);
      await assert.rejects(connectOver(s, dev, nextPassword(dev)));
    });

    it('a refused CONNECT has its socket closed at once (no descriptor hoarding)', async function () {
      const sockets = await Promise.all(Array.from({ length: 20 }, () => openPlain(hub.mqttUrl)));
      for (const [i, s] of sockets.entries()) s.write(connectPacket(`node:${dev.name}`, dev.name, `v1.${1000 + i}.${'A'.repeat(86)}`));
      const results = await Promise.all(sockets.map((s) => closedWithin(s, 5000)));
      assert.deepEqual(results, sockets.map(() => true));
      // keepalive 0 is refused before authentication: closed too.
      const s = await openPlain(hub.mqttUrl);
      s.write(connectPacket('node:pi-nobody', 'pi-nobody', 'x', 0));
      assert.equal(await closedWithin(s, 5000), true);
    });

    it('a reconnect storm from one identity is cut to the rate limit', async function () {
      const storm = newDevice('pi-storm');
      for (let i = 0; i < 25; i++) {
        const s = await openPlain(hub.mqttUrl);
        s.write(connectPacket(`node:${storm.name}`, storm.name, 'v1.1.' + 'A'.repeat(86)));
        await closedWithin(s, 2000);
      }
      await until('rate limit logged', () => Promise.resolve(hub.logs.find((l) => l.includes('too many connects from this identity')) ? true : undefined), 5000).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${hub.logs.filter((l) => l.includes('pi-storm')).slice(-5).join('\n')}`);
      });
    });
  });

  describe('tokens scoped to node names', function () {
    it('a token scoped to one name or prefix enrolls nothing else', async function () {
      const only = await token('--node', 'pi-scoped');
      const other = await enroll(hub.mqttUrl, only, newDevice('pi-other'));
      assert.equal(other.ok, false);
      assert.ok(!other.ok && /scoped to node pi-scoped/.test(other.message));
      assert.equal((await api(`/api/v1/nodes/pi-other`)).status, 404, 'no Node was made');
      const prefix = await token('--node-prefix', 'shelf-');
      assert.equal((await enroll(hub.mqttUrl, prefix, newDevice('kitchen-1'))).ok, false);
      assert.equal((await enroll(hub.mqttUrl, prefix, newDevice('shelf-1'))).ok, true);
      assert.equal((await enroll(hub.mqttUrl, only, newDevice('pi-scoped'))).ok, true);
    });

    it('a Node created in advance by the admin is claimed only with a token scoped to it', async function () {
      const pre = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-reserved', labels: { site: 'roof' } } };
      assert.equal((await api('/api/v1/nodes', { method: 'POST', body: pre })).status, 201);
      const squatter = await enroll(hub.mqttUrl, await token(), newDevice('pi-reserved'));
      assert.equal(squatter.ok, false);
      assert.ok(!squatter.ok && /created in advance/.test(squatter.message));
      assert.equal((await api(`/api/v1/namespaces/kube-system/secrets/node-identity-pi-reserved`)).status, 404, 'no identity registered');
      assert.equal((await enroll(hub.mqttUrl, await token('--node', 'pi-reserved'), newDevice('pi-reserved'))).ok, true);
    });
  });

  describe('re-enrollment', function () {
    it("cuts the old key's connection at once and refuses it afterwards", async function () {
      const old = newDevice('pi-reenroll');
      assert.equal((await enroll(hub.mqttUrl, await token(), old)).ok, true);
      const oldConn = await connectNode(hub.mqttUrl, old);
      const allowed = await flotctl(hub, ['node', 'allow-reenroll', old.name]);
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal(oldConn.connected, true, 'allowing alone does not cut it');
      const fresh = newDevice('pi-reenroll');
      assert.equal((await enroll(hub.mqttUrl, await token(), fresh)).ok, true);
      assert.equal(await closed(oldConn, 3000), true, 'the old key was cut off');
      oldConn.end(true);
      await assert.rejects(connectNode(hub.mqttUrl, old), /Not authorized|Bad username or password/i);
      const c = await connectNode(hub.mqttUrl, fresh);
      await c.endAsync();
    });
  });

  describe('audit', function () {
  it('the audit log holds enrollments, refused enrollments and connections, revocations and API writes', async function () {
    const entries = await auditEntries(hub);
    const has = (verb: string, result: string | number, resource?: RegExp): boolean =>
      entries.some((e) => e['verb'] === verb && e['result'] === result && (resource === undefined || resource.test(String(e['resource']))));
    assert.ok(has('enroll', 'allowed', /^nodes\/pi-withheld$/));
    assert.ok(has('enroll', 'refused', /^nodes\/pi-reserved$/));
    assert.ok(has('connect', 'refused', /^mqtt\/node:pi-withheld$/));
    assert.ok(has('revoke', 'allowed', /^nodes\/pi-reenroll$/));
    assert.ok(has('create', 201, /^\/api\/v1\/nodes$/));
    assert.ok(entries.every((e) => typeof e['time'] === 'string' && typeof e['user'] === 'string'));
    assert.ok(!JSON.stringify(entries).includes('v1.1000.'), 'no credential is logged');
  });
  });
});

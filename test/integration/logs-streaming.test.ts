/**
 * Container logs through the hub, with a real hub process and a scripted device on real MQTT
 * that answers the hub's `logs` commands with chunks: `flotctl logs`, kubectl and a raw HTTPS
 * GET print them; `-f` streams until eof; a client that leaves makes the hub send `logsStop`;
 * a device that does not answer gets the client a Timeout Status; only the node that was asked
 * can feed a stream.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import type { MqttClient } from 'mqtt';
import type { KubeObject } from '../../shared/api/meta.js';
import { decodeHubMessage, encode, logsTopic, nodeTopic, parseJoinString, type CommandMessage, type LogChunkMessage, type LogsCommand } from '../../shared/protocol/index.js';
import { connectNode, enroll, newDevice } from '../support/device.js';
import { requireService } from '../support/env.js';
import { pod } from '../support/fixtures.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { run } from '../support/run.js';
import { until } from '../support/wait.js';
import { flotctl, kubectlAvailable } from '../support/flotctl.js';

const PODS = '/api/v1/namespaces/default/pods';


const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Handler = (cmd: LogsCommand, dev: ScriptedDevice) => void | Promise<void>;

/** A device that hears its cmd topic and answers `logs` commands with whatever the test scripts. */
class ScriptedDevice {
  readonly commands: CommandMessage[] = [];
  handler: Handler = () => undefined;

  constructor(
    readonly name: string,
    readonly client: MqttClient,
  ) {
    client.on('message', (_topic, payload) => {
      const cmd = decodeHubMessage('cmd', payload);
      this.commands.push(cmd);
      if (cmd.cmd === 'logs') void this.handler(cmd, this);
    });
  }

  static async connect(hub: HubHandle, d: ReturnType<typeof newDevice>): Promise<ScriptedDevice> {
    const client = await connectNode(hub.mqttUrl, d);
    const dev = new ScriptedDevice(d.name, client);
    await client.subscribeAsync(nodeTopic(d.name, 'cmd'), { qos: 1 });
    return dev;
  }

  async chunk(streamId: string, seq: number, data: string, end: { eof?: true; error?: string } = {}): Promise<void> {
    const msg: LogChunkMessage = { v: 1, t: 'logChunk', streamId, seq, data, ...end };
    await this.client.publishAsync(logsTopic(this.name, streamId), encode(msg), { qos: 0 });
  }

  /** Answers at once with these lines in one chunk, then eof. */
  static replying(lines: string[]): Handler {
    return async (cmd, dev) => {
      await dev.chunk(cmd.streamId, 0, '');
      await dev.chunk(cmd.streamId, 1, lines.map((l) => `${l}\n`).join(''));
      await dev.chunk(cmd.streamId, 2, '', { eof: true });
    };
  }

  lastLogs(): LogsCommand | undefined {
    return this.commands.filter((c): c is LogsCommand => c.cmd === 'logs').at(-1);
  }

  stops(): string[] {
    return this.commands.flatMap((c) => (c.cmd === 'logsStop' ? [c.streamId] : []));
  }
}

interface RawAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** A raw HTTPS GET that collects the answer; `onData` sees the body as it grows and may end the request. */
function rawGet(hub: HubHandle, path: string, onData?: (body: string, stop: () => void) => void): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let body = '';
    let status = 0;
    let contentType = '';
    const r = request(`${hub.apiUrl}${path}`, { headers: { Authorization: `Bearer ${hub.token}` }, ca: hub.ca }, (res) => {
      status = res.statusCode ?? 0;
      contentType = String(res.headers['content-type'] ?? '');
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        onData?.(body, () => {
          r.destroy();
          resolve({ status, contentType, body });
        });
      });
      res.on('end', () => resolve({ status, contentType, body }));
      res.on('error', () => resolve({ status, contentType, body }));
    });
    r.on('error', (e) => (status ? resolve({ status, contentType, body }) : reject(e)));
    r.end();
  });
}

describe('logs through the hub: a scripted device answers (real hub, real MQTT)', function () {
  this.timeout(60_000);
  let hub: HubHandle;
  let api: Api;
  let alpha: ScriptedDevice;
  let beta: ScriptedDevice;
  let web: KubeObject;

  before(async function () {
    hub = await startHub();
    api = apiClient(endpoint(hub));
    const t = await flotctl(hub, ['token', 'create', '--ttl', '1h']);
    assert.equal(t.code, 0, t.stderr);
    const { token } = parseJoinString(t.stdout.trim());
    const a = newDevice('pi-alpha');
    const b = newDevice('pi-beta');
    assert.equal((await enroll(hub.mqttUrl, token, a)).ok, true);
    assert.equal((await enroll(hub.mqttUrl, token, b)).ok, true);
    alpha = await ScriptedDevice.connect(hub, a);
    beta = await ScriptedDevice.connect(hub, b);
    const res = await api<KubeObject>(PODS, { method: 'POST', body: pod('web', { nodeName: 'pi-alpha' }) });
    assert.equal(res.status, 201, res.text);
    web = res.body;
    const two = pod('two', { nodeName: 'pi-alpha' });
    (two['spec'] as { containers: unknown[] }).containers.push({ name: 'sidecar', image: 'x' });
    assert.equal((await api(PODS, { method: 'POST', body: two })).status, 201);
    assert.equal((await api(PODS, { method: 'POST', body: pod('unbound') })).status, 201);
  });
  after(async function () {
    await alpha?.client.endAsync();
    await beta?.client.endAsync();
    await hub?.dispose();
  });
  beforeEach(() => {
    alpha.handler = () => undefined;
    beta.handler = () => undefined;
  });

  it('flotctl logs prints what the device sent; the command names the pod, its uid and its container', async function () {
    alpha.handler = ScriptedDevice.replying(['hello from the device', 'second line']);
    const r = await flotctl(hub, ['logs', 'web', '--tail', '20']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello from the device\nsecond line\n');
    assert.equal(r.stderr, '');
    const cmd = alpha.lastLogs();
    assert.ok(cmd);
    assert.equal(cmd.namespace, 'default');
    assert.equal(cmd.pod, 'web');
    assert.equal(cmd.podUid, web.metadata.uid);
    assert.equal(cmd.container, 'main');
    assert.equal(cmd.follow, false);
    assert.equal(cmd.tailLines, 20);
    assert.match(cmd.streamId, /^[A-Za-z0-9_-]{16,64}$/);
    assert.equal(beta.commands.length, 0, 'only the pod\'s node is asked');
  });

  it('a raw HTTPS GET of pods/NAME/log answers text/plain', async function () {
    alpha.handler = ScriptedDevice.replying(['plain text']);
    const a = await rawGet(hub, `${PODS}/web/log?timestamps=true`);
    assert.equal(a.status, 200, a.body);
    assert.match(a.contentType, /^text\/plain/);
    assert.equal(a.body, 'plain text\n');
    assert.equal(alpha.lastLogs()?.timestamps, true);
  });

  it('kubectl logs prints it too', async function () {
    await requireService('kubectl', kubectlAvailable, this);
    alpha.handler = ScriptedDevice.replying(['via kubectl']);
    const r = await run('kubectl', ['--kubeconfig', hub.kubeconfig, 'logs', 'web'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'via kubectl\n');
  });

  it('-f streams lines as the device sends them, until eof', async function () {
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    alpha.handler = async (cmd, dev) => {
      await dev.chunk(cmd.streamId, 0, '');
      await dev.chunk(cmd.streamId, 1, 'one\n');
      await dev.chunk(cmd.streamId, 2, 'two\n');
      await released; // the client must see these before the log ends
      await dev.chunk(cmd.streamId, 3, 'three\n');
      await dev.chunk(cmd.streamId, 4, '', { eof: true });
    };
    let sawEarly = false;
    const r = await flotctl(hub, ['logs', '-f', 'pod/web'], {
      onStdout: (all) => {
        if (all === 'one\ntwo\n' && !sawEarly) {
          sawEarly = true;
          release();
        }
      },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(sawEarly, 'lines arrived while the stream was still open');
    assert.equal(r.stdout, 'one\ntwo\nthree\n');
    assert.equal(alpha.lastLogs()?.follow, true);
  });

  it('a client that goes away makes the hub tell the device logsStop', async function () {
    let streamId = '';
    alpha.handler = async (cmd, dev) => {
      streamId = cmd.streamId;
      await dev.chunk(cmd.streamId, 0, '');
      await dev.chunk(cmd.streamId, 1, 'tick\n');
    };
    const a = await rawGet(hub, `${PODS}/web/log?follow=true`, (body, stop) => {
      if (body.includes('tick')) stop();
    });
    assert.equal(a.status, 200);
    await until('logsStop', () => (alpha.stops().includes(streamId) ? true : undefined));
  });

  it('marks chunks lost on the way (QoS 0) instead of waiting for them', async function () {
    alpha.handler = async (cmd, dev) => {
      await dev.chunk(cmd.streamId, 0, '');
      await dev.chunk(cmd.streamId, 1, 'a\n');
      await dev.chunk(cmd.streamId, 4, 'b\n');
      await dev.chunk(cmd.streamId, 5, '', { eof: true });
    };
    const r = await flotctl(hub, ['logs', 'web']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'a\n[flotilla] 2 log chunk(s) lost on the way from the device\nb\n');
  });

  it('a client that reads too slowly: the hub drops log past its buffer and says how much, instead of growing', async function () {
    const chunk = `${'x'.repeat(1023)}\n`.repeat(32); // 32 KiB
    const count = 512; // 16 MiB in all
    let sentAll: () => void = () => undefined;
    const allSent = new Promise<void>((r) => (sentAll = r));
    alpha.handler = async (cmd, dev) => {
      await dev.chunk(cmd.streamId, 0, '');
      for (let i = 1; i <= count; i++) await dev.chunk(cmd.streamId, i, chunk);
      await sleep(300);
      sentAll();
      await dev.chunk(cmd.streamId, count + 1, 'the end\n', { eof: true });
    };
    const body = await new Promise<string>((resolve, reject) => {
      const r = request(`${hub.apiUrl}${PODS}/web/log`, { headers: { Authorization: `Bearer ${hub.token}` }, ca: hub.ca }, (res) => {
        res.pause(); // a client that does not read
        let text = '';
        void allSent.then(() => {
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve(text));
          res.resume();
        });
      });
      r.on('error', reject);
      r.end();
    });
    const markers = [...body.matchAll(/\[flotilla\] (\d+) bytes of log dropped: the client reads too slowly\n/g)];
    assert.ok(markers.length > 0, `marker lines in ${body.length} bytes`);
    const dropped = markers.reduce((n, m) => n + Number(m[1]), 0);
    const markerBytes = markers.reduce((n, m) => n + m[0].length, 0);
    assert.ok(dropped >= 4 * 1024 * 1024, `dropped ${dropped}`);
    assert.equal(body.length - markerBytes + dropped, chunk.length * count + 'the end\n'.length, 'everything is either delivered or counted');
    assert.ok(body.endsWith('the end\n') || body.endsWith('too slowly\n'), 'the stream ends with the log or with the last marker');
  });

  it("ignores chunks another node publishes with the stream's id", async function () {
    alpha.handler = async (cmd, dev) => {
      await dev.chunk(cmd.streamId, 0, '');
      // pi-beta learns the id somehow and publishes on its own logs topic (the only one it may).
      await beta.chunk(cmd.streamId, 1, 'forged by beta\n');
      await sleep(100);
      await dev.chunk(cmd.streamId, 1, 'genuine\n', { eof: true });
    };
    const r = await flotctl(hub, ['logs', 'web']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'genuine\n');
    assert.ok(hub.logs.some((l) => l.includes('the stream was not asked of this node') && l.includes('pi-beta')));
  });

  it("the device's error answer becomes a BadRequest Status", async function () {
    alpha.handler = async (cmd, dev) => {
      await dev.chunk(cmd.streamId, 0, '', { eof: true, error: 'container "main" in pod "web" is waiting to start: ContainerCreating' });
    };
    const r = await flotctl(hub, ['logs', 'web']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error from server (BadRequest): container "main" in pod "web" is waiting to start: ContainerCreating\n');
  });

  it('a pod with several containers: the API wants a container name; flotctl defaults to the first, as kubectl', async function () {
    const a = await api(`${PODS}/two/log`);
    assert.equal(a.status, 400);
    assert.equal(a.body['message'], 'a container name must be specified for pod two, choose one of: [main sidecar]');
    const bad = await api(`${PODS}/two/log?container=nope`);
    assert.equal(bad.body['message'], 'container nope is not valid for pod two');

    alpha.handler = ScriptedDevice.replying(['from main']);
    const r = await flotctl(hub, ['logs', 'two']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'Defaulted container "main" out of: main, sidecar\n');
    assert.equal(r.stdout, 'from main\n');
    alpha.handler = ScriptedDevice.replying(['from the sidecar']);
    const c = await flotctl(hub, ['logs', 'two', '-c', 'sidecar']);
    assert.equal(c.stdout, 'from the sidecar\n');
    assert.equal(alpha.lastLogs()?.container, 'sidecar');
  });

  it('carries previous, sinceSeconds and sinceTime to the device', async function () {
    alpha.handler = ScriptedDevice.replying(['old instance']);
    const prev = await api(`${PODS}/web/log?previous=true&sinceSeconds=10`);
    assert.equal(prev.status, 200, prev.text);
    assert.equal(alpha.lastLogs()?.previous, true);
    assert.equal(alpha.lastLogs()?.sinceSeconds, 10);
    assert.equal((await api(`${PODS}/web/log?sinceTime=2024-05-01T10:00:00Z`)).status, 200);
    assert.equal(alpha.lastLogs()?.sinceTime, '2024-05-01T10:00:00Z');
    assert.equal(alpha.lastLogs()?.previous, undefined);
  });

  it('refuses what it cannot do: bad since options, an unbound pod, a missing pod, bad tailLines', async function () {
    const both = await api(`${PODS}/web/log?sinceSeconds=10&sinceTime=2024-05-01T10:00:00Z`);
    assert.equal(both.status, 400);
    assert.equal(both.body['message'], 'sinceTime: at most one of sinceTime or sinceSeconds may be specified');
    const badTime = await api(`${PODS}/web/log?sinceTime=yesterday`);
    assert.equal(badTime.status, 400);
    assert.match(String(badTime.body['message']), /^sinceTime: Invalid value: "yesterday": must be an RFC 3339 time/);
    assert.equal((await api(`${PODS}/web/log?sinceSeconds=0`)).status, 400);
    const unbound = await api(`${PODS}/unbound/log`);
    assert.equal(unbound.status, 400);
    assert.equal(unbound.body['message'], 'pod unbound does not have a host assigned');
    const missing = await flotctl(hub, ['logs', 'ghost']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Error from server (NotFound): pods "ghost" not found\n');
    assert.equal((await api(`${PODS}/web/log?tailLines=-3`)).status, 400);
    assert.equal((await api(`${PODS}/web/log`, { method: 'POST', body: {} })).status, 405);
    const noArgs = await flotctl(hub, ['logs']);
    assert.equal(noArgs.code, 1);
    assert.match(noArgs.stderr, /^error: expected 'logs \[-f\] \[-p\] \(POD \| TYPE\/NAME\) \[-c CONTAINER\]'\./);
    const discovery = await api<{ resources: { name: string; verbs: string[] }[] }>('/api/v1');
    assert.deepEqual(discovery.body.resources.find((x) => x.name === 'pods/log')?.verbs, ['get']);
  });

  it('a device that goes offline mid-stream breaks the stream off (the client sees an error, not a clean end)', async function () {
    alpha.handler = async (cmd, dev) => {
      await dev.chunk(cmd.streamId, 0, '');
      await dev.chunk(cmd.streamId, 1, 'last words\n');
      await sleep(100);
      await dev.client.publishAsync(nodeTopic('pi-alpha', 'presence'), encode({ v: 1, t: 'presence', state: 'offline' }), { qos: 1 });
    };
    const r = await flotctl(hub, ['logs', '-f', 'web']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'last words\n');
    assert.match(r.stderr, /^error: the log stream broke off before its end/);
    assert.ok(hub.logs.some((l) => l.includes('log stream ended early') && l.includes('went offline')));
    await alpha.client.publishAsync(nodeTopic('pi-alpha', 'presence'), encode({ v: 1, t: 'presence', state: 'online' }), { qos: 1 });
  });

  it('a device that does not answer: a Timeout Status after 10 s, and the device is told to stop', async function () {
    this.timeout(45_000);
    const started = Date.now();
    const r = await flotctl(hub, ['logs', 'web']);
    const took = Date.now() - started;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error from server \(Timeout\): the device did not answer; is it connected\?/);
    assert.ok(took >= 9_500 && took < 15_000, `took ${took} ms`);
    const id = alpha.lastLogs()?.streamId ?? '';
    await until('logsStop after the timeout', () => (alpha.stops().includes(id) ? true : undefined));
    const raw = await api(`${PODS}/web/log`);
    assert.equal(raw.status, 504);
    assert.equal(raw.body['reason'], 'Timeout');
    assert.equal(raw.body['kind'], 'Status');
  });
});

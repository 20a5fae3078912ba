/**
 * The hub as a process (server/main.ts run as users run it): it stops in order on SIGTERM with
 * devices, a watch and a log stream connected; one hub per data dir (a lock with its pid, taken
 * over from a dead hub); a busy port names the flag to change; --help shows defaults as a
 * person writes them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { connectNode, enroll, newDevice } from '../support/device.js';
import { requireService } from '../support/env.js';
import { bootstrapToken, kubectlAvailable } from '../support/flotctl.js';
import { startHub, tsEntry, type HubHandle } from '../support/hub.js';
import { run, type RunResult } from '../support/run.js';
import { until } from '../support/wait.js';

const hubCommand = (args: string[]): Promise<RunResult> => {
  const { cmd, args: entry } = tsEntry('server/main.ts');
  return run(cmd, [...entry, ...args], { timeoutMs: 30_000 });
};

function listenOn(host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const a = server.address();
      resolve({ server, port: typeof a === 'object' && a !== null ? a.port : 0 });
    });
  });
}

/** A pid no process has (one that just exited). */
async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => p.once('exit', r));
  return p.pid ?? 999_999;
}

describe('the hub as a process', function () {
  this.timeout(90_000);
  let hub: HubHandle;
  let scratch: string;

  before(async () => {
    hub = await startHub();
    scratch = await mkdtemp(join(tmpdir(), 'flotilla-hub-process-'));
  });
  after(async () => {
    await hub?.dispose();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('--help shows defaults as a person writes them', async () => {
    const r = await hubCommand(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--api-listen <host:port>\s+API server address.*\(default: 127\.0\.0\.1:6443\)/);
    assert.match(r.stdout, /--mqtts-listen <host:port>.*\(default: 0\.0\.0\.0:8883\)/);
    assert.match(r.stdout, /--compaction-interval <duration>.*\(default: 10m\)/);
    assert.match(r.stdout, /--node-monitor-grace-period <duration>.*\(default: 40s\)/);
    assert.match(r.stdout, /--data-dir <dir>.*\(default: ~\/\.flotilla\/hub\)/);
    assert.doesNotMatch(r.stdout, /\{"host"|default: (600000|40000|5000)\)/, 'no JSON, no milliseconds');
  });

  it('a second hub on the same data dir refuses to start, naming the running one', async () => {
    const second = await hubCommand(['--data-dir', hub.dataDir, '--api-listen', '127.0.0.1:0', '--mqtts-listen', '127.0.0.1:0']);
    assert.equal(second.code, 1);
    assert.equal(
      second.stderr.trim().split('\n').at(-1),
      `flotilla-hub: another hub (pid ${hub.pid()}) is running on data dir ${hub.dataDir} (lock file ${join(hub.dataDir, 'hub.lock')}); stop it first, or give this hub its own --data-dir`,
    );
    assert.equal((await readFile(join(hub.dataDir, 'hub.lock'), 'utf8')).trim(), String(hub.pid()), 'the running hub keeps its lock');
  });

  it('a busy port names the flag to change, and leaves no lock behind', async () => {
    const { server, port } = await listenOn('127.0.0.1');
    try {
      const dir = join(scratch, 'busy');
      const api = await hubCommand(['--data-dir', dir, '--api-listen', `127.0.0.1:${port}`, '--mqtts-listen', '127.0.0.1:0']);
      assert.equal(api.code, 1);
      assert.match(api.stderr, new RegExp(`flotilla-hub: 127\\.0\\.0\\.1:${port} is already in use .*: choose another address with --api-listen\\n$`));
      const mqtt = await hubCommand(['--data-dir', dir, '--api-listen', '127.0.0.1:0', '--mqtts-listen', '127.0.0.1:0', '--mqtt-listen', `127.0.0.1:${port}`]);
      assert.equal(mqtt.code, 1);
      assert.match(mqtt.stderr, /choose another address with --mqtt-listen\n$/);
      const mqtts = await hubCommand(['--data-dir', dir, '--api-listen', '127.0.0.1:0', '--mqtts-listen', `127.0.0.1:${port}`]);
      assert.equal(mqtts.code, 1);
      assert.match(mqtts.stderr, /choose another address with --mqtts-listen\n$/);
      await assert.rejects(readFile(join(dir, 'hub.lock')), /ENOENT/);
    } finally {
      server.close();
    }
  });

  it('SIGTERM with devices, a watch and a log stream connected: the hub stops in order and releases its lock', async function () {
    await requireService('kubectl', kubectlAvailable, this);
    const token = await bootstrapToken(hub);
    const clients: MqttClient[] = [];
    for (const name of ['pi-stop-1', 'pi-stop-2']) {
      const d = newDevice(name);
      assert.equal((await enroll(hub.mqttUrl, token, d)).ok, true);
      clients.push(await connectNode(hub.mqttUrl, d));
    }
    const watch = spawn('kubectl', ['--kubeconfig', hub.kubeconfig, 'get', 'pods', '-A', '-w']);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'chatty' }, spec: { nodeName: 'pi-stop-1', containers: [{ name: 'main', image: 'busybox' }] } };
    await run('kubectl', ['--kubeconfig', hub.kubeconfig, 'apply', '-f', '-'], { input: JSON.stringify(pod) });
    // The device never answers: the log request stays open on the hub.
    const logs = spawn('kubectl', ['--kubeconfig', hub.kubeconfig, 'logs', '-f', 'chatty']);
    const watchEnded = new Promise((r) => watch.once('exit', r));
    const logsEnded = new Promise((r) => logs.once('exit', r));
    await until('the watch and the device connections are up', () => (hub.logs.filter((l) => l.includes('client authenticated')).length >= 2 ? true : undefined));
    const pid = hub.pid();
    try {
      await hub.stop();
      const tail = hub.logs.slice(hub.logs.findIndex((l) => l.includes('"hub stopping"')));
      assert.ok(tail.some((l) => l.includes('"msg":"hub stopped"')), `an orderly stop:\n${tail.join('\n')}`);
      assert.ok(!tail.some((l) => l.includes('did not stop in time')));
      await assert.rejects(readFile(join(hub.dataDir, 'hub.lock')), /ENOENT/, `the lock of pid ${pid} is released`);
      await Promise.all([watchEnded, logsEnded]);
    } finally {
      watch.kill();
      logs.kill();
      for (const c of clients) c.end(true);
    }
  });

  it('a lock left by a hub that died is taken over', async () => {
    const gone = await deadPid();
    await writeFile(join(hub.dataDir, 'hub.lock'), `${gone}\n`);
    await hub.restart();
    assert.equal((await readFile(join(hub.dataDir, 'hub.lock'), 'utf8')).trim(), String(hub.pid()));
    assert.ok(hub.logs.some((l) => l.includes('took over the lock of a hub that is gone') && l.includes(`"pid":${gone}`)));
  });
});

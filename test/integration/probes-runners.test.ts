/**
 * The probe runners against real endpoints:
 * - http and tcp from the agent side against a real HTTP server / TCP listener on 127.0.0.1
 *   (200, 3xx, 500, refused, an unanswered request running into timeoutSeconds, headers);
 * - the in-pod check script (what runs inside containers of pods without host networking) run
 *   on this machine by busybox and by the system sh, through an engine whose `exec` spawns
 *   locally, including images without wget/nc and with curl only;
 * - exec probes and in-pod http/tcp probes through the real Docker engine in a busybox
 *   container with `--network none`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, constants, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerEngine } from '../../agent/engine/docker-engine.js';
import { LABELS, type ContainerEngine, type ExecResult } from '../../agent/engine/types.js';
import { createProbeRunner } from '../../agent/probes/default-runner.js';
import { createProbeManager } from '../../agent/probes/manager.js';
import { createExecRunner } from '../../agent/probes/exec-runner.js';
import { createInPodRunner } from '../../agent/probes/in-pod.js';
import { createHttpRunner, createTcpRunner } from '../../agent/probes/net-runners.js';
import type { ProbeOutcome } from '../../agent/probes/runner.js';
import type { ProbeHandler, ProbeSpec } from '../../agent/probes/spec.js';
import type { ProbeTarget } from '../../agent/probes/types.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { systemClock } from '../../shared/util/clock.js';
import { silentLogger } from '../../shared/util/logger.js';
import { run as runCommand } from '../support/run.js';
import { until } from '../support/wait.js';
import { DOCKER_SOCKET, TEST_IMAGE, dockerAvailable, requireService, testImageAvailable, type ExplainedCheck } from '../support/env.js';

function spec(handler: ProbeHandler, timeoutSeconds = 1): ProbeSpec {
  return { kind: 'readiness', handler, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds, successThreshold: 1, failureThreshold: 3 };
}
const http = (port: number, path = '/', extra: Partial<Extract<ProbeHandler, { type: 'httpGet' }>> = {}): ProbeHandler => ({ type: 'httpGet', scheme: 'HTTP', port, path, headers: [], ...extra });
const tcp = (port: number): ProbeHandler => ({ type: 'tcpSocket', port });

function target(over: Partial<ProbeTarget> = {}): ProbeTarget {
  return { pod: { apiVersion: 'v1', kind: 'Pod', metadata: { uid: 'u' } }, podUid: 'u', container: 'app', containerId: 'cid', hostNetwork: true, startedAt: new Date(), ...over };
}

const never = (): AbortSignal => new AbortController().signal;

/** A port nothing listens on: bind, note, close. */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Seen {
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

/** /status/N answers N; /hang never answers; records what it saw. */
async function startHttp(): Promise<{ server: HttpServer; port: number; seen: Seen[]; sockets: Set<Socket> }> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    if (req.url === '/hang') return;
    if (req.url === '/stream') {
      res.writeHead(200);
      res.write('an endless body\n');
      return;
    }
    const m = /^\/status\/(\d{3})/.exec(req.url ?? '');
    res.statusCode = m?.[1] !== undefined ? Number(m[1]) : 200;
    if (res.statusCode >= 300 && res.statusCode < 400) res.setHeader('Location', '/status/200');
    res.end('body is ignored\n');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, seen, sockets };
}

describe('probes: http and tcp runners from the agent (real sockets on 127.0.0.1)', function () {
  let srv: Awaited<ReturnType<typeof startHttp>>;
  let listener: TcpServer;
  let tcpPort: number;
  let refused: number;
  const runner = createHttpRunner();
  const tcpRunner = createTcpRunner();

  before(async () => {
    srv = await startHttp();
    listener = createTcpServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    tcpPort = (listener.address() as AddressInfo).port;
    refused = await closedPort();
  });
  after(async () => {
    for (const s of srv.sockets) s.destroy();
    await new Promise<void>((r) => srv.server.close(() => r()));
    await new Promise<void>((r) => listener.close(() => r()));
  });

  it('200 passes', async () => {
    assert.deepEqual(await runner.run(spec(http(srv.port, '/status/200')), target(), never()), { result: 'success', message: 'HTTP probe succeeded with statuscode: 200' });
  });
  it('a redirect is not followed and passes (200–399)', async () => {
    const before = srv.seen.length;
    assert.equal((await runner.run(spec(http(srv.port, '/status/302')), target(), never())).result, 'success');
    assert.equal(srv.seen.length, before + 1, 'one request only');
  });
  it('a body that never ends is not waited for', async () => {
    const t = Date.now();
    assert.equal((await runner.run(spec(http(srv.port, '/stream'), 5), target(), never())).result, 'success');
    assert.ok(Date.now() - t < 1000);
  });
  it('500 fails with the status code', async () => {
    assert.deepEqual(await runner.run(spec(http(srv.port, '/status/500')), target(), never()), { result: 'failure', message: 'HTTP probe failed with statuscode: 500' });
  });
  it('404 fails', async () => {
    assert.equal((await runner.run(spec(http(srv.port, '/status/404')), target(), never())).result, 'failure');
  });
  it('connection refused fails, naming the URL', async () => {
    assert.deepEqual(await runner.run(spec(http(refused, '/healthz')), target(), never()), {
      result: 'failure',
      message: `Get "http://127.0.0.1:${refused}/healthz": connect: connection refused`,
    });
  });
  it('an unanswered request fails after timeoutSeconds', async () => {
    const t = Date.now();
    const r = await runner.run(spec(http(srv.port, '/hang'), 1), target(), never());
    const took = Date.now() - t;
    assert.deepEqual(r, { result: 'failure', message: `Get "http://127.0.0.1:${srv.port}/hang": timed out after 1s` });
    assert.ok(took >= 900 && took < 3000, `took ${took} ms`);
  });
  it('an abort from the manager ends it at once', async () => {
    const ac = new AbortController();
    const p = runner.run(spec(http(srv.port, '/hang'), 30), target(), ac.signal);
    setTimeout(() => ac.abort(), 50);
    const t = Date.now();
    assert.equal((await p).result, 'failure');
    assert.ok(Date.now() - t < 2000);
  });
  it('sends kube-probe headers and the probe’s own, to httpGet.host when set, or the pod IP', async () => {
    const from = srv.seen.length;
    const h = http(srv.port, '/status/200?x=1', { host: '127.0.0.1', headers: [{ name: 'X-Probe', value: 'yes' }, { name: 'Host', value: 'svc.example' }] });
    assert.equal((await runner.run(spec(h), target({ hostNetwork: false, podIP: '203.0.113.9' }), never())).result, 'success');
    assert.equal((await runner.run(spec(http(srv.port, '/status/204')), target({ hostNetwork: false, podIP: '127.0.0.1' }), never())).result, 'success');
    const [a, b] = srv.seen.slice(from);
    assert.equal(a?.path, '/status/200?x=1');
    assert.equal(a?.headers['x-probe'], 'yes');
    assert.equal(a?.headers['host'], 'svc.example');
    assert.equal(a?.headers['user-agent'], 'kube-probe/flotilla');
    assert.equal(b?.path, '/status/204');
  });

  it('https: the certificate is not verified (self-signed passes), as the kubelet', async function () {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-probes-tls-'));
    try {
      const gen = await runCommand('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]).catch(
        (e: unknown) => ({ code: -1, stdout: '', stderr: String(e) }),
      );
      if (gen.code !== 0) {
        console.log(`skipping: openssl could not make a test certificate (${gen.stderr.trim()})`);
        this.skip();
      }
      const server = createHttpsServer({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }, (req, res) => {
        res.statusCode = req.url === '/bad' ? 503 : 200;
        res.end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      try {
        assert.equal((await runner.run(spec(http(port, '/', { scheme: 'HTTPS' })), target(), never())).result, 'success');
        assert.deepEqual(await runner.run(spec(http(port, '/bad', { scheme: 'HTTPS' })), target(), never()), { result: 'failure', message: 'HTTP probe failed with statuscode: 503' });
      } finally {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tcp: a listener passes', async () => {
    assert.deepEqual(await tcpRunner.run(spec(tcp(tcpPort)), target(), never()), { result: 'success', message: '' });
  });
  it('tcp: refused fails', async () => {
    assert.deepEqual(await tcpRunner.run(spec(tcp(refused)), target(), never()), { result: 'failure', message: `dial tcp 127.0.0.1:${refused}: connect: connection refused` });
  });
  it('tcp: an aborted probe fails as timed out', async () => {
    const ac = new AbortController();
    ac.abort();
    assert.deepEqual(await tcpRunner.run(spec(tcp(tcpPort)), target(), ac.signal), { result: 'failure', message: `dial tcp 127.0.0.1:${tcpPort}: timed out after 1s` });
  });
  it('host-network http/tcp never use the engine', async () => {
    const engine = new Proxy({} as ContainerEngine, {
      get: () => {
        throw new Error('the engine must not be used');
      },
    });
    const r = createProbeRunner({ engine });
    assert.equal((await r.run(spec(tcp(tcpPort)), target(), never())).result, 'success');
    assert.equal((await r.run(spec(http(srv.port)), target(), never())).result, 'success');
  });
});

// ---- the in-pod script, run on this machine ------------------------------------------------

const BUSYBOX = '/bin/busybox';

const busyboxAvailable: ExplainedCheck = Object.assign(
  async (): Promise<boolean> => {
    try {
      await access(BUSYBOX, constants.X_OK);
      busyboxAvailable.reason = '';
      return true;
    } catch {
      busyboxAvailable.reason = `${BUSYBOX} not found (package busybox-static)`;
      return false;
    }
  },
  { reason: '' },
);

/**
 * An engine whose exec runs the command on this machine with PATH = `dir` only: a stand-in for
 * a container image holding exactly the tools linked into `dir`.
 */
function localEngine(dir: string): ContainerEngine {
  const exec = (_id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> =>
    new Promise((resolve, reject) => {
      const [file, ...args] = cmd;
      if (file === undefined) return reject(new Error('empty command'));
      const p = spawn(file.includes('/') ? file : join(dir, file), args, { env: { PATH: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      p.stdout.on('data', (d: Buffer) => (output += d.toString()));
      p.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
      p.on('error', (e) => {
        clearTimeout(timer);
        // As Docker reports an executable that is not in the image.
        resolve({ exitCode: 127, output: `exec: "${file}": executable file not found in $PATH: ${e.message}` });
      });
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ exitCode: code ?? -1, output: code === null ? `${output}\nexec timed out after ${timeoutMs} ms` : output });
      });
    });
  return new Proxy({} as ContainerEngine, {
    get: (_t, p) => {
      if (p === 'exec') return exec;
      throw new Error(`unexpected engine call ${String(p)}`);
    },
  });
}

describe('probes: the in-pod check script on this machine (busybox, system sh, missing tools)', function () {
  let root: string;
  let srv: Awaited<ReturnType<typeof startHttp>>;
  let listener: TcpServer;
  let tcpPort: number;
  let refused: number;
  const dirs: Record<string, string> = {};

  before(async function () {
    await requireService('busybox', busyboxAvailable, this);
    root = await mkdtemp(join(tmpdir(), 'flotilla-probes-'));
    const bb = (tools: string[]): Record<string, string> => Object.fromEntries(tools.map((t) => [t, BUSYBOX]));
    dirs.busybox = await mkdtempLinks(root, 'busybox', bb(['sh', 'wget', 'nc', 'timeout']));
    dirs.dash = await mkdtempLinks(root, 'dash', { sh: '/bin/sh', ...bb(['wget', 'nc']) });
    // Not busybox: busybox sh finds its own wget/nc applets even when they are not on PATH.
    dirs.bare = await mkdtempLinks(root, 'bare', { sh: '/bin/sh' });
    dirs.nosh = await mkdtempLinks(root, 'nosh', bb(['wget']));
    srv = await startHttp();
    listener = createTcpServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    tcpPort = (listener.address() as AddressInfo).port;
    refused = await closedPort();
  });
  after(async () => {
    if (srv) {
      for (const s of srv.sockets) s.destroy();
      await new Promise<void>((r) => srv.server.close(() => r()));
    }
    if (listener) await new Promise<void>((r) => listener.close(() => r()));
    if (root) await rm(root, { recursive: true, force: true });
  });

  const run = (dir: string, h: ProbeHandler, timeoutSeconds = 1): Promise<ProbeOutcome> =>
    createInPodRunner(localEngine(dirs[dir] ?? '/nonexistent')).run(spec(h, timeoutSeconds), target({ hostNetwork: false }), never());

  for (const shell of ['busybox', 'dash']) {
    describe(`with ${shell === 'busybox' ? 'busybox sh and timeout' : 'the system sh, no timeout'}`, () => {
      it('http 200 passes, headers arrive', async () => {
        const from = srv.seen.length;
        assert.deepEqual(await run(shell, http(srv.port, '/status/200', { headers: [{ name: 'X-Probe', value: 'a b' }] })), { result: 'success', message: '' });
        assert.equal(srv.seen[from]?.headers['x-probe'], 'a b');
      });
      it('http 500 fails with the status code', async () => {
        assert.deepEqual(await run(shell, http(srv.port, '/status/500')), { result: 'failure', message: 'HTTP probe failed with statuscode: 500' });
      });
      it('http refused fails', async () => {
        assert.deepEqual(await run(shell, http(refused, '/x')), { result: 'failure', message: `Get "http://127.0.0.1:${refused}/x": connect: connection refused` });
      });
      it('http unanswered fails after timeoutSeconds', async () => {
        const t = Date.now();
        assert.deepEqual(await run(shell, http(srv.port, '/hang'), 1), { result: 'failure', message: `Get "http://127.0.0.1:${srv.port}/hang": timed out after 1s` });
        assert.ok(Date.now() - t < 4000);
      });
      it('tcp listener passes, refused fails', async () => {
        assert.deepEqual(await run(shell, tcp(tcpPort)), { result: 'success', message: '' });
        assert.deepEqual(await run(shell, tcp(refused)), { result: 'failure', message: `dial tcp 127.0.0.1:${refused}: connect: connection refused` });
      });
    });
  }

  it('an image without wget/curl or nc: a failure that says so', async () => {
    const h = await run('bare', http(srv.port));
    assert.equal(h.result, 'failure');
    assert.match(h.message, /image has no wget or curl/);
    const t = await run('bare', tcp(tcpPort));
    assert.equal(t.result, 'failure');
    assert.match(t.message, /image has no nc/);
  });
  it('an image without sh: a failure that says so', async () => {
    const r = await run('nosh', http(srv.port));
    assert.equal(r.result, 'failure');
    assert.match(r.message, /the image has no sh/);
  });
});

/** mkdtemp under `root` with `links` (tool name → target) inside; returns the directory. */
async function mkdtempLinks(root: string, prefix: string, links: Record<string, string>): Promise<string> {
  const d = await mkdtemp(join(root, `${prefix}-`));
  for (const [tool, to] of Object.entries(links)) await symlink(to, join(d, tool));
  return d;
}

// ---- through the real Docker engine ----------------------------------------------------------

const RUN = `${process.pid}-${Date.now().toString(36)}`;

describe('probes: exec and in-pod probes in a real Docker container (--network none)', function () {
  let engine: ContainerEngine;
  let id = '';

  before(async function () {
    await requireService('docker', dockerAvailable, this);
    engine = createDockerEngine({ socketPath: DOCKER_SOCKET, logger: silentLogger });
    if (!(await engine.inspectImage(TEST_IMAGE))) {
      await requireService('test image', testImageAvailable, this);
      await engine.pullImage(TEST_IMAGE, {});
    }
    const name = `flotilla-probes-test-${RUN}`;
    id = await engine.createContainer({
      name,
      labels: {
        [LABELS.managed]: 'true',
        [LABELS.podUid]: `uid-${name}`,
        [LABELS.podNamespace]: 'default',
        [LABELS.podName]: name,
        [LABELS.container]: 'app',
        [LABELS.role]: 'app',
        [LABELS.specHash]: 'probes',
        [LABELS.attempt]: '0',
      },
      image: TEST_IMAGE,
      // httpd on 8080 serving /www; on 8082 a listener that accepts and never answers.
      cmd: ['sh', '-c', 'mkdir -p /www; echo ok >/www/ok; (while true; do sleep 3600 | nc -l -p 8082 >/dev/null; done) & exec httpd -f -p 8080 -h /www'],
      env: [],
      mounts: [],
      ports: [],
      networkMode: 'none',
      privileged: false,
    });
    await engine.startContainer(id);
    await until('httpd listening', async () => (await engine.exec(id, ['nc', '-w', '1', '127.0.0.1', '8080'], 2000)).exitCode === 0);
  });
  after(async () => {
    if (!id) return;
    await engine.stopContainer(id, 0).catch(() => undefined);
    await engine.removeContainer(id).catch(() => undefined);
  });

  const t = (): ProbeTarget => target({ containerId: id, hostNetwork: false });
  const exec = (command: string[], timeoutSeconds = 1): Promise<ProbeOutcome> => createExecRunner(engine).run(spec({ type: 'exec', command }, timeoutSeconds), t(), never());
  const probe = (h: ProbeHandler, timeoutSeconds = 1): Promise<ProbeOutcome> => createProbeRunner({ engine }).run(spec(h, timeoutSeconds), t(), never());

  it('exec: exit 0 passes', async () => {
    assert.deepEqual(await exec(['cat', '/www/ok']), { result: 'success', message: 'ok' });
  });
  it('exec: a non-zero exit fails with the output', async () => {
    assert.deepEqual(await exec(['sh', '-c', 'echo not healthy; exit 3']), { result: 'failure', message: 'not healthy' });
  });
  it('exec: a command that runs too long fails as timed out', async () => {
    const started = Date.now();
    assert.deepEqual(await exec(['sleep', '5'], 1), { result: 'failure', message: 'command "sleep 5" timed out' });
    assert.ok(Date.now() - started < 4000);
  });
  it('exec: a command the image lacks fails', async () => {
    const r = await exec(['/no/such/binary']);
    assert.equal(r.result, 'failure');
    assert.match(r.message, /no such file|not found/i);
  });
  it('exec: a container that does not exist is unknown, not a failure', async () => {
    const r = await createExecRunner(engine).run(spec({ type: 'exec', command: ['true'] }), target({ containerId: 'flotilla-no-such-container' }), never());
    assert.equal(r.result, 'unknown');
  });
  it('in-pod http: 200, 404, refused, timeout', async () => {
    assert.deepEqual(await probe(http(8080, '/ok')), { result: 'success', message: '' });
    assert.deepEqual(await probe(http(8080, '/missing')), { result: 'failure', message: 'HTTP probe failed with statuscode: 404' });
    assert.deepEqual(await probe(http(8081, '/')), { result: 'failure', message: 'Get "http://127.0.0.1:8081/": connect: connection refused' });
    const started = Date.now();
    assert.deepEqual(await probe(http(8082, '/'), 1), { result: 'failure', message: 'Get "http://127.0.0.1:8082/": timed out after 1s' });
    assert.ok(Date.now() - started < 5000);
  });
  it('the manager, on the real clock, with the default runner: ready via in-pod http, restart via exec', async () => {
    const pm = createProbeManager({ engine, clock: systemClock, logger: silentLogger });
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', uid: 'uid-probes' },
      spec: {
        containers: [
          {
            name: 'app',
            ports: [{ name: 'web', containerPort: 8080 }],
            readinessProbe: { httpGet: { port: 'web', path: '/ok' }, periodSeconds: 1 },
            livenessProbe: { exec: { command: ['test', '-f', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
      },
    };
    let sawReady = false;
    const changed = new Promise<void>((resolve) => {
      pm.onChange(() => {
        const st = pm.state('uid-probes', 'app');
        if (st.ready) sawReady = true;
        if (st.mustRestart) resolve();
      });
    });
    try {
      pm.sync([{ pod, podUid: 'uid-probes', container: 'app', containerId: id, hostNetwork: false, startedAt: new Date() }]);
      await changed;
      const st = pm.state('uid-probes', 'app');
      assert.equal(sawReady, true, 'the in-pod readiness probe passed first');
      assert.equal(st.mustRestart, true);
      assert.equal(st.ready, false);
      assert.equal(st.probe, 'liveness');
      assert.equal(st.message, 'Liveness probe failed: command "test -f /tmp/alive" exited with code 1');
    } finally {
      pm.stop();
    }
  });
  it('in-pod tcp: open and refused', async () => {
    assert.deepEqual(await probe(tcp(8080)), { result: 'success', message: '' });
    assert.deepEqual(await probe(tcp(8081)), { result: 'failure', message: 'dial tcp 127.0.0.1:8081: connect: connection refused' });
  });
});

/**
 * The http and tcp probe runners from the agent side against a real HTTP server / TCP listener on
 * 127.0.0.1 (200, 3xx, 500, refused, an unanswered request running into timeoutSeconds, headers).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ContainerEngine } from '../../agent/engine/types.js';
import { createProbeRunner } from '../../agent/probes/default-runner.js';
import { createHttpRunner, createTcpRunner } from '../../agent/probes/net-runners.js';
import { run as runCommand } from '../support/run.js';
import { http, never, spec, startProbeEndpoints, target, tcp, type ProbeEndpoints } from '../support/probe-endpoints.js';

describe('probes: http and tcp runners from the agent (real sockets on 127.0.0.1)', function () {
  let endpoints: ProbeEndpoints | undefined;
  let srv: ProbeEndpoints['http'];
  let tcpPort: number;
  let refused: number;
  const runner = createHttpRunner();
  const tcpRunner = createTcpRunner();

  before(async () => {
    endpoints = await startProbeEndpoints();
    ({ http: srv, tcpPort, refused } = endpoints);
  });
  after(async () => {
    await endpoints?.close();
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

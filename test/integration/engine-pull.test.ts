/**
 * Image pulls through the engine against the real Docker engine and the local registry: a real
 * download (an image with a fresh random layer, pushed to the registry for this run and absent
 * locally) with progress, Docker's messages for a missing tag, an unreachable registry and
 * missing or wrong credentials (a small registry stand-in that asks for Basic auth), and an
 * AbortSignal that ends a pull promptly while Docker waits on a registry that never answers.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { isEngineError } from '../../agent/engine/errors.js';
import type { ContainerEngine, PullProgress } from '../../agent/engine/types.js';
import { engineWithTestImage } from '../support/engine-harness.js';
import { REGISTRY_ADDR, REGISTRY_URL, TEST_IMAGE } from '../support/env.js';
import { run } from '../support/run.js';

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const PULL_REPO = 'flotilla/engine-pull-test';
const PULL_TAG = `t-${RUN}`;
const PULL_IMAGE = `${REGISTRY_ADDR}/${PULL_REPO}:${PULL_TAG}`;

async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      if (a === null || typeof a === 'string') reject(new Error('no port'));
      else resolve(a.port);
    });
  });
}

/** The registry digest of a tag, for deleting the manifest again. */
async function manifestDigest(repo: string, tag: string): Promise<string | undefined> {
  const res = await fetch(`${REGISTRY_URL}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
  });
  return res.ok ? (res.headers.get('docker-content-digest') ?? undefined) : undefined;
}

describe('engine: image pulls (real Docker + registry)', function () {
  this.timeout(120_000);
  let engine: ContainerEngine;
  const sockets = new Set<net.Socket>();
  const servers: net.Server[] = [];
  let pushed = false;

  before(async function () {
    engine = await engineWithTestImage(this);
    // An image nobody has pulled: the test image plus a layer of 4 MB of random bytes, pushed to
    // the local registry under a tag of this run and removed locally, so the pull below is real.
    const src = `flotilla-test-pullsrc-${RUN}`;
    await docker('run', '--network', 'none', '--name', src, TEST_IMAGE, 'sh', '-c', `head -c 4000000 /dev/urandom > /blob && echo ${RUN} > /run-id`);
    await docker('commit', src, PULL_IMAGE);
    await docker('rm', src);
    await docker('push', PULL_IMAGE);
    pushed = true;
    await docker('rmi', PULL_IMAGE);
  });

  after(async function () {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
    if (engine === undefined) return;
    await run('docker', ['rmi', PULL_IMAGE]);
    if (pushed) {
      const digest = await manifestDigest(PULL_REPO, PULL_TAG).catch(() => undefined);
      if (digest !== undefined) await fetch(`${REGISTRY_URL}/v2/${PULL_REPO}/manifests/${digest}`, { method: 'DELETE' }).catch(() => undefined);
    }
  });

  function track(server: net.Server): net.Server {
    servers.push(server);
    server.on('connection', (s: net.Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    return server;
  }

  it('pulls an image that is not present, reporting progress, and finds it afterwards', async function () {
    assert.equal(await engine.inspectImage(PULL_IMAGE), undefined, 'the image must be absent before the pull');
    const events: PullProgress[] = [];
    const t0 = performance.now();
    const info = await engine.pullImage(PULL_IMAGE, { onProgress: (p) => events.push(p), platform: (await engine.info()).platform });
    const ms = performance.now() - t0;
    const statuses = new Set(events.map((e) => e.status));
    for (const s of ['Pulling fs layer', 'Downloading', 'Download complete', 'Extracting', 'Pull complete']) {
      assert.ok(statuses.has(s), `status "${s}" missing from ${[...statuses].join(' | ')}`);
    }
    assert.ok(statuses.has('Already exists'), 'the base layer was already there');
    const download = events.filter((e) => e.status === 'Downloading');
    assert.ok(download.every((e) => e.id !== undefined && typeof e.current === 'number' && typeof e.total === 'number'));
    assert.ok(download.some((e) => (e.total ?? 0) > 1_000_000), 'the random layer is megabytes');
    assert.ok([...statuses].some((s) => s.startsWith('Digest: sha256:')));
    assert.match(info.id, /^sha256:[0-9a-f]{64}$/);
    assert.ok(info.repoTags.includes(PULL_IMAGE));
    assert.ok(info.repoDigests.some((d) => d.startsWith(`${REGISTRY_ADDR}/${PULL_REPO}@sha256:`)));
    assert.match(info.platform ?? '', /^linux\//);
    assert.deepEqual(await engine.inspectImage(PULL_IMAGE), info);
    console.log(`      pull of a 4 MB layer: ${Math.round(ms)} ms, ${events.length} progress events`);

    // Pulled again: nothing to download.
    const again: PullProgress[] = [];
    const t1 = performance.now();
    await engine.pullImage(PULL_IMAGE, { onProgress: (p) => again.push(p) });
    console.log(`      pull of a present image: ${Math.round(performance.now() - t1)} ms`);
    assert.ok(again.some((e) => e.status.startsWith('Status: Image is up to date')));
    assert.ok(!again.some((e) => e.status === 'Downloading'));
  });

  it('pulls one tag, :latest, when the reference has none; digests work too', async function () {
    const hadLatest = (await engine.inspectImage(`${REGISTRY_ADDR}/flotilla/busybox:latest`)) !== undefined;
    const info = await engine.pullImage(`${REGISTRY_ADDR}/flotilla/busybox`, {});
    assert.ok(info.repoTags.includes(`${REGISTRY_ADDR}/flotilla/busybox:latest`));
    const digestRef = info.repoDigests[0];
    assert.ok(digestRef !== undefined);
    const byDigest = await engine.pullImage(digestRef, {});
    assert.equal(byDigest.id, info.id);
    if (!hadLatest) await run('docker', ['rmi', `${REGISTRY_ADDR}/flotilla/busybox:latest`]);
  });

  it('rejects a missing tag with Docker\'s message', async function () {
    const ref = `${REGISTRY_ADDR}/flotilla/busybox:no-such-tag-${RUN}`;
    await assert.rejects(engine.pullImage(ref, {}), (e: unknown) => {
      assert.ok(isEngineError(e, 'PullFailed'), String(e));
      assert.match(e.message, /manifest unknown/);
      assert.ok(e.message.includes(ref));
      assert.doesNotMatch(e.message, /HTTP code/);
      return true;
    });
    assert.equal(await engine.inspectImage(ref), undefined);
  });

  it('rejects when the registry refuses connections, with Docker\'s message', async function () {
    const closed = track(net.createServer());
    const port = await listen(closed);
    closed.close();
    await assert.rejects(engine.pullImage(`127.0.0.1:${port}/flotilla/busybox:1.0`, {}), (e: unknown) => {
      assert.ok(isEngineError(e, 'PullFailed'), String(e));
      assert.match(e.message, /connection refused/);
      return true;
    });
  });

  it('sends registry credentials; without them (or wrong ones) Docker\'s unauthorized message comes back', async function () {
    const good = `Basic ${Buffer.from('flo:s3cret').toString('base64')}`;
    const seen: { url: string; authorization: string | undefined }[] = [];
    const registry = track(
      http.createServer((req, res) => {
        seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
        res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
        res.setHeader('Content-Type', 'application/json');
        if (req.headers.authorization !== good) {
          res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="flotilla-test"' });
          res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] }));
          return;
        }
        if (req.url === '/v2/') {
          res.writeHead(200);
          res.end('{}');
          return;
        }
        res.writeHead(404);
        res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: {} }] }));
      }),
    );
    const port = await listen(registry);
    const ref = `127.0.0.1:${port}/private/app:1.0`;

    await assert.rejects(engine.pullImage(ref, {}), (e: unknown) => {
      assert.ok(isEngineError(e, 'PullFailed'), String(e));
      assert.match(e.message, /unauthorized|no basic auth credentials|authentication required/i);
      return true;
    });
    await assert.rejects(
      engine.pullImage(ref, { auth: { username: 'flo', password: 'wrong', serveraddress: `127.0.0.1:${port}` } }),
      (e: unknown) => isEngineError(e, 'PullFailed') && /unauthorized|authentication required/i.test(e.message),
    );
    seen.length = 0;
    await assert.rejects(
      engine.pullImage(ref, { auth: { username: 'flo', password: 's3cret', serveraddress: `127.0.0.1:${port}` } }),
      (e: unknown) => {
        // Authenticated, so the registry got as far as the manifest, which it does not have.
        assert.ok(isEngineError(e, 'PullFailed'), String(e));
        assert.match(e.message, /manifest unknown|not found/);
        return true;
      },
    );
    assert.ok(seen.some((s) => s.url.startsWith('/v2/private/app/manifests/1.0') && s.authorization === good), JSON.stringify(seen));
  });

  it('aborts promptly via AbortSignal while Docker waits on a registry that never answers', async function () {
    let connections = 0;
    const silent = track(net.createServer(() => connections++));
    const port = await listen(silent);
    const ac = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 500);
    await assert.rejects(engine.pullImage(`127.0.0.1:${port}/flotilla/busybox:1.0`, { signal: ac.signal }), (e: unknown) => {
      assert.ok(isEngineError(e, 'Aborted'), String(e));
      return true;
    });
    const ms = performance.now() - t0;
    assert.ok(connections > 0, 'Docker was talking to the silent registry');
    assert.ok(ms < 1500, `rejected ${Math.round(ms)} ms after the start (abort at 500 ms)`);
    console.log(`      abort: rejected ${Math.round(ms - 500)} ms after the signal`);

    const pre = new AbortController();
    pre.abort();
    const before = connections;
    await assert.rejects(engine.pullImage(`127.0.0.1:${port}/flotilla/busybox:1.0`, { signal: pre.signal }), (e: unknown) =>
      isEngineError(e, 'Aborted'),
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(connections, before, 'an aborted signal pulls nothing');
  });

  it('aborts a pull that is streaming progress', async function () {
    await run('docker', ['rmi', PULL_IMAGE]);
    const ac = new AbortController();
    const events: PullProgress[] = [];
    await assert.rejects(
      engine.pullImage(PULL_IMAGE, {
        signal: ac.signal,
        onProgress: (p) => {
          events.push(p);
          ac.abort();
        },
      }),
      (e: unknown) => isEngineError(e, 'Aborted'),
    );
    assert.ok(events.length >= 1);
    // Docker stays usable; the image can be pulled afterwards.
    const info = await engine.pullImage(PULL_IMAGE, {});
    assert.ok(info.repoTags.includes(PULL_IMAGE));
  });
});

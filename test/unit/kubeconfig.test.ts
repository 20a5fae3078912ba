import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { ApiClient } from '../../server/flotctl/client.js';
import { CliError, ServerError } from '../../server/flotctl/errors.js';
import { kubeconfigPaths, loadKubeconfig, parseKubeconfig, resolveConnection } from '../../server/flotctl/kubeconfig.js';
import { parseRequestTimeout } from '../../server/flotctl/session.js';

/** The shape the hub writes (server/credentials.ts). */
const HUB_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: flotilla
    cluster:
      server: http://127.0.0.1:1234/
users:
  - name: flotilla-admin
    user:
      token: tok-123
contexts:
  - name: flotilla
    context:
      cluster: flotilla
      user: flotilla-admin
      namespace: prod
current-context: flotilla
preferences: {}
`;

function fails(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CliError, `a CliError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof CliError, `a CliError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

const noFiles = (f: string): Promise<string> => Promise.reject(Object.assign(new Error(`ENOENT: ${f}`), { code: 'ENOENT' }));

describe('kubeconfig: parsing', () => {
  it('reads the kubeconfig the hub writes', async () => {
    const cfg = parseKubeconfig(HUB_KUBECONFIG, '/x/kubeconfig');
    assert.equal(cfg.currentContext, 'flotilla');
    const conn = await resolveConnection(cfg, undefined, noFiles);
    assert.deepEqual(conn, {
      context: 'flotilla',
      server: 'http://127.0.0.1:1234',
      token: 'tok-123',
      insecureSkipTlsVerify: false,
      namespace: 'prod',
    });
  });

  it('defaults the namespace to default, picks --context over current-context', async () => {
    const text = HUB_KUBECONFIG.replace('      namespace: prod\n', '');
    const cfg = parseKubeconfig(text, 'k');
    assert.equal((await resolveConnection(cfg, undefined, noFiles)).namespace, 'default');
    const two = parseKubeconfig(
      `${HUB_KUBECONFIG}`.replace('contexts:\n', 'contexts:\n  - name: other\n    context: {cluster: flotilla, user: flotilla-admin, namespace: edge}\n'),
      'k',
    );
    assert.equal((await resolveConnection(two, 'other', noFiles)).namespace, 'edge');
  });

  it('decodes certificate-authority-data and insecure-skip-tls-verify', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const text = HUB_KUBECONFIG.replace(
      'server: http://127.0.0.1:1234/',
      `server: https://hub.local:6443\n      certificate-authority-data: ${Buffer.from(pem).toString('base64')}\n      insecure-skip-tls-verify: true`,
    );
    const conn = await resolveConnection(parseKubeconfig(text, 'k'), undefined, noFiles);
    assert.equal(conn.ca, pem);
    assert.equal(conn.insecureSkipTlsVerify, true);
    assert.equal(conn.server, 'https://hub.local:6443');
  });

  it('reads certificate-authority and tokenFile relative to the kubeconfig', async () => {
    const text = HUB_KUBECONFIG.replace('server: http://127.0.0.1:1234/', 'server: https://h:1\n      certificate-authority: ca.pem').replace(
      'token: tok-123',
      'tokenFile: secrets/token',
    );
    const files: Record<string, string> = { '/etc/flotilla/ca.pem': 'PEM', '/etc/flotilla/secrets/token': 'from-file\n' };
    const read = (f: string): Promise<string> => (files[f] !== undefined ? Promise.resolve(files[f]) : noFiles(f));
    const conn = await resolveConnection(parseKubeconfig(text, '/etc/flotilla/kubeconfig'), undefined, read);
    assert.equal(conn.ca, 'PEM');
    assert.equal(conn.token, 'from-file');
  });

  it('names the file and the field at fault', () => {
    fails(() => parseKubeconfig('clusters: [', '/k'), /^invalid kubeconfig \/k: /);
    fails(() => parseKubeconfig('- a\n', '/k'), /^invalid kubeconfig \/k: the file must hold a map/);
    fails(() => parseKubeconfig('kind: Pod\n', '/k'), /^invalid kubeconfig \/k: kind: must be Config/);
    fails(() => parseKubeconfig('clusters: {}\n', '/k'), /^invalid kubeconfig \/k: clusters: must be a list$/);
    fails(() => parseKubeconfig('clusters:\n  - cluster: {server: "http://a"}\n', '/k'), /^invalid kubeconfig \/k: clusters\[0\]\.name: is required$/);
    fails(() => parseKubeconfig('clusters:\n  - name: a\n', '/k'), /^invalid kubeconfig \/k: clusters\[0\]\.cluster: must be a map$/);
    fails(() => parseKubeconfig('clusters:\n  - name: a\n    cluster: {}\n', '/k'), /^invalid kubeconfig \/k: clusters\[0\]\.cluster\.server: is required$/);
    fails(() => parseKubeconfig(HUB_KUBECONFIG.replace('http://127.0.0.1:1234/', 'not a url'), '/k'), /clusters\[0\]\.cluster\.server: "not a url" is not a URL/);
    fails(() => parseKubeconfig(HUB_KUBECONFIG.replace('http://127.0.0.1:1234/', 'ftp://x'), '/k'), /clusters\[0\]\.cluster\.server: "ftp:\/\/x" must use http or https/);
    fails(() => parseKubeconfig(HUB_KUBECONFIG.replace('token: tok-123', 'token: 42'), '/k'), /users\[0\]\.user\.token: must be a string/);
    fails(
      () => parseKubeconfig(HUB_KUBECONFIG.replace('server: http://127.0.0.1:1234/', 'server: https://x\n      certificate-authority-data: bm90IGEgY2VydA=='), '/k'),
      /clusters\[0\]\.cluster\.certificate-authority-data: must be a base64-encoded PEM certificate/,
    );
    fails(() => parseKubeconfig(HUB_KUBECONFIG.replace('insecure', 'x').replace('server: http://127.0.0.1:1234/', 'server: https://x\n      insecure-skip-tls-verify: "yes"'), '/k'), /insecure-skip-tls-verify: must be true or false/);
  });

  it('names missing contexts, clusters and users', async () => {
    await rejects(resolveConnection(parseKubeconfig(HUB_KUBECONFIG, '/k'), 'nope', noFiles), /^kubeconfig \/k: context "nope" does not exist/);
    await rejects(
      resolveConnection(parseKubeconfig(HUB_KUBECONFIG.replace('cluster: flotilla\n', 'cluster: gone\n'), '/k'), undefined, noFiles),
      /context "flotilla" names cluster "gone", which does not exist in clusters/,
    );
    await rejects(
      resolveConnection(parseKubeconfig(HUB_KUBECONFIG.replace('user: flotilla-admin\n', 'user: ghost\n'), '/k'), undefined, noFiles),
      /context "flotilla" names user "ghost", which does not exist in users/,
    );
    await rejects(resolveConnection(parseKubeconfig(HUB_KUBECONFIG.replace('current-context: flotilla\n', ''), '/k'), undefined, noFiles), /current-context is not set/);
  });
});

describe('kubeconfig: which file', () => {
  it('--kubeconfig, else KUBECONFIG (a path list), else ~/.kube/config', () => {
    assert.deepEqual(kubeconfigPaths('/flag', { KUBECONFIG: '/env' }, '/home/u'), ['/flag']);
    assert.deepEqual(kubeconfigPaths(undefined, { KUBECONFIG: `/a${delimiter}/b` }, '/home/u'), ['/a', '/b']);
    assert.deepEqual(kubeconfigPaths(undefined, {}, '/home/u'), [join('/home/u', '.kube', 'config')]);
  });

  it('a missing file is a clear error; KUBECONFIG lists are merged, missing entries skipped', async () => {
    await rejects(loadKubeconfig(['/nope'], true, noFiles), /^kubeconfig \/nope does not exist/);
    const second = `clusters:\n  - name: flotilla\n    cluster: {server: "http://ignored:1"}\n  - name: extra\n    cluster: {server: "http://extra:2"}\ncurrent-context: ignored\n`;
    const files: Record<string, string> = { '/a': HUB_KUBECONFIG, '/b': second };
    const read = (f: string): Promise<string> => (files[f] !== undefined ? Promise.resolve(files[f]) : noFiles(f));
    const merged = await loadKubeconfig(['/missing', '/a', '/b'], false, read);
    assert.equal(merged.currentContext, 'flotilla');
    assert.deepEqual(
      merged.clusters.map((c) => [c.name, c.server]),
      [
        ['flotilla', 'http://127.0.0.1:1234'],
        ['extra', 'http://extra:2'],
      ],
    );
  });
});

describe('kubeconfig: --request-timeout', () => {
  it('parses kubectl durations', () => {
    assert.equal(parseRequestTimeout('0'), 0);
    assert.equal(parseRequestTimeout('5'), 5000);
    assert.equal(parseRequestTimeout('500ms'), 500);
    assert.equal(parseRequestTimeout('1m30s'), 90_000);
    assert.equal(parseRequestTimeout('1h'), 3_600_000);
    assert.throws(() => parseRequestTimeout('soon'), CliError);
    assert.throws(() => parseRequestTimeout('5x'), CliError);
  });
});

describe('kubeconfig: https with the CA from the kubeconfig', function () {
  let dir: string;
  let server: https.Server | undefined;
  let url = '';
  let caData = '';

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'flotctl-tls-'));
    try {
      await promisify(execFile)('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      ]);
    } catch (e: unknown) {
      console.log(`skipping: openssl could not make a test certificate (${String(e)})`);
      this.skip();
    }
    const cert = await readFile(join(dir, 'cert.pem'), 'utf8');
    const key = await readFile(join(dir, 'key.pem'), 'utf8');
    caData = Buffer.from(cert).toString('base64');
    server = https.createServer({ cert, key }, (req, res) => {
      if (req.headers.authorization !== 'Bearer tls-token') {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }));
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    if (server) await new Promise<void>((r) => server?.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  async function clientFor(kubeconfig: string): Promise<ApiClient> {
    const file = join(dir, 'kubeconfig');
    await writeFile(file, kubeconfig);
    const conn = await resolveConnection(await loadKubeconfig([file], true));
    return new ApiClient({ server: conn.server, insecureSkipTlsVerify: conn.insecureSkipTlsVerify, ...(conn.token ? { token: conn.token } : {}), ...(conn.ca ? { ca: conn.ca } : {}) });
  }

  it('trusts certificate-authority-data and sends the bearer token', async () => {
    const client = await clientFor(
      HUB_KUBECONFIG.replace('server: http://127.0.0.1:1234/', `server: ${url}\n      certificate-authority-data: ${caData}`).replace('tok-123', 'tls-token'),
    );
    assert.deepEqual(await client.request({ path: '/api/v1/namespaces' }), { kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] });
  });

  it('refuses an unknown certificate without the CA, unless insecure-skip-tls-verify', async () => {
    const plain = HUB_KUBECONFIG.replace('server: http://127.0.0.1:1234/', `server: ${url}`).replace('tok-123', 'tls-token');
    await rejects((await clientFor(plain)).request({ path: '/api/v1/namespaces' }), /^TLS to 127\.0\.0\.1:\d+ failed: .*certificate-authority-data/);
    const insecure = plain.replace(`server: ${url}`, `server: ${url}\n      insecure-skip-tls-verify: true`);
    assert.ok(await (await clientFor(insecure)).request({ path: '/api/v1/namespaces' }));
  });

  it("turns a failure Status into a ServerError with the server's message", async () => {
    const client = await clientFor(HUB_KUBECONFIG.replace('server: http://127.0.0.1:1234/', `server: ${url}\n      certificate-authority-data: ${caData}`));
    await assert.rejects(client.request({ path: '/api/v1/namespaces' }), (e: unknown) => {
      assert.ok(e instanceof ServerError);
      assert.equal(e.message, 'Unauthorized');
      assert.equal(e.format(), 'Error from server (Unauthorized): Unauthorized');
      return true;
    });
  });
});

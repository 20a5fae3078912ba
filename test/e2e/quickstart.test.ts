/**
 * The README's path, on the built package: `flotilla-hub` from dist/ with its defaults'
 * shape, then `flotctl` from dist/ applying the example manifests and reading them back.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../support/hub.js';
import { run } from '../support/run.js';

const HUB_BIN = join(REPO_ROOT, 'dist', 'server', 'main.js');
const FLOTCTL_BIN = join(REPO_ROOT, 'dist', 'server', 'flotctl', 'main.js');

describe('quick start on the built package', function () {
  let hub: ChildProcess | undefined;
  let dataDir: string;
  let banner = '';

  before(async function () {
    try {
      await access(HUB_BIN);
      await access(FLOTCTL_BIN);
    } catch {
      if (process.env['CI']) throw new Error('dist/ is missing: npm test builds before testing; run `npm run build`');
      console.log('skipping: dist/ is not built (run `npm run build`)');
      this.skip();
    }
    dataDir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-'));
    const proc = spawn(process.execPath, [HUB_BIN, '--data-dir', dataDir, '--api-listen', '127.0.0.1:0', '--mqtts-listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    hub = proc;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`hub did not print its banner; got: ${banner}`)), 20_000);
      createInterface({ input: proc.stdout }).on('line', (line) => {
        banner += line + '\n';
        if (line.includes('kubeconfig:')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
    });
  });

  after(async function () {
    hub?.kill('SIGTERM');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('prints where the API listens and where the kubeconfig was written', async function () {
    const api = /API:\s+(https:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
    const kubeconfig = /kubeconfig:\s+(\S+)/.exec(banner)?.[1];
    assert.ok(api, banner);
    assert.equal(kubeconfig, join(dataDir, 'kubeconfig'));
    const cfg = parseYaml(await readFile(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] };
    assert.equal(cfg.clusters[0]?.cluster.server, api);
  });

  it('flotctl applies the example manifests and lists them', async function () {
    const env = { ...process.env, KUBECONFIG: join(dataDir, 'kubeconfig') };
    const flotctl = (...args: string[]): ReturnType<typeof run> => run(process.execPath, [FLOTCTL_BIN, ...args], { env });
    const applied = await flotctl('apply', '-f', join(REPO_ROOT, 'manifests', 'examples'));
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /daemonset\.apps\/\S+ created/);
    const got = await flotctl('get', 'ds', '-o', 'name');
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /^daemonset\.apps\/\S+$/m);
    const again = await flotctl('apply', '-f', join(REPO_ROOT, 'manifests', 'examples'));
    assert.match(again.stdout, /unchanged/);
  });

  it('stops cleanly on SIGTERM', async function () {
    const proc = hub!;
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    assert.equal(await exited, 0);
    hub = undefined;
  });
});

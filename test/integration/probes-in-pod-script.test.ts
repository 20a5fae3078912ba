/**
 * The in-pod check script (what runs inside containers of pods without host networking) run on
 * this machine by busybox and by the system sh, through an engine whose `exec` spawns locally,
 * including images without wget/nc and with curl only.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, constants, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ContainerEngine, type ExecResult } from '../../agent/engine/types.js';
import { createInPodRunner } from '../../agent/probes/in-pod.js';
import type { ProbeOutcome } from '../../agent/probes/runner.js';
import type { ProbeHandler } from '../../agent/probes/spec.js';
import { requireService, type ExplainedCheck } from '../support/env.js';
import { http, never, spec, startProbeEndpoints, target, tcp, type ProbeEndpoints } from '../support/probe-endpoints.js';

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

async function mkdtempLinks(root: string, prefix: string, links: Record<string, string>): Promise<string> {
  const d = await mkdtemp(join(root, `${prefix}-`));
  for (const [tool, to] of Object.entries(links)) await symlink(to, join(d, tool));
  return d;
}

describe('probes: the in-pod check script on this machine (busybox, system sh, missing tools)', function () {
  let root: string;
  let endpoints: ProbeEndpoints | undefined;
  let srv: ProbeEndpoints['http'];
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
    endpoints = await startProbeEndpoints();
    ({ http: srv, tcpPort, refused } = endpoints);
  });
  after(async () => {
    await endpoints?.close();
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

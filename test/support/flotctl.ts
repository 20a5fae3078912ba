/** The command-line tools against a test hub: flotctl run in process, a bootstrap token made with it, and whether kubectl is installed. */
import assert from 'node:assert/strict';
import { main as flotctlMain } from '../../server/flotctl/cli.js';
import { parseJoinString } from '../../shared/protocol/index.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, startHub, type HubHandle } from './hub.js';
import { run } from './run.js';

export interface FlotctlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface FlotctlOptions {
  /** Sees the output so far as it grows (for streams). */
  onStdout?: (all: string) => void;
  /** Ctrl-C. */
  signal?: AbortSignal;
  /** What `-f -` reads; none when absent. */
  stdin?: string;
  /** The environment flotctl sees (HOME, KUBECONFIG…); empty when absent. */
  env?: Record<string, string>;
  /** Where relative file names resolve. */
  cwd?: string;
}

/** Runs `flotctl --kubeconfig HUB_KUBECONFIG ARGS…` in this process, with the output captured. */
export async function flotctl(hub: HubHandle, args: string[], opts: FlotctlOptions = {}): Promise<FlotctlResult> {
  let stdout = '';
  let stderr = '';
  const code = await flotctlMain(['--kubeconfig', hub.kubeconfig, ...args], {
    stdout: {
      write: (s: string) => {
        stdout += s;
        opts.onStdout?.(stdout);
      },
    },
    stderr: { write: (s: string) => void (stderr += s) },
    stdin: (async function* () {
      await Promise.resolve();
      if (opts.stdin !== undefined) yield opts.stdin;
    })(),
    env: opts.env ?? {},
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { code, stdout, stderr };
}

/** Runs flotctl and insists on success (exit 0) without a stack trace. */
export async function flotctlOk(hub: HubHandle, args: string[], opts: FlotctlOptions = {}): Promise<FlotctlResult> {
  const r = await flotctl(hub, args, opts);
  assert.equal(r.code, 0, `flotctl ${args.join(' ')} failed:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r;
}

/** Runs flotctl and insists on exit code 1 without a stack trace. */
export async function flotctlFails(hub: HubHandle, args: string[], opts: FlotctlOptions = {}): Promise<FlotctlResult> {
  const r = await flotctl(hub, args, opts);
  assert.equal(r.code, 1, `flotctl ${args.join(' ')} should fail; stdout:\n${r.stdout}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r;
}

export interface FlotctlRig {
  /** The running hub. */
  hub: () => HubHandle;
  /** flotctl's HOME, a temporary folder. */
  home: () => string;
  flotctl: (args: string[], opts?: FlotctlOptions) => Promise<FlotctlResult>;
  ok: (args: string[], opts?: FlotctlOptions) => Promise<FlotctlResult>;
  fails: (args: string[], opts?: FlotctlOptions) => Promise<FlotctlResult>;
}

/**
 * A hub for the enclosing describe block (registers its before and after hooks), and flotctl
 * against it in this process with a HOME of its own and file names resolved from the repository root.
 */
export function flotctlRig(tag: string): FlotctlRig {
  let hub: HubHandle | undefined;
  let home = '';
  before(async () => {
    home = await mkdtemp(join(tmpdir(), `${tag}-`));
    hub = await startHub();
  });
  after(async () => {
    await hub?.dispose();
    if (home) await rm(home, { recursive: true, force: true });
  });
  const theHub = (): HubHandle => {
    assert.ok(hub, 'the hub is running');
    return hub;
  };
  const here = (opts: FlotctlOptions = {}): FlotctlOptions => ({ env: { HOME: home }, cwd: REPO_ROOT, ...opts });
  return {
    hub: theHub,
    home: () => home,
    flotctl: (args, opts) => flotctl(theHub(), args, here(opts)),
    ok: (args, opts) => flotctlOk(theHub(), args, here(opts)),
    fails: (args, opts) => flotctlFails(theHub(), args, here(opts)),
  };
}

/** The join string of a new bootstrap token (`flotctl token create --ttl 1h`, which must succeed). */
export async function joinString(hub: HubHandle, ...flags: string[]): Promise<string> {
  const t = await flotctl(hub, ['token', 'create', '--ttl', '1h', ...flags]);
  assert.equal(t.code, 0, t.stderr);
  return t.stdout.trim();
}

/** The bare bootstrap token of a new join string, for scripted devices that dial plain MQTT themselves. */
export async function bootstrapToken(hub: HubHandle, ...flags: string[]): Promise<string> {
  return parseJoinString(await joinString(hub, ...flags)).token;
}

/** kubectl is on the PATH and runs; a check for requireService. */
export async function kubectlAvailable(): Promise<boolean> {
  try {
    return (await run('kubectl', ['version', '--client'])).code === 0;
  } catch {
    return false;
  }
}

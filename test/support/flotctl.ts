/** The command-line tools against a test hub: flotctl run in process, a bootstrap token made with it, and whether kubectl is installed. */
import assert from 'node:assert/strict';
import { main as flotctlMain } from '../../server/flotctl/cli.js';
import { parseJoinString } from '../../shared/protocol/index.js';
import type { HubHandle } from './hub.js';
import { run } from './run.js';

export interface FlotctlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `flotctl --kubeconfig HUB_KUBECONFIG ARGS…` in this process, with no stdin and an empty
 * environment. `onStdout` sees the output so far as it grows (for streams); `signal` is Ctrl-C.
 */
export async function flotctl(hub: HubHandle, args: string[], opts: { onStdout?: (all: string) => void; signal?: AbortSignal } = {}): Promise<FlotctlResult> {
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
    stdin: (async function* () {})(),
    env: {},
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { code, stdout, stderr };
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

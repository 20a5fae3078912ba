/** The command-line tools against a test hub: flotctl run in process, a bootstrap token made with it, and whether kubectl is installed. */
import assert from 'node:assert/strict';
import { main as flotctlMain } from '../../server/flotctl/cli.js';
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

/** A bootstrap token for enrolling devices (`flotctl token create --ttl 1h`, which must succeed). */
export async function bootstrapToken(hub: HubHandle): Promise<string> {
  const t = await flotctl(hub, ['token', 'create', '--ttl', '1h']);
  assert.equal(t.code, 0, t.stderr);
  return t.stdout.trim();
}

/** kubectl is on the PATH and runs; a check for requireService. */
export async function kubectlAvailable(): Promise<boolean> {
  try {
    return (await run('kubectl', ['version', '--client'])).code === 0;
  } catch {
    return false;
  }
}

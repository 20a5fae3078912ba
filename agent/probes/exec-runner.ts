/**
 * exec probes through `ContainerEngine.exec`: exit code 0 is a success, anything else a failure
 * whose message is the command's output, a timeout a failure ("command timed out"). When the
 * engine cannot exec at all (Docker unreachable, container gone) the result is `unknown`, which
 * the kubelet also throws away rather than counting against the container.
 *
 * Docker cannot kill an exec'd process: a command that outlives its timeout keeps running in
 * the container. Exec probes should be quick, as in Kubernetes.
 */
import type { ContainerEngine, ExecResult } from '../engine/types.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { ProbeRunner } from './runner.js';
import type { ProbeOutcome } from './decide.js';

/** Longest command output kept in a message (the kubelet keeps 10 KiB; status lines are short). */
export const MAX_MESSAGE_OUTPUT = 1024;

export type BoundedExec = { kind: 'done'; result: ExecResult } | { kind: 'timeout' } | { kind: 'error'; error: string };

/** Whether an engine error reads as its exec timeout (the engine's own deadline). */
export function isTimeoutError(message: string): boolean {
  return /timed? ?out|deadline exceeded/i.test(message);
}

/**
 * `engine.exec` bounded by `timeoutMs` (handed to the engine, and enforced here as well) and by
 * `signal`; never rejects.
 */
export function execBounded(engine: ContainerEngine, id: string, cmd: string[], timeoutMs: number, signal: AbortSignal): Promise<BoundedExec> {
  const own = AbortSignal.timeout(timeoutMs);
  const stop = AbortSignal.any([signal, own]);
  return new Promise<BoundedExec>((resolve) => {
    let done = false;
    const finish = (r: BoundedExec): void => {
      if (done) return;
      done = true;
      stop.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const onAbort = (): void => finish({ kind: 'timeout' });
    if (stop.aborted) {
      onAbort();
      return;
    }
    stop.addEventListener('abort', onAbort, { once: true });
    let pending: Promise<ExecResult>;
    try {
      pending = engine.exec(id, cmd, timeoutMs);
    } catch (e) {
      finish({ kind: 'error', error: errorMessage(e) });
      return;
    }
    pending.then(
      (result) => {
        // No process exits with a negative code: the engine gave up (its own timeout, e.g.
        // docker-engine answers -1 and "… timed out after N ms").
        if (result.exitCode < 0) finish(isTimeoutError(result.output) ? { kind: 'timeout' } : { kind: 'error', error: clipOutput(result.output) || `exit code ${result.exitCode}` });
        else finish({ kind: 'done', result });
      },
      (e: unknown) => {
        const msg = errorMessage(e);
        finish(isTimeoutError(msg) ? { kind: 'timeout' } : { kind: 'error', error: msg });
      },
    );
  });
}

/** Output for a message: trimmed, the tail kept when long. */
export function clipOutput(output: string): string {
  const t = output.trim();
  return t.length <= MAX_MESSAGE_OUTPUT ? t : `…${t.slice(t.length - MAX_MESSAGE_OUTPUT)}`;
}

/** What an exec probe's outcome is. */
export function execOutcome(cmd: readonly string[], r: BoundedExec): ProbeOutcome {
  switch (r.kind) {
    case 'timeout':
      return { result: 'failure', message: `command ${JSON.stringify(cmd.join(' '))} timed out` };
    case 'error':
      return { result: 'unknown', message: `exec ${JSON.stringify(cmd.join(' '))} in the container: ${r.error}` };
    case 'done': {
      if (r.result.exitCode === 0) return { result: 'success', message: clipOutput(r.result.output) };
      const out = clipOutput(r.result.output);
      return { result: 'failure', message: out !== '' ? out : `command ${JSON.stringify(cmd.join(' '))} exited with code ${r.result.exitCode}` };
    }
  }
}

export function createExecRunner(engine: ContainerEngine): ProbeRunner {
  return {
    async run(probe, target, signal) {
      const h = probe.handler;
      if (h.type !== 'exec') return { result: 'unknown', message: `not an exec probe: ${h.type}` };
      const r = await execBounded(engine, target.containerId, h.command, probe.timeoutSeconds * 1000, signal);
      return execOutcome(h.command, r);
    },
  };
}

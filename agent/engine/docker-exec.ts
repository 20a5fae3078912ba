/** Exec in a running container (exec probes): bounded output, a time limit, the exit code. */
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { DockerClient } from './docker-client.js';
import { FrameDemuxer, toBuffer } from './docker-stream.js';
import { EngineError, isEngineError } from './errors.js';
import type { ExecResult } from './types.js';

/** Exec output beyond this is dropped (probes need a few lines, not megabytes). */
const MAX_EXEC_OUTPUT_BYTES = 256 * 1024;

export async function exec(c: DockerClient, id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
  const what = `exec in ${id}`;
  const started = performance.now();
  const remaining = (): number => Math.max(1, timeoutMs - (performance.now() - started));
  const timedOut = (output: string): ExecResult => ({
    exitCode: -1,
    output: `${output}${output === '' || output.endsWith('\n') ? '' : '\n'}exec ${JSON.stringify(cmd)} timed out after ${timeoutMs} ms`,
  });
  let instance: Docker.Exec;
  try {
    instance = await c.call(
      what,
      (signal) =>
        c.docker.getContainer(id).exec({
          Cmd: cmd,
          AttachStdin: false,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          abortSignal: signal,
        }),
      Math.min(c.requestTimeoutMs, remaining()),
    );
  } catch (e) {
    if (isEngineError(e, 'Timeout')) return timedOut('');
    if (isEngineError(e) && e.statusCode === 409) {
      throw new EngineError('NotRunning', e.message, { statusCode: 409, cause: e.cause });
    }
    throw e;
  }

  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  const demux = new FrameDemuxer();
  const collect = (chunk: Buffer): void => {
    for (const f of demux.push(chunk)) {
      if (size >= MAX_EXEC_OUTPUT_BYTES) {
        truncated = true;
        continue;
      }
      const part = f.payload.subarray(0, MAX_EXEC_OUTPUT_BYTES - size);
      if (part.length < f.payload.length) truncated = true;
      chunks.push(part);
      size += part.length;
    }
  };
  const output = (): string => Buffer.concat(chunks).toString('utf8') + (truncated ? '\n[output truncated]' : '');

  const ac = new AbortController();
  let stream: Duplex | undefined;
  let timer: NodeJS.Timeout | undefined;
  const finished = await new Promise<'done' | 'timeout'>((resolve, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      stream?.destroy();
      resolve('timeout');
    }, remaining());
    instance.start({ hijack: true, stdin: false, Detach: false, Tty: false, abortSignal: ac.signal }).then(
      (s) => {
        stream = s;
        if (ac.signal.aborted) {
          s.destroy();
          return;
        }
        s.on('data', (chunk: Buffer | string) => collect(toBuffer(chunk)));
        s.on('end', () => resolve('done'));
        s.on('close', () => resolve('done'));
        s.on('error', (e) => {
          // A reset after the command ended is not a failure; the inspect below tells.
          c.log.debug('exec stream error', { id, error: e });
          resolve('done');
        });
      },
      (e: unknown) => {
        if (ac.signal.aborted) resolve('timeout');
        else reject(c.toEngineError(what, e));
      },
    );
  }).finally(() => clearTimeout(timer));
  if (finished === 'timeout') {
    c.log.info('exec timed out', { id, cmd, timeoutMs });
    return timedOut(output());
  }

  // The stream ends when the process exits; Docker records the exit code a moment later.
  for (;;) {
    const info = await c.call(`inspect exec in ${id}`, (signal) => instance.inspect({ abortSignal: signal }));
    if (!info.Running && info.ExitCode !== null) return { exitCode: info.ExitCode, output: output() };
    if (performance.now() - started >= timeoutMs) return timedOut(output());
    await new Promise((r) => setTimeout(r, 20));
  }
}

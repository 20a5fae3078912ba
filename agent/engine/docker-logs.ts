/** A container's log lines, demultiplexed into stdout and stderr; followed until aborted. */
import { Readable } from 'node:stream';
import type { DockerClient } from './docker-client.js';
import { FrameDemuxer, LineSplitter, toBuffer, type StdStream } from './docker-stream.js';
import type { LogOptions } from './types.js';

type LogLine = { stream: StdStream; line: string };

export async function* logs(c: DockerClient, id: string, logOpts: LogOptions): AsyncGenerator<LogLine> {
  const signal = logOpts.signal;
  if (signal?.aborted) return;
  const container = c.docker.getContainer(id);
  const base = {
    stdout: true,
    stderr: true,
    timestamps: logOpts.timestamps ?? false,
    ...(logOpts.tail === undefined ? {} : { tail: Math.max(0, Math.floor(logOpts.tail)) }),
    // Docker reads `seconds.nanoseconds`.
    ...(logOpts.since === undefined ? {} : { since: Math.max(0, logOpts.since).toFixed(9) }),
  };
  const what = `logs of container ${id}`;
  let source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>;
  let stream: NodeJS.ReadableStream | undefined;
  try {
    if (logOpts.follow) {
      // The time limit covers the answer's headers; the stream then runs until it ends or
      // the caller's signal fires.
      const ac = new AbortController();
      const onCallerAbort = (): void => ac.abort();
      signal?.addEventListener('abort', onCallerAbort, { once: true });
      try {
        stream = await c.call(what, (s) => {
          s.addEventListener('abort', () => ac.abort(), { once: true });
          return container.logs({ ...base, follow: true, abortSignal: ac.signal });
        });
      } finally {
        signal?.removeEventListener('abort', onCallerAbort);
      }
      source = stream;
    } else {
      const body: unknown = await c.call(what, (s) =>
        container.logs({ ...base, follow: false, abortSignal: signal === undefined ? s : AbortSignal.any([s, signal]) }),
      );
      source = [toBuffer(body)];
    }
  } catch (e) {
    if (signal?.aborted) return;
    throw c.toEngineError(what, e);
  }
  const onAbort = (): void => {
    if (stream instanceof Readable) stream.destroy();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const demux = new FrameDemuxer();
  const splitters: Record<StdStream, LineSplitter> = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  try {
    for await (const chunk of source) {
      for (const f of demux.push(toBuffer(chunk))) {
        for (const line of splitters[f.stream].push(f.payload)) {
          if (signal?.aborted) return;
          yield { stream: f.stream, line };
        }
      }
    }
    if (signal?.aborted) return;
    for (const s of ['stdout', 'stderr'] as const) {
      const last = splitters[s].flush();
      if (last !== undefined) yield { stream: s, line: last };
    }
  } catch (e) {
    if (signal?.aborted) return;
    throw c.toEngineError(what, e);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (stream instanceof Readable && !stream.destroyed) stream.destroy();
  }
}

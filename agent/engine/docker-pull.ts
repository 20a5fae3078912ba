/** Images: inspect, and pull with progress, registry auth, platform and abort. */
import { Readable } from 'node:stream';
import { isRecord, type JsonObject } from '../../shared/util/guards.js';
import type { DockerClient } from './docker-client.js';
import { dockerErrorParts, toImageInfo, UNREACHABLE_ERRNO, withTag } from './docker-map.js';
import { LineSplitter, parseJsonLine, toBuffer } from './docker-stream.js';
import { EngineError, isEngineError } from './errors.js';
import type { ImageInfo, PullOptions, PullProgress } from './types.js';

export async function inspectImage(c: DockerClient, ref: string): Promise<ImageInfo | undefined> {
  try {
    const info = await c.call(`inspect image ${ref}`, () => c.docker.getImage(ref).inspect());
    return toImageInfo(info);
  } catch (e) {
    if (isEngineError(e, 'NotFound')) return undefined;
    throw e;
  }
}

export async function pullImage(c: DockerClient, ref: string, pullOpts: PullOptions): Promise<ImageInfo> {
  const image = withTag(ref);
  const what = `pull ${image}`;
  const outer = pullOpts.signal;
  if (outer?.aborted) throw new EngineError('Aborted', `${what}: aborted`);
  const started = performance.now();
  const ac = new AbortController();
  let stream: NodeJS.ReadableStream | undefined;
  const onAbort = (): void => {
    ac.abort();
    if (stream instanceof Readable) stream.destroy();
  };
  outer?.addEventListener('abort', onAbort, { once: true });
  const query: JsonObject = { fromImage: image, abortSignal: ac.signal };
  if (pullOpts.platform !== undefined && pullOpts.platform !== '') query.platform = pullOpts.platform;
  const auth = pullOpts.auth === undefined ? undefined : authConfig(pullOpts.auth);
  c.log.info('pulling image', { image, platform: pullOpts.platform, auth: auth !== undefined });
  let failure: string | undefined;
  let events = 0;
  try {
    try {
      stream = auth === undefined ? await c.docker.createImage(query) : await c.docker.createImage(auth, query);
    } catch (e) {
      if (outer?.aborted) throw new EngineError('Aborted', `${what}: aborted`, { cause: e });
      const p = dockerErrorParts(e);
      if (p.statusCode === undefined && p.errno !== undefined && UNREACHABLE_ERRNO.has(p.errno)) {
        throw c.toEngineError(what, e);
      }
      const init: { statusCode?: number; cause: unknown } = { cause: e };
      if (p.statusCode !== undefined) init.statusCode = p.statusCode;
      c.log.warn('image pull failed', { image, error: p.message });
      throw new EngineError('PullFailed', `${what}: ${p.message}`, init);
    }
    if (outer?.aborted && stream instanceof Readable) stream.destroy();
    const lines = new LineSplitter();
    const handle = (line: string): void => {
      const msg = parseJsonLine(line);
      if (!isRecord(msg)) return;
      const err = pullError(msg);
      if (err !== undefined) {
        failure ??= err;
        return;
      }
      const progress = toProgress(msg);
      if (progress === undefined) return;
      events++;
      if (pullOpts.onProgress === undefined) return;
      try {
        pullOpts.onProgress(progress);
      } catch (e) {
        c.log.warn('pull progress callback threw', { image, error: e });
      }
    };
    for await (const chunk of stream) {
      for (const line of lines.push(toBuffer(chunk))) handle(line);
    }
    const last = lines.flush();
    if (last !== undefined) handle(last);
  } catch (e) {
    if (outer?.aborted) {
      c.log.info('image pull aborted', { image, ms: Math.round(performance.now() - started) });
      throw new EngineError('Aborted', `${what}: aborted`, { cause: e });
    }
    if (e instanceof EngineError) throw e;
    throw new EngineError('PullFailed', `${what}: ${dockerErrorParts(e).message}`, { cause: e });
  } finally {
    outer?.removeEventListener('abort', onAbort);
  }
  if (outer?.aborted) throw new EngineError('Aborted', `${what}: aborted`);
  if (failure !== undefined) {
    c.log.warn('image pull failed', { image, error: failure });
    throw new EngineError('PullFailed', `${what}: ${failure}`);
  }
  const info = await inspectImage(c, image);
  if (info === undefined) throw new EngineError('PullFailed', `${what}: Docker reported success but has no such image`);
  c.log.info('pulled image', { image, id: info.id, events, ms: Math.round(performance.now() - started) });
  return info;
}

function authConfig(a: NonNullable<PullOptions['auth']>): JsonObject {
  const out: JsonObject = { serveraddress: a.serveraddress };
  if (a.username !== undefined) out.username = a.username;
  if (a.password !== undefined) out.password = a.password;
  if (a.auth !== undefined) out.auth = a.auth;
  return out;
}

/** The error of one pull message (`{"error": …, "errorDetail": {"message": …}}`), if any. */
function pullError(msg: JsonObject): string | undefined {
  const detail = msg.errorDetail;
  if (isRecord(detail) && typeof detail.message === 'string' && detail.message !== '') return detail.message;
  if (typeof msg.error === 'string' && msg.error !== '') return msg.error;
  return undefined;
}

function toProgress(msg: JsonObject): PullProgress | undefined {
  if (typeof msg.status !== 'string') return undefined;
  const p: PullProgress = { status: msg.status };
  if (typeof msg.id === 'string' && msg.id !== '') p.id = msg.id;
  const d = msg.progressDetail;
  if (isRecord(d)) {
    if (typeof d.current === 'number') p.current = d.current;
    if (typeof d.total === 'number') p.total = d.total;
  }
  return p;
}

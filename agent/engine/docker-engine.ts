/**
 * The ContainerEngine over a real Docker engine (dockerode on its unix socket). The only module
 * that talks to Docker; see types.ts for the contract.
 *
 * - Every non-streaming call has a time limit (`requestTimeoutMs`) and aborts its HTTP request
 *   when it runs out, so a hung dockerd cannot wedge the reconcile loop.
 * - Docker's own error text is kept in messages; callers branch on EngineError.code.
 * - Idempotent where the reconciler needs it: starting a running container, stopping a stopped
 *   or missing one and removing a missing one succeed.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import Docker from 'dockerode';
import { isRecord, type JsonObject } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import {
  dockerErrorParts,
  toCreateOptions,
  toImageInfo,
  toObserved,
  UNREACHABLE_ERRNO,
  withTag,
} from './docker-map.js';
import { FrameDemuxer, LineSplitter, parseJsonLine, type StdStream } from './docker-stream.js';
import { EngineError, isEngineError } from './errors.js';
import { memoryCgroupEnabled, platformOf } from './platform.js';
import {
  LABELS,
  type ContainerCreateSpec,
  type ContainerEngine,
  type ExecResult,
  type ImageInfo,
  type LogOptions,
  type ObservedContainer,
  type PullOptions,
  type PullProgress,
  type RuntimeInfo,
} from './types.js';

export interface DockerEngineOptions {
  /** Docker's API socket, e.g. /var/run/docker.sock. */
  socketPath: string;
  logger: Logger;
  /** Time limit of one non-streaming API call (list, inspect, create, start, remove, …). */
  requestTimeoutMs?: number;
  /** Where /proc is (platform variant, memory cgroup). Default `/proc`. */
  procRoot?: string;
  /** Where /sys is (cgroup version when Docker does not say). Default `/sys`. */
  sysRoot?: string;
  /** How many containers listManaged inspects at once. Default 4. */
  inspectConcurrency?: number;
  /**
   * When set (the agent passes its node name), every container created is labelled with it and
   * listManaged returns only containers with that label.
   */
  owner?: string;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** Exec output beyond this is dropped (probes need a few lines, not megabytes). */
const MAX_EXEC_OUTPUT_BYTES = 256 * 1024;

type LogLine = { stream: StdStream; line: string };

export function createDockerEngine(opts: DockerEngineOptions): ContainerEngine {
  const docker = new Docker({ socketPath: opts.socketPath });
  const log = opts.logger.child({ component: 'engine' });
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const procRoot = opts.procRoot ?? '/proc';
  const sysRoot = opts.sysRoot ?? '/sys';
  const inspectConcurrency = Math.max(1, opts.inspectConcurrency ?? 4);

  /** Any error from dockerode as an EngineError that says what was being done. */
  function toEngineError(what: string, e: unknown): EngineError {
    if (e instanceof EngineError) return e;
    const p = dockerErrorParts(e);
    if (p.statusCode === undefined && p.errno !== undefined && UNREACHABLE_ERRNO.has(p.errno)) {
      return new EngineError('Unavailable', `${what}: Docker is unreachable at ${opts.socketPath}: ${p.message}`, {
        cause: e,
      });
    }
    if (p.aborted) return new EngineError('Aborted', `${what}: aborted`, { cause: e });
    const code = p.statusCode === 404 ? 'NotFound' : 'Failed';
    const init: { statusCode?: number; cause: unknown } = { cause: e };
    if (p.statusCode !== undefined) init.statusCode = p.statusCode;
    return new EngineError(code, `${what}: ${p.message}`, init);
  }

  /**
   * One API call with the request time limit: the signal aborts the HTTP request, and the race
   * covers the few dockerode calls whose typings take no signal.
   */
  async function call<T>(what: string, fn: (signal: AbortSignal) => Promise<T>, timeoutMs = requestTimeoutMs): Promise<T> {
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        ac.abort();
        reject(new EngineError('Timeout', `${what}: Docker did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([fn(ac.signal), deadline]);
    } catch (e) {
      throw toEngineError(what, e);
    } finally {
      clearTimeout(timer);
    }
  }

  async function readOptional(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, 'utf8');
    } catch {
      return undefined;
    }
  }

  async function inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const info = await call(`inspect image ${ref}`, () => docker.getImage(ref).inspect());
      return toImageInfo(info);
    } catch (e) {
      if (isEngineError(e, 'NotFound')) return undefined;
      throw e;
    }
  }

  async function inspectManaged(id: string): Promise<ObservedContainer | undefined> {
    try {
      const info = await call(`inspect container ${id}`, (signal) =>
        docker.getContainer(id).inspect({ abortSignal: signal }),
      );
      return toObserved(info);
    } catch (e) {
      // Removed between the list and the inspect: it is gone, which is what the list would say now.
      if (isEngineError(e, 'NotFound')) return undefined;
      throw e;
    }
  }

  /** Kills at once (SIGKILL) and waits until the container no longer runs. */
  async function killNow(id: string): Promise<void> {
    const c = docker.getContainer(id);
    try {
      await call(`kill container ${id}`, (signal) => c.kill({ signal: 'SIGKILL', abortSignal: signal }));
    } catch (e) {
      // 404: gone; 409: not running. Both mean there is nothing to kill.
      if (!(isEngineError(e) && (e.statusCode === 404 || e.statusCode === 409))) throw e;
    }
    try {
      await call(`wait for container ${id}`, (signal) => c.wait({ condition: 'not-running', abortSignal: signal }));
    } catch (e) {
      if (!isEngineError(e, 'NotFound')) throw e;
    }
  }

  async function pullImage(ref: string, pullOpts: PullOptions): Promise<ImageInfo> {
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
    log.info('pulling image', { image, platform: pullOpts.platform, auth: auth !== undefined });
    let failure: string | undefined;
    let events = 0;
    try {
      try {
        stream = auth === undefined ? await docker.createImage(query) : await docker.createImage(auth, query);
      } catch (e) {
        if (outer?.aborted) throw new EngineError('Aborted', `${what}: aborted`, { cause: e });
        const p = dockerErrorParts(e);
        if (p.statusCode === undefined && p.errno !== undefined && UNREACHABLE_ERRNO.has(p.errno)) {
          throw toEngineError(what, e);
        }
        const init: { statusCode?: number; cause: unknown } = { cause: e };
        if (p.statusCode !== undefined) init.statusCode = p.statusCode;
        log.warn('image pull failed', { image, error: p.message });
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
          log.warn('pull progress callback threw', { image, error: e });
        }
      };
      for await (const chunk of stream) {
        for (const line of lines.push(toBuffer(chunk))) handle(line);
      }
      const last = lines.flush();
      if (last !== undefined) handle(last);
    } catch (e) {
      if (outer?.aborted) {
        log.info('image pull aborted', { image, ms: Math.round(performance.now() - started) });
        throw new EngineError('Aborted', `${what}: aborted`, { cause: e });
      }
      if (e instanceof EngineError) throw e;
      throw new EngineError('PullFailed', `${what}: ${dockerErrorParts(e).message}`, { cause: e });
    } finally {
      outer?.removeEventListener('abort', onAbort);
    }
    if (outer?.aborted) throw new EngineError('Aborted', `${what}: aborted`);
    if (failure !== undefined) {
      log.warn('image pull failed', { image, error: failure });
      throw new EngineError('PullFailed', `${what}: ${failure}`);
    }
    const info = await inspectImage(image);
    if (info === undefined) throw new EngineError('PullFailed', `${what}: Docker reported success but has no such image`);
    log.info('pulled image', { image, id: info.id, events, ms: Math.round(performance.now() - started) });
    return info;
  }

  async function createContainer(spec: ContainerCreateSpec): Promise<string> {
    const what = `create container ${spec.name}`;
    let body;
    try {
      body = toCreateOptions(opts.owner === undefined ? spec : { ...spec, labels: { ...spec.labels, [LABELS.owner]: opts.owner } });
    } catch (e) {
      throw new EngineError('Failed', `${what}: ${dockerErrorParts(e).message}`, { cause: e });
    }
    try {
      const c = await call(what, (signal) => docker.createContainer({ ...body, abortSignal: signal }));
      log.info('created container', { name: spec.name, id: c.id, image: spec.image });
      return c.id;
    } catch (e) {
      if (!isEngineError(e)) throw e;
      const init = { statusCode: e.statusCode, cause: e.cause };
      const reason = e.message.slice(what.length + 2);
      if (e.statusCode === 409) {
        throw new EngineError('NameConflict', `${what}: the name ${spec.name} is already in use (${reason})`, init);
      }
      if (e.statusCode === 404) {
        throw new EngineError('ImageNotFound', `${what}: image ${spec.image} is not present on this node (${reason})`, init);
      }
      throw e;
    }
  }

  async function startContainer(id: string): Promise<void> {
    try {
      await call(`start container ${id}`, (signal) => docker.getContainer(id).start({ abortSignal: signal }));
      log.info('started container', { id });
    } catch (e) {
      if (!isEngineError(e)) throw e;
      if (e.statusCode === 304) return; // already running
      // A 404 about another container (the sandbox of `container:<id>` mode is gone) is not
      // "this container does not exist".
      if (e.code === 'NotFound' && !e.message.includes(`No such container: ${id}`)) {
        throw new EngineError('Failed', e.message, { statusCode: 404, cause: e.cause });
      }
      throw e;
    }
  }

  async function stopContainer(id: string, graceSeconds: number, signal?: AbortSignal): Promise<void> {
    const t = Math.max(0, Math.ceil(graceSeconds));
    const started = performance.now();
    if (signal?.aborted) {
      await killNow(id);
      log.info('killed container (stop aborted)', { id });
      return;
    }
    const ac = new AbortController();
    const onAbort = (): void => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // Docker sends the stop signal, waits t seconds, kills; the answer comes once it stopped.
      await call(
        `stop container ${id}`,
        (timeoutSignal) => docker.getContainer(id).stop({ t, abortSignal: AbortSignal.any([timeoutSignal, ac.signal]) }),
        t * 1000 + requestTimeoutMs,
      );
      log.info('stopped container', { id, graceSeconds: t, ms: Math.round(performance.now() - started) });
    } catch (e) {
      if (signal?.aborted) {
        await killNow(id);
        log.info('killed container (stop aborted)', { id, ms: Math.round(performance.now() - started) });
        return;
      }
      // 304: already stopped; 404: no such container. Nothing runs either way.
      if (isEngineError(e) && (e.statusCode === 304 || e.statusCode === 404)) return;
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async function removeContainer(id: string): Promise<void> {
    const c = docker.getContainer(id);
    try {
      await call(`remove container ${id}`, (signal) => c.remove({ force: true, v: false, abortSignal: signal }));
      log.info('removed container', { id });
    } catch (e) {
      if (isEngineError(e, 'NotFound')) return;
      // "removal of container … is already in progress": wait for the other removal to finish.
      if (isEngineError(e) && e.statusCode === 409 && /already in progress/i.test(e.message)) {
        await waitGone(id);
        return;
      }
      throw e;
    }
  }

  async function waitGone(id: string): Promise<void> {
    const deadline = performance.now() + requestTimeoutMs;
    while (performance.now() < deadline) {
      try {
        await call(`inspect container ${id}`, (signal) => docker.getContainer(id).inspect({ abortSignal: signal }));
      } catch (e) {
        if (isEngineError(e, 'NotFound')) return;
        throw e;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new EngineError('Timeout', `remove container ${id}: still present after ${requestTimeoutMs} ms`);
  }

  async function exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    const what = `exec in ${id}`;
    const started = performance.now();
    const remaining = (): number => Math.max(1, timeoutMs - (performance.now() - started));
    const timedOut = (output: string): ExecResult => ({
      exitCode: -1,
      output: `${output}${output === '' || output.endsWith('\n') ? '' : '\n'}exec ${JSON.stringify(cmd)} timed out after ${timeoutMs} ms`,
    });
    let instance: Docker.Exec;
    try {
      instance = await call(
        what,
        (signal) =>
          docker.getContainer(id).exec({
            Cmd: cmd,
            AttachStdin: false,
            AttachStdout: true,
            AttachStderr: true,
            Tty: false,
            abortSignal: signal,
          }),
        Math.min(requestTimeoutMs, remaining()),
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
          s.on('data', (c: Buffer | string) => collect(toBuffer(c)));
          s.on('end', () => resolve('done'));
          s.on('close', () => resolve('done'));
          s.on('error', (e) => {
            // A reset after the command ended is not a failure; the inspect below tells.
            log.debug('exec stream error', { id, error: e });
            resolve('done');
          });
        },
        (e: unknown) => {
          if (ac.signal.aborted) resolve('timeout');
          else reject(toEngineError(what, e));
        },
      );
    }).finally(() => clearTimeout(timer));
    if (finished === 'timeout') {
      log.info('exec timed out', { id, cmd, timeoutMs });
      return timedOut(output());
    }

    // The stream ends when the process exits; Docker records the exit code a moment later.
    for (;;) {
      const info = await call(`inspect exec in ${id}`, (signal) => instance.inspect({ abortSignal: signal }));
      if (!info.Running && info.ExitCode !== null) return { exitCode: info.ExitCode, output: output() };
      if (performance.now() - started >= timeoutMs) return timedOut(output());
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function* logs(id: string, logOpts: LogOptions): AsyncGenerator<LogLine> {
    const signal = logOpts.signal;
    if (signal?.aborted) return;
    const c = docker.getContainer(id);
    const base = {
      stdout: true,
      stderr: true,
      timestamps: logOpts.timestamps ?? false,
      ...(logOpts.tail === undefined ? {} : { tail: Math.max(0, Math.floor(logOpts.tail)) }),
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
          stream = await call(what, (s) => {
            s.addEventListener('abort', () => ac.abort(), { once: true });
            return c.logs({ ...base, follow: true, abortSignal: ac.signal });
          });
        } finally {
          signal?.removeEventListener('abort', onCallerAbort);
        }
        source = stream;
      } else {
        const body: unknown = await call(what, (s) =>
          c.logs({ ...base, follow: false, abortSignal: signal === undefined ? s : AbortSignal.any([s, signal]) }),
        );
        source = [toBuffer(body)];
      }
    } catch (e) {
      if (signal?.aborted) return;
      throw toEngineError(what, e);
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
      throw toEngineError(what, e);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (stream instanceof Readable && !stream.destroyed) stream.destroy();
    }
  }

  return {
    async info(): Promise<RuntimeInfo> {
      const [version, raw, cpuinfo, procCgroups] = await Promise.all([
        call<unknown>('GET /version', () => docker.version()),
        call<unknown>('GET /info', () => docker.info() as Promise<unknown>),
        readOptional(join(procRoot, 'cpuinfo')),
        readOptional(join(procRoot, 'cgroups')),
      ]);
      const v = isRecord(version) ? version : {};
      const i = isRecord(raw) ? raw : {};
      const str = (o: JsonObject, k: string): string => {
        const x = o[k];
        return typeof x === 'string' ? x : '';
      };
      let cgroupVersion: RuntimeInfo['cgroupVersion'];
      const reported = str(i, 'CgroupVersion');
      if (reported === '1' || reported === '2') cgroupVersion = reported;
      else cgroupVersion = (await exists(join(sysRoot, 'fs/cgroup/cgroup.controllers'))) ? '2' : '1';
      const memoryEnabled = memoryCgroupEnabled(procCgroups);
      const result: RuntimeInfo = {
        version: str(v, 'Version') || str(i, 'ServerVersion'),
        apiVersion: str(v, 'ApiVersion'),
        platform: platformOf({
          os: str(v, 'Os') || str(i, 'OSType'),
          goArch: str(v, 'Arch'),
          unameMachine: str(i, 'Architecture'),
          ...(cpuinfo === undefined ? {} : { cpuinfo }),
        }),
        cgroupVersion,
        memoryLimitSupported: i.MemoryLimit === true && memoryEnabled !== false,
        swapLimitSupported: i.SwapLimit === true && memoryEnabled !== false,
        pidsLimitSupported: i.PidsLimit === true,
        cpuCfsQuotaSupported: i.CpuCfsQuota === true,
        dataRoot: str(i, 'DockerRootDir'),
      };
      log.debug('runtime info', { ...result });
      return result;
    },

    async listManaged(): Promise<ObservedContainer[]> {
      const label = [`${LABELS.managed}=true`, ...(opts.owner === undefined ? [] : [`${LABELS.owner}=${opts.owner}`])];
      const list = await call('list managed containers', (signal) => docker.listContainers({ all: true, filters: { label }, abortSignal: signal }));
      // The server-side filter already did it; checked again so nothing else can ever slip in.
      const ours = (l: Record<string, string> | undefined): boolean =>
        l?.[LABELS.managed] === 'true' && (opts.owner === undefined || l[LABELS.owner] === opts.owner);
      const ids = list.filter((c) => ours(c.Labels)).map((c) => c.Id);
      const observed = await mapLimit(ids, inspectConcurrency, inspectManaged);
      return observed
        .filter((o): o is ObservedContainer => o !== undefined)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },

    inspectImage,
    pullImage,
    createContainer,
    startContainer,
    stopContainer,
    removeContainer,
    exec,
    logs,
  };
}

// ---- helpers -----------------------------------------------------------------------------------

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

function toBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v instanceof Uint8Array) return Buffer.from(v);
  // docker-modem parses a body that happens to be JSON; give the text back.
  return v === undefined || v === null ? Buffer.alloc(0) : Buffer.from(JSON.stringify(v), 'utf8');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const item = items[i];
      if (item === undefined) continue;
      out[i] = await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

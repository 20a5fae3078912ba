/**
 * The one Docker API client of the agent (dockerode on the engine's unix socket) and the call
 * discipline every engine operation shares:
 *
 * - Every non-streaming call has a time limit (`requestTimeoutMs`) and aborts its HTTP request
 *   when it runs out, so a hung dockerd cannot wedge the reconcile loop.
 * - Docker's own error text is kept in messages; callers branch on EngineError.code.
 */
import Docker from 'dockerode';
import type { Logger } from '../../shared/util/logger.js';
import { dockerErrorParts, UNREACHABLE_ERRNO } from './docker-map.js';
import { EngineError } from './errors.js';

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

export interface DockerClient {
  readonly docker: Docker;
  readonly log: Logger;
  readonly socketPath: string;
  readonly owner: string | undefined;
  readonly requestTimeoutMs: number;
  /**
   * One API call with a time limit (default `requestTimeoutMs`): the signal aborts the HTTP
   * request, and the race covers the few dockerode calls whose typings take no signal.
   */
  call<T>(what: string, fn: (signal: AbortSignal) => Promise<T>, timeoutMs?: number): Promise<T>;
  /** Any error from dockerode as an EngineError that says what was being done. */
  toEngineError(what: string, e: unknown): EngineError;
}

export function createDockerClient(opts: DockerEngineOptions): DockerClient {
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

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

  return {
    docker: new Docker({ socketPath: opts.socketPath }),
    log: opts.logger.child({ component: 'engine' }),
    socketPath: opts.socketPath,
    owner: opts.owner,
    requestTimeoutMs,
    call,
    toEngineError,
  };
}

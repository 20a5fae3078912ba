/**
 * `GET /api/v1/namespaces/NS/pods/NAME/log`: a container's log, streamed as text/plain from
 * the device the pod is bound to. Query parameters as Kubernetes' PodLogOptions: `container`,
 * `follow`, `tailLines`, `timestamps`, `limitBytes`, `previous` (the container's last
 * terminated instance, which the device keeps), and `sinceSeconds` or `sinceTime` (the device
 * filters by its own log timestamps, as a kubelet does).
 *
 * The API server does not speak MQTT: a PodLogSource (the fleet link's relay) carries the
 * request to the node and its answer back. Nothing is sent until the device answers, so a
 * device that does not (offline, or the request lost) gets the client a Status, not an empty
 * 200. A client that reads too slowly does not make the hub buffer without bound: past
 * `maxBufferedBytes` the log is dropped and a marker line says how much.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../../shared/api/errors.js';
import { fromStore, type Pod } from '../../shared/api/types/index.js';
import { rfc3339Problems } from '../../shared/protocol/fields.js';
import type { Logger } from '../../shared/util/logger.js';
import type { ResourcePath } from './request-path.js';
import type { ResourceService } from './resource-service.js';

/** Per stream: what a slow client may have queued before the log is dropped (a marker says how much). */
export const POD_LOG_MAX_BUFFERED_BYTES = 1024 * 1024;

/** What the hub asks a node for. */
export interface PodLogRequest {
  node: string;
  namespace: string;
  pod: string;
  podUid: string;
  container: string;
  follow: boolean;
  tailLines?: number;
  timestamps: boolean;
  previous?: boolean;
  sinceSeconds?: number;
  sinceTime?: string;
}

/** How a stream ended. `timeout`: the device never answered; `idle`: it went silent; `gone`: it went offline. */
export type PodLogEnd =
  | { kind: 'eof' }
  | { kind: 'error'; message: string }
  | { kind: 'timeout' }
  | { kind: 'idle' }
  | { kind: 'gone'; message: string };

/** Receives one stream, in this order: open (once, if the device answered), data and lost, then end. */
export interface PodLogSink {
  /** The device answered: the stream is open. */
  open(): void;
  data(text: string): void;
  /** `chunks` chunks never arrived (they travel at QoS 0). */
  lost(chunks: number): void;
  end(outcome: PodLogEnd): void;
}

export interface PodLogSource {
  /**
   * Asks the pod's node for the log; `sink` hears the answer. Returns a function that cancels
   * the stream (the client went away). Throws an ApiError (429) when too many are open.
   */
  open(req: PodLogRequest, sink: PodLogSink): () => void;
}

export interface PodLogDeps {
  service: ResourceService;
  /** Undefined: this hub has no fleet link; log requests get 503. */
  logs?: PodLogSource;
  logger: Logger;
  /** Bytes queued for a slow client before the log is dropped (with a marker line). */
  maxBufferedBytes: number;
}

/** The options a log request gave, checked. */
export interface PodLogOptions {
  container?: string;
  follow: boolean;
  tailLines?: number;
  timestamps: boolean;
  limitBytes?: number;
  previous: boolean;
  sinceSeconds?: number;
  sinceTime?: string;
}

/** Kubernetes' query-parameter booleans: absent is false; `0`, `f`, `false`, `n`, `no` are false; anything else true. */
export function queryBool(params: URLSearchParams, name: string): boolean {
  const v = params.get(name);
  if (v === null) return false;
  return !['0', 'f', 'false', 'n', 'no'].includes(v.toLowerCase());
}

function queryInt(params: URLSearchParams, name: string, min: number, rule: string): number | undefined {
  const v = params.get(name);
  if (v === null) return undefined;
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(Number(v))) throw ApiError.badRequest(`Invalid value: ${JSON.stringify(v)}: must be an integer`, name);
  const n = Number(v);
  if (n < min) throw ApiError.badRequest(`Invalid value: ${n}: ${rule}`, name);
  return n;
}

/** Parses and checks PodLogOptions from the query; throws a 400 naming the parameter. */
export function parsePodLogOptions(params: URLSearchParams): PodLogOptions {
  const out: PodLogOptions = { follow: queryBool(params, 'follow'), timestamps: queryBool(params, 'timestamps'), previous: queryBool(params, 'previous') };
  const container = params.get('container');
  if (container !== null && container !== '') out.container = container;
  const tailLines = queryInt(params, 'tailLines', 0, 'must be greater than or equal to 0');
  if (tailLines !== undefined) out.tailLines = tailLines;
  const limitBytes = queryInt(params, 'limitBytes', 1, 'must be greater than 0');
  if (limitBytes !== undefined) out.limitBytes = limitBytes;
  const sinceSeconds = queryInt(params, 'sinceSeconds', 1, 'must be greater than 0');
  const sinceTime = params.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime !== null) throw ApiError.badRequest('at most one of sinceTime or sinceSeconds may be specified', 'sinceTime');
  if (sinceSeconds !== undefined) out.sinceSeconds = sinceSeconds;
  if (sinceTime !== null) {
    if (sinceTime.length > 40 || rfc3339Problems(sinceTime).length > 0) throw ApiError.badRequest(`Invalid value: ${JSON.stringify(sinceTime.slice(0, 40))}: must be an RFC 3339 time`, 'sinceTime');
    out.sinceTime = sinceTime;
  }
  return out;
}

/** Kubernetes' choice of container: the one asked for (it must exist), else the only one. */
export function chooseContainer(pod: Pod, asked: string | undefined): string {
  const name = pod.metadata.name ?? '';
  const containers = pod.spec.containers.map((c) => c.name);
  const init = (pod.spec.initContainers ?? []).map((c) => c.name);
  if (asked !== undefined) {
    if (!containers.includes(asked) && !init.includes(asked)) throw ApiError.badRequest(`container ${asked} is not valid for pod ${name}`);
    return asked;
  }
  const [only] = containers;
  if (containers.length === 1 && only !== undefined) return only;
  if (containers.length === 0) throw ApiError.badRequest(`a container name must be specified for pod ${name}`);
  let message = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
  if (init.length > 0) message += ` or one of the init containers: [${init.join(' ')}]`;
  throw ApiError.badRequest(message);
}

/** The pod's node, or the 400 Kubernetes gives for an unscheduled pod. */
export function boundNode(pod: Pod): string {
  const node = pod.spec.nodeName;
  if (!node) throw ApiError.badRequest(`pod ${pod.metadata.name ?? ''} does not have a host assigned`);
  return node;
}

/** The Status for a stream that ended before the device answered. */
export function unansweredError(end: PodLogEnd, node: string): ApiError {
  switch (end.kind) {
    case 'timeout':
      return new ApiError(504, 'Timeout', `the device did not answer; is it connected? (node ${node})`);
    case 'error':
      return ApiError.badRequest(end.message);
    case 'gone':
      return new ApiError(503, 'ServiceUnavailable', end.message);
    case 'idle':
    case 'eof':
      // Not sent before open by the relay; answered as a device that said nothing.
      return new ApiError(504, 'Timeout', `the device did not answer; is it connected? (node ${node})`);
  }
}

/** The marker written in place of what was dropped or lost. */
export function markerLine(what: string): string {
  return `[flotilla] ${what}\n`;
}

export async function servePodLog(req: IncomingMessage, res: ServerResponse, path: ResourcePath, params: URLSearchParams, deps: PodLogDeps): Promise<void> {
  if ((req.method ?? 'GET') !== 'GET') throw new ApiError(405, 'MethodNotAllowed', `method ${req.method ?? ''} is not supported on pods/log`);
  const opts = parsePodLogOptions(params);
  const pod = fromStore('Pod', await deps.service.get(path));
  const container = chooseContainer(pod, opts.container);
  const node = boundNode(pod);
  const source = deps.logs;
  if (!source) throw new ApiError(503, 'ServiceUnavailable', 'log streaming is not available on this hub');
  const request: PodLogRequest = {
    node,
    namespace: pod.metadata.namespace ?? path.namespace ?? 'default',
    pod: pod.metadata.name ?? '',
    podUid: pod.metadata.uid ?? '',
    container,
    follow: opts.follow,
    timestamps: opts.timestamps,
    ...(opts.previous ? { previous: true } : {}),
    ...(opts.tailLines !== undefined ? { tailLines: opts.tailLines } : {}),
    ...(opts.sinceSeconds !== undefined ? { sinceSeconds: opts.sinceSeconds } : {}),
    ...(opts.sinceTime !== undefined ? { sinceTime: opts.sinceTime } : {}),
  };
  const log = deps.logger.child({ component: 'pod-log', node, namespace: request.namespace, pod: request.pod, container });
  await new Promise<void>((resolve, reject) => {
    let opened = false;
    let done = false;
    let written = 0;
    let dropped = 0;
    let lastByte = 0x0a;
    let cancelStream: () => void = () => undefined;
    const write = (chunk: Buffer): void => {
      if (chunk.length === 0) return;
      res.write(chunk);
      written += chunk.length;
      lastByte = chunk[chunk.length - 1] ?? lastByte;
    };
    const mark = (what: string): void => {
      res.write((lastByte === 0x0a ? '' : '\n') + markerLine(what));
      lastByte = 0x0a;
    };
    const flushDropped = (): void => {
      if (dropped === 0) return;
      mark(`${dropped} bytes of log dropped: the client reads too slowly`);
      dropped = 0;
    };
    const finish = (): void => {
      done = true;
      res.off('close', onClientGone);
      resolve();
    };
    // The response closes when the client goes away (or after the answer is complete).
    const onClientGone = (): void => {
      if (done) return;
      log.debug('log client went away', { opened });
      cancelStream();
      finish();
    };
    const sink: PodLogSink = {
      open() {
        if (done || opened) return;
        opened = true;
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache, private', 'X-Content-Type-Options': 'nosniff' });
        res.flushHeaders();
      },
      data(text) {
        if (done || !opened) return;
        const chunk = Buffer.from(text, 'utf8');
        if (opts.limitBytes !== undefined && written + chunk.length >= opts.limitBytes) {
          write(chunk.subarray(0, opts.limitBytes - written));
          cancelStream();
          res.end();
          finish();
          return;
        }
        if (res.writableLength > deps.maxBufferedBytes) {
          dropped += chunk.length;
          return;
        }
        flushDropped();
        write(chunk);
      },
      lost(chunks) {
        if (done || !opened) return;
        mark(`${chunks} log chunk(s) lost on the way from the device`);
      },
      end(outcome) {
        if (done) return;
        if (!opened) {
          done = true;
          res.off('close', onClientGone);
          reject(unansweredError(outcome, node));
          return;
        }
        if (outcome.kind === 'eof') {
          flushDropped();
          res.end();
        } else {
          // The log is incomplete: the client sees a broken stream, not a clean end.
          log.warn('log stream ended early', { ...outcome });
          res.destroy();
        }
        finish();
      },
    };
    res.on('close', onClientGone);
    try {
      cancelStream = source.open(request, sink);
    } catch (e: unknown) {
      done = true;
      res.off('close', onClientGone);
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}

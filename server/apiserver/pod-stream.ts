/**
 * The streaming subresources `pods/exec`, `pods/attach` and `pods/portforward`, reached by an
 * HTTP upgrade. kubectl 1.32 asks for a WebSocket (`v5.channel.k8s.io` for exec and attach,
 * `SPDY/3.1+portforward.k8s.io` for port-forward) and falls back to a SPDY upgrade only when
 * that fails; the hub speaks the WebSocket forms, so a refusal (401, 403, 404, …) is answered
 * the same way on both tries and kubectl prints it.
 *
 * Everything is checked before the 101: the token, the role (admin only), the pod, the
 * container and the options; the stream to the device is opened (and counted against the
 * node's limit) before the upgrade too, so a full node is a clean 429.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, isApiError } from '../../shared/api/errors.js';
import { fromStore, type Pod } from '../../shared/api/types/index.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { AuditSink } from '../audit/audit-log.js';
import type { Principal } from './auth.js';
import { authorizeStream } from './auth.js';
import { EXEC_SUBPROTOCOLS, ExecChannels } from './exec-channels.js';
import { boundNode, chooseContainer, queryBool } from './pod-log.js';
import type { PodStreamRequest, PodStreamSource } from './pod-stream-types.js';
import { PORT_FORWARD_SUBPROTOCOL, PortForwardSession } from './port-forward.js';
import { parseResourcePath } from './request-path.js';
import type { ResourceService } from './resource-service.js';
import { acceptWebSocket, chooseSubprotocol, handshakeProblems } from './websocket.js';

/** A WebSocket message larger than this closes the connection (kubectl sends at most 32 KiB). */
const MAX_MESSAGE_BYTES = 1024 * 1024;

export interface PodStreamDeps {
  service: ResourceService;
  authenticate: (req: IncomingMessage) => Promise<Principal | undefined>;
  /** Undefined: this hub has no fleet link; streams get 503. */
  streams?: PodStreamSource;
  logger: Logger;
  /** Hears every stream started or refused (running code on a device is worth a record). */
  audit?: AuditSink;
}

/** Writes an HTTP error answer (a Status) on a socket that was not upgraded, and closes it. */
function refuse(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify(err.toStatus());
  const reason = err.code === 401 ? 'Unauthorized' : err.code === 403 ? 'Forbidden' : err.code === 404 ? 'Not Found' : err.code === 429 ? 'Too Many Requests' : 'Error';
  socket.end(
    `HTTP/1.1 ${err.code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The exec/attach options from the query, checked (Kubernetes' PodExecOptions / PodAttachOptions). */
export function streamOptions(params: URLSearchParams, exec: boolean): Pick<PodStreamRequest, 'command' | 'stdin' | 'stdout' | 'stderr' | 'tty'> {
  const out = {
    command: params.getAll('command'),
    stdin: queryBool(params, 'stdin'),
    stdout: queryBool(params, 'stdout'),
    stderr: queryBool(params, 'stderr'),
    tty: queryBool(params, 'tty'),
  };
  if (exec && out.command.length === 0) throw ApiError.badRequest('you must specify at least one command for the container', 'command');
  if (out.command.length > 256 || out.command.some((c) => c.length > 8192)) throw ApiError.badRequest('the command is too long (at most 256 arguments of 8192 characters)', 'command');
  if (!out.stdin && !out.stdout && !out.stderr) throw ApiError.badRequest('you must specify at least 1 of stdin, stdout, stderr', 'stdout');
  if (out.tty && out.stderr) out.stderr = false; // a terminal has one output: Kubernetes merges stderr into it
  return out;
}

async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, deps: PodStreamDeps, heard: (user: string) => void): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://hub');
  const who = await deps.authenticate(req);
  if (!who) throw new ApiError(401, 'Unauthorized', 'Unauthorized: a valid bearer token is required');
  heard(who.user);
  const path = parseResourcePath(url.pathname);
  const sub = path?.subresource;
  if (!path || path.info.kind !== 'Pod' || path.name === undefined || (sub !== 'exec' && sub !== 'attach' && sub !== 'portforward')) {
    throw new ApiError(400, 'BadRequest', `${url.pathname} does not take an upgrade: only pods/exec, pods/attach and pods/portforward do`);
  }
  authorizeStream(who, path);
  const pod: Pod = fromStore('Pod', await deps.service.get(path));
  const params = url.searchParams;
  const container = chooseContainer(pod, params.get('container') ?? undefined);
  const node = boundNode(pod);
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    throw ApiError.badRequest(`this hub serves pods/${sub} over WebSocket only (upgrade asked: ${String(req.headers.upgrade).slice(0, 40)})`);
  }
  const problems = handshakeProblems(req);
  if (problems.length > 0) throw ApiError.badRequest(`bad WebSocket handshake: ${problems.join('; ')}`);
  const protocols = sub === 'portforward' ? [PORT_FORWARD_SUBPROTOCOL] : EXEC_SUBPROTOCOLS;
  const protocol = chooseSubprotocol(req, protocols);
  if (!protocol) throw ApiError.badRequest(`pods/${sub} needs one of the WebSocket subprotocols ${protocols.join(', ')}`);
  const source = deps.streams;
  if (!source) throw new ApiError(503, 'ServiceUnavailable', 'streams to devices are not available on this hub');
  const base = { node, namespace: pod.metadata.namespace ?? 'default', pod: pod.metadata.name ?? '', podUid: pod.metadata.uid ?? '', container };
  const log = deps.logger.child({ component: 'pod-stream', kind: sub, node, namespace: base.namespace, pod: base.pod, user: who.user });

  if (sub === 'portforward') {
    const session = new PortForwardSession(source, base, log);
    const ws = acceptWebSocket(req, socket, head, protocol, { message: (d) => session.receive(d), closed: () => session.closed() }, MAX_MESSAGE_BYTES);
    session.connect(ws);
    log.info('port-forward session started');
    return;
  }
  const options = streamOptions(params, sub === 'exec');
  const channels = new ExecChannels();
  const stream = source.open({ kind: sub, ...base, ...options }, channels.sink);
  const ws = acceptWebSocket(req, socket, head, protocol, { message: (d) => channels.message(d), closed: () => channels.closed() }, MAX_MESSAGE_BYTES);
  channels.connect(ws, stream);
  log.info('stream started', { protocol, tty: options.tty, stdin: options.stdin });
}

/** The HTTP server's `upgrade` handler. */
export function servePodStreamUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, deps: PodStreamDeps): void {
  socket.on('error', () => undefined);
  let user = 'anonymous';
  const record = (result: number): void =>
    deps.audit?.({ user, verb: 'create', resource: new URL(req.url ?? '/', 'http://hub').pathname, result, ...(req.socket.remoteAddress ? { remote: req.socket.remoteAddress } : {}) });
  upgrade(req, socket, head, deps, (u) => (user = u)).then(
    () => record(101),
    (e: unknown) => {
      const err = isApiError(e) ? e : new ApiError(500, 'InternalError', `Internal error occurred: ${errorMessage(e)}`);
      if (err.code >= 500) deps.logger.error('stream upgrade failed', { url: req.url, error: errorMessage(e) });
      record(err.code);
      if (!socket.destroyed) refuse(socket, err);
    },
  );
}

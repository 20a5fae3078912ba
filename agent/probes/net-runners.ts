/**
 * httpGet and tcpSocket probes from the agent itself (node:http, node:https, node:net): for
 * hostNetwork pods (127.0.0.1 or the probe's `host`) and pods with a reachable `podIP`.
 *
 * As the kubelet: an HTTP status 200–399 is a success (redirects are not followed: a 3xx counts
 * as success, where the kubelet would follow a same-host redirect first), the body is ignored,
 * HTTPS certificates are not verified, `User-Agent: kube-probe/…` and `Accept: *\/*` unless the
 * probe sets them. A TCP probe succeeds once the connection is established.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { errnoCode, errorMessage } from '../../shared/util/guards.js';
import type { ProbeOutcome } from './decide.js';
import { agentSideHost, type ProbeRunner } from './runner.js';
import type { HttpHeader, ProbeSpec } from './spec.js';

export const PROBE_USER_AGENT = 'kube-probe/flotilla';

/** `[::1]` for IPv6 literals, the host otherwise. */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function probeUrl(scheme: 'HTTP' | 'HTTPS', host: string, port: number, path: string): string {
  return `${scheme.toLowerCase()}://${hostForUrl(host)}:${port}${path}`;
}

/** The request headers: the kubelet's defaults, then the probe's (same name again: repeated). */
export function probeHeaders(headers: readonly HttpHeader[]): OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = { 'user-agent': PROBE_USER_AGENT, accept: '*/*' };
  const set = new Set<string>();
  for (const h of headers) {
    const key = h.name.toLowerCase();
    const prev = out[key];
    if (!set.has(key) || prev === undefined) out[key] = h.value;
    else out[key] = [...(Array.isArray(prev) ? prev : [prev]), h.value];
    set.add(key);
  }
  out['connection'] = 'close';
  return out;
}

/** How a socket error reads in a probe message (close to Go's `dial tcp …: connect: …`). */
export function describeNetError(e: unknown): string {
  switch (errnoCode(e)) {
    case 'ECONNREFUSED':
      return 'connect: connection refused';
    case 'ECONNRESET':
      return 'connection reset by peer';
    case 'EHOSTUNREACH':
      return 'connect: no route to host';
    case 'ENETUNREACH':
      return 'connect: network is unreachable';
    case 'ETIMEDOUT':
      return 'connect: connection timed out';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `lookup failed: ${errorMessage(e)}`;
    default:
      return errorMessage(e);
  }
}

/** `signal` plus the probe's own timeoutSeconds; `timedOut()` tells which one fired. */
function deadline(probe: ProbeSpec, signal: AbortSignal): { signal: AbortSignal; timedOut: () => boolean } {
  const own = AbortSignal.timeout(probe.timeoutSeconds * 1000);
  return { signal: AbortSignal.any([signal, own]), timedOut: () => own.aborted || signal.aborted };
}

function timeoutText(probe: ProbeSpec): string {
  return `timed out after ${probe.timeoutSeconds}s`;
}

export function createHttpRunner(): ProbeRunner {
  return {
    run(probe, target, outer) {
      const h = probe.handler;
      if (h.type !== 'httpGet') return Promise.resolve({ result: 'unknown', message: `not an httpGet probe: ${h.type}` });
      const host = h.host ?? agentSideHost(target);
      const url = probeUrl(h.scheme, host, h.port, h.path);
      const { signal, timedOut } = deadline(probe, outer);
      return new Promise<ProbeOutcome>((resolve) => {
        let done = false;
        let req: ClientRequest | undefined;
        const finish = (o: ProbeOutcome): void => {
          if (done) return;
          done = true;
          signal.removeEventListener('abort', onAbort);
          req?.destroy();
          resolve(o);
        };
        const onAbort = (): void => finish({ result: 'failure', message: `Get "${url}": ${timeoutText(probe)}` });
        if (signal.aborted) {
          onAbort();
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
        const options = { host, port: h.port, path: h.path, method: 'GET', headers: probeHeaders(h.headers), agent: false as const };
        const onResponse = (res: IncomingMessage): void => {
          // The body is not read; destroying the request below may abort it mid-stream.
          res.on('error', () => undefined);
          res.resume();
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 400) finish({ result: 'success', message: `HTTP probe succeeded with statuscode: ${status}` });
          else finish({ result: 'failure', message: `HTTP probe failed with statuscode: ${status}` });
        };
        try {
          req = h.scheme === 'HTTPS' ? httpsRequest({ ...options, rejectUnauthorized: false }, onResponse) : httpRequest(options, onResponse);
        } catch (e) {
          finish({ result: 'failure', message: `Get "${url}": ${errorMessage(e)}` });
          return;
        }
        req.on('error', (e) => {
          finish({ result: 'failure', message: timedOut() ? `Get "${url}": ${timeoutText(probe)}` : `Get "${url}": ${describeNetError(e)}` });
        });
        req.end();
      });
    },
  };
}

export function createTcpRunner(): ProbeRunner {
  return {
    run(probe, target, outer) {
      const h = probe.handler;
      if (h.type !== 'tcpSocket') return Promise.resolve({ result: 'unknown', message: `not a tcpSocket probe: ${h.type}` });
      const host = h.host ?? agentSideHost(target);
      const where = `dial tcp ${hostForUrl(host)}:${h.port}`;
      const { signal } = deadline(probe, outer);
      return new Promise<ProbeOutcome>((resolve) => {
        if (signal.aborted) {
          resolve({ result: 'failure', message: `${where}: ${timeoutText(probe)}` });
          return;
        }
        const socket = connect({ host, port: h.port });
        let done = false;
        const finish = (o: ProbeOutcome): void => {
          if (done) return;
          done = true;
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
          resolve(o);
        };
        const onAbort = (): void => finish({ result: 'failure', message: `${where}: ${timeoutText(probe)}` });
        signal.addEventListener('abort', onAbort, { once: true });
        socket.once('connect', () => finish({ result: 'success', message: '' }));
        socket.on('error', (e) => finish({ result: 'failure', message: `${where}: ${describeNetError(e)}` }));
      });
    },
  };
}

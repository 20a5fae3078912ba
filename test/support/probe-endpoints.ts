// Probe specs, targets and real endpoints on 127.0.0.1 shared by the probe runner tests.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import type { ProbeHandler, ProbeSpec } from '../../agent/probes/spec.js';
import type { ProbeTarget } from '../../agent/probes/types.js';





export function spec(handler: ProbeHandler, timeoutSeconds = 1): ProbeSpec {
  return { kind: 'readiness', handler, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds, successThreshold: 1, failureThreshold: 3 };
}
export const http = (port: number, path = '/', extra: Partial<Extract<ProbeHandler, { type: 'httpGet' }>> = {}): ProbeHandler => ({ type: 'httpGet', scheme: 'HTTP', port, path, headers: [], ...extra });
export const tcp = (port: number): ProbeHandler => ({ type: 'tcpSocket', port });

export function target(over: Partial<ProbeTarget> = {}): ProbeTarget {
  return { pod: { apiVersion: 'v1', kind: 'Pod', metadata: { uid: 'u' } }, podUid: 'u', container: 'app', containerId: 'cid', hostNetwork: true, startedAt: new Date(), ...over };
}

export const never = (): AbortSignal => new AbortController().signal;

/** A port nothing listens on: bind, note, close. */
export async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Seen {
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

/** /status/N answers N; /hang never answers; records what it saw. */
export async function startHttp(): Promise<{ server: HttpServer; port: number; seen: Seen[]; sockets: Set<Socket> }> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    if (req.url === '/hang') return;
    if (req.url === '/stream') {
      res.writeHead(200);
      res.write('an endless body\n');
      return;
    }
    const m = /^\/status\/(\d{3})/.exec(req.url ?? '');
    res.statusCode = m?.[1] !== undefined ? Number(m[1]) : 200;
    if (res.statusCode >= 300 && res.statusCode < 400) res.setHeader('Location', '/status/200');
    res.end('body is ignored\n');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, seen, sockets };
}

export interface ProbeEndpoints {
  /** The HTTP server of startHttp. */
  http: Awaited<ReturnType<typeof startHttp>>;
  /** A TCP listener that accepts and says nothing. */
  tcpPort: number;
  /** A port nothing listens on. */
  refused: number;
  close(): Promise<void>;
}

/** What the http and tcp probes are pointed at, on 127.0.0.1. */
export async function startProbeEndpoints(): Promise<ProbeEndpoints> {
  const http = await startHttp();
  const listener = createTcpServer((s) => s.on('error', () => undefined));
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const { port: tcpPort } = listener.address() as AddressInfo;
  return {
    http,
    tcpPort,
    refused: await closedPort(),
    close: async () => {
      for (const s of http.sockets) s.destroy();
      await new Promise<void>((r) => http.server.close(() => r()));
      await new Promise<void>((r) => listener.close(() => r()));
    },
  };
}

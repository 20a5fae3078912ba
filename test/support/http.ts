/** A small HTTPS client for API tests that trusts the hub's CA: sends what the test says, returns what came back. */
import { request } from 'node:https';
import type { KubeObject } from '../../shared/api/meta.js';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

export interface ApiRequest {
  method?: string;
  body?: unknown;
  /** Sent as-is (for malformed-input tests). */
  rawBody?: string | Buffer;
  contentType?: string;
  token?: string | null;
  accept?: string;
}

export type Api = <T = Record<string, unknown>>(path: string, req?: ApiRequest) => Promise<ApiResponse<T>>;

export interface Endpoint {
  url: () => string;
  token: string;
  ca: string;
}

function headersFor(ep: Endpoint, req: ApiRequest, body: string | Buffer | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  const tok = req.token === undefined ? ep.token : req.token;
  if (tok !== null) headers['Authorization'] = `Bearer ${tok}`;
  if (req.accept) headers['Accept'] = req.accept;
  if (body !== undefined) {
    headers['Content-Type'] = req.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  return headers;
}

export function apiClient(ep: Endpoint): Api {
  return <T>(path: string, req: ApiRequest = {}): Promise<ApiResponse<T>> => {
    let body: string | Buffer | undefined;
    if (req.rawBody !== undefined) body = req.rawBody;
    else if (req.body !== undefined) body = JSON.stringify(req.body);
    return new Promise((resolve, reject) => {
      const r = request(
        ep.url() + path,
        { method: req.method ?? 'GET', headers: headersFor(ep, req, body), ca: ep.ca, timeout: 15_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // plain text answers (readyz) stay text
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed as T, text });
          });
        },
      );
      r.on('timeout', () => r.destroy(new Error(`request to ${path} timed out`)));
      // The server may answer (e.g. 413) and close before it read the whole body.
      r.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
      r.end(body);
    });
  };
}

export interface WatchLine {
  type: string;
  object: KubeObject;
}

/** Reads a watch stream until `count` events arrived or `ms` passed. */
export function readWatch(ep: Endpoint, path: string, count: number, ms = 5000): Promise<{ status: number; events: WatchLine[] }> {
  return new Promise((resolve, reject) => {
    const events: WatchLine[] = [];
    let status = 0;
    let buf = '';
    const r = request(ep.url() + path, { headers: headersFor(ep, {}, undefined), ca: ep.ca }, (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          if (status === 200) events.push(JSON.parse(buf.slice(0, nl)) as WatchLine);
          buf = buf.slice(nl + 1);
        }
        if (events.length >= count) finish();
      });
      res.on('end', finish);
    });
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      r.destroy();
      resolve({ status, events });
    }
    r.on('error', (e) => (status ? finish() : reject(e)));
    r.end();
  });
}

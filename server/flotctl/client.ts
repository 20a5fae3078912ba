/**
 * The hub's REST API over node:http/https with a bearer token: JSON requests,
 * Status failures as ServerError, and newline-delimited JSON watch streams.
 */
import http from 'node:http';
import https from 'node:https';
import { errnoCode, errorMessage, isRecord } from '../../shared/util/guards.js';
import { CliError, serverErrorFrom, serverErrorFromStatus } from './errors.js';

export interface ClientConfig {
  server: string;
  token?: string;
  /** PEM CA bundle for https. */
  ca?: string;
  insecureSkipTlsVerify?: boolean;
  /** Whole-request limit in ms (`--request-timeout`); 0 or absent = none. */
  timeoutMs?: number;
  userAgent?: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type Query = Record<string, string | undefined>;

export interface RequestOptions {
  method?: HttpMethod;
  /** Absolute API path, e.g. `/apis/apps/v1/namespaces/default/daemonsets`. */
  path: string;
  query?: Query;
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

export interface WatchEventMessage {
  type: string;
  object: Record<string, unknown>;
}

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json';

interface RawResponse {
  status: number;
  body: string;
}

function buildUrl(server: string, path: string, query?: Query): URL {
  const url = new URL(server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

function formatTimeout(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export class ApiClient {
  constructor(private readonly config: ClientConfig) {}

  get server(): string {
    return this.config.server;
  }

  private connectionError(e: unknown, url: URL): Error {
    const code = errnoCode(e);
    if (e instanceof CliError) return e;
    if (code === 'ECONNREFUSED') {
      return new CliError(`the connection to the server ${url.host} was refused - is the hub running, and is the kubeconfig's server right?`);
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new CliError(`the server ${url.hostname} could not be resolved (${code})`);
    if (code === 'ECONNRESET') return new CliError(`the connection to the server ${url.host} was reset`);
    if (code && /CERT|SELF_SIGNED|TLS|SSL/.test(code)) {
      return new CliError(`TLS to ${url.host} failed: ${errorMessage(e)} (check certificate-authority-data in the kubeconfig)`);
    }
    return new CliError(`request to ${url.host} failed: ${errorMessage(e)}`);
  }

  private open(opts: RequestOptions, onResponse: (res: http.IncomingMessage, url: URL) => void, onError: (e: Error) => void, timeoutMs: number): http.ClientRequest {
    const url = buildUrl(this.config.server, opts.path, opts.query);
    const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' };
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    headers['User-Agent'] = this.config.userAgent ?? 'flotctl';
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const common = { method: opts.method ?? 'GET', headers };
    const req =
      url.protocol === 'https:'
        ? https.request(url, {
            ...common,
            ...(this.config.ca ? { ca: this.config.ca } : {}),
            rejectUnauthorized: !this.config.insecureSkipTlsVerify,
          })
        : http.request(url, common);
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        req.destroy(new CliError(`the server ${url.host} did not answer within ${formatTimeout(timeoutMs)} (--request-timeout)`));
      }, timeoutMs);
    }
    const clear = (): void => {
      if (timer) clearTimeout(timer);
    };
    const signal = opts.signal;
    const onAbort = (): void => {
      req.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      res.on('end', clear);
      res.on('close', () => {
        clear();
        signal?.removeEventListener('abort', onAbort);
      });
      onResponse(res, url);
    });
    req.on('error', (e) => {
      clear();
      signal?.removeEventListener('abort', onAbort);
      onError(this.connectionError(e, url));
    });
    req.end(payload);
    return req;
  }

  private raw(opts: RequestOptions): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      this.open(
        opts,
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (e) => reject(e));
        },
        reject,
        this.config.timeoutMs ?? 0,
      );
    });
  }

  /**
   * GETs a text stream (pod logs) and hands it to `out` as it arrives. Resolves when the server
   * ends it or `signal` aborts; a failure status becomes a ServerError. No request timeout applies.
   */
  streamText(opts: RequestOptions, out: (text: string) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const signal = opts.signal;
      if (signal?.aborted) return resolve();
      const brokeOff = (): Error => new CliError('the log stream broke off before its end: the device or the hub went away');
      this.open(
        { ...opts, accept: 'text/plain, */*' },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => reject(serverErrorFrom(status, Buffer.concat(chunks).toString('utf8'))));
            res.on('error', reject);
            return;
          }
          res.setEncoding('utf8');
          res.on('data', (text: string) => out(text));
          res.on('end', () => resolve());
          res.on('error', () => (signal?.aborted ? resolve() : reject(brokeOff())));
        },
        (e) => {
          if (signal?.aborted) resolve();
          else if (e instanceof CliError && /was reset/.test(e.message)) reject(brokeOff());
          else reject(e);
        },
        0,
      );
    });
  }

  /** Sends one request; resolves to the parsed JSON answer, rejects with ServerError on a failure status. */
  async request(opts: RequestOptions): Promise<unknown> {
    const res = await this.raw(opts);
    if (res.status < 200 || res.status >= 300) throw serverErrorFrom(res.status, res.body);
    if (res.body.trim() === '') return undefined;
    try {
      return JSON.parse(res.body) as unknown;
    } catch {
      throw new CliError(`the server answered ${opts.method ?? 'GET'} ${opts.path} with something that is not JSON: ${res.body.slice(0, 200)}`);
    }
  }

  /** Like request, but insists on a JSON object. */
  async requestObject(opts: RequestOptions): Promise<Record<string, unknown>> {
    const v = await this.request(opts);
    if (!isRecord(v)) throw new CliError(`the server answered ${opts.method ?? 'GET'} ${opts.path} with ${JSON.stringify(v)}, not an object`);
    return v;
  }

  /**
   * Streams a watch (`?watch=true` is added): calls onEvent per line until the
   * server ends the stream (resolves) or `signal` aborts (resolves). An ERROR
   * event rejects with its Status as a ServerError.
   */
  watch(opts: RequestOptions, onEvent: (ev: WatchEventMessage) => void): Promise<void> {
    const query = { ...opts.query, watch: 'true' };
    return new Promise<void>((resolve, reject) => {
      if (opts.signal?.aborted) {
        resolve();
        return;
      }
      let failed = false;
      const fail = (e: unknown): void => {
        if (failed) return;
        failed = true;
        req.destroy();
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      const req = this.open(
        { ...opts, query },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => fail(serverErrorFrom(status, Buffer.concat(chunks).toString('utf8'))));
            return;
          }
          res.setEncoding('utf8');
          let buffered = '';
          const line = (text: string): void => {
            if (text.trim() === '') return;
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              fail(new CliError(`watch stream sent a line that is not JSON: ${text.slice(0, 200)}`));
              return;
            }
            if (!isRecord(parsed) || typeof parsed.type !== 'string' || !isRecord(parsed.object)) {
              fail(new CliError(`watch stream sent an event without type and object: ${text.slice(0, 200)}`));
              return;
            }
            if (parsed.type === 'ERROR') {
              fail(serverErrorFromStatus(parsed.object));
              return;
            }
            try {
              onEvent({ type: parsed.type, object: parsed.object });
            } catch (e: unknown) {
              fail(e);
            }
          };
          res.on('data', (chunk: string) => {
            buffered += chunk;
            let nl = buffered.indexOf('\n');
            while (nl >= 0 && !failed) {
              line(buffered.slice(0, nl));
              buffered = buffered.slice(nl + 1);
              nl = buffered.indexOf('\n');
            }
          });
          res.on('end', () => {
            if (!failed) line(buffered);
            if (!failed) resolve();
          });
          res.on('close', () => {
            if (!failed) resolve();
          });
          res.on('error', (e) => {
            if (opts.signal?.aborted) resolve();
            else fail(e);
          });
        },
        (e) => {
          if (opts.signal?.aborted) resolve();
          else fail(e);
        },
        0,
      );
    });
  }
}

/**
 * What every command needs from the global flags: the API client for the
 * kubeconfig's context and the namespace to work in. Built lazily so that
 * `--help` never reads a kubeconfig.
 */
import os from 'node:os';
import type { Command } from 'commander';
import { ApiClient } from './client.js';
import { CliError } from './errors.js';
import type { CliIO } from './io.js';
import { kubeconfigPaths, loadKubeconfig, resolveConnection, type Connection } from './kubeconfig.js';
import { parseDuration } from '../../shared/util/duration.js';

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  requestTimeout?: string;
}

/** kubectl's --request-timeout: `0` (none), a bare number of seconds, or `500ms`, `5s`, `2m`, `1h`, `1m30s`. */
export function parseRequestTimeout(text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  try {
    return parseDuration('--request-timeout', t);
  } catch {
    throw new CliError(`invalid --request-timeout "${text}": use a duration like 0, 5, 500ms, 10s, 2m or 1h`);
  }
}

export class Session {
  private connection?: Promise<Connection>;
  private apiClient?: Promise<ApiClient>;

  constructor(
    readonly io: CliIO,
    private readonly globals: GlobalOptions,
  ) {}

  /** True when -n/--namespace was given (apply refuses objects from another namespace then). */
  get namespaceExplicit(): boolean {
    return this.globals.namespace !== undefined && this.globals.namespace !== '';
  }

  now(): Date {
    return this.io.now ? this.io.now() : new Date();
  }

  get cwd(): string {
    return this.io.cwd ?? process.cwd();
  }

  private connect(): Promise<Connection> {
    this.connection ??= (async () => {
      const home = this.io.env.HOME ?? os.homedir();
      const paths = kubeconfigPaths(this.globals.kubeconfig, this.io.env, home);
      const config = await loadKubeconfig(paths, this.globals.kubeconfig !== undefined);
      return resolveConnection(config, this.globals.context);
    })();
    return this.connection;
  }

  client(): Promise<ApiClient> {
    this.apiClient ??= (async () => {
      const timeoutMs = this.globals.requestTimeout === undefined ? 0 : parseRequestTimeout(this.globals.requestTimeout);
      const conn = await this.connect();
      return new ApiClient({
        server: conn.server,
        ...(conn.token ? { token: conn.token } : {}),
        ...(conn.ca ? { ca: conn.ca } : {}),
        insecureSkipTlsVerify: conn.insecureSkipTlsVerify,
        timeoutMs,
      });
    })();
    return this.apiClient;
  }

  /** -n, else the context's namespace, else `default`. */
  async namespace(): Promise<string> {
    if (this.namespaceExplicit && this.globals.namespace) return this.globals.namespace;
    return (await this.connect()).namespace;
  }

  out(text: string): void {
    this.io.stdout.write(text);
  }

  err(text: string): void {
    this.io.stderr.write(text);
  }
}

/** The session for a command's action, from the program's global options. */
export function sessionFor(cmd: Command, io: CliIO): Session {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const globals: GlobalOptions = {};
  if (g.kubeconfig !== undefined) globals.kubeconfig = g.kubeconfig;
  if (g.context !== undefined) globals.context = g.context;
  if (g.namespace !== undefined) globals.namespace = g.namespace;
  if (g.requestTimeout !== undefined) globals.requestTimeout = g.requestTimeout;
  return new Session(io, globals);
}

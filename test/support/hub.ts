/** Runs a real hub process on 127.0.0.1 with a temp data dir, for integration tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Endpoint } from './http.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export interface HubHandle {
  apiUrl: string;
  mqttUrl: string;
  /** `mqtts://HOST:PORT` when the hub listens for MQTT over TLS (`--mqtts-listen`). */
  mqttsUrl?: string;
  dataDir: string;
  kubeconfig: string;
  token: string;
  /** The hub's CA certificate (PEM), to trust its API. */
  ca: string;
  /** The running hub's process id (changes on restart). */
  pid(): number;
  /** stderr lines (JSON logs) seen so far. */
  logs: string[];
  stop(): Promise<void>;
  kill9(): Promise<void>;
  /**
   * Stops (SIGKILL when `hard`) and starts again on the same data dir; the API URL may change.
   * `extraArgs` are added to this start only (e.g. a one-off operator flag).
   */
  restart(opts?: { hard?: boolean; extraArgs?: string[] }): Promise<void>;
  /** Starts again after kill9() or stop(), as restart() does. */
  start(opts?: { extraArgs?: string[] }): Promise<void>;
  /** Stops and removes the data dir. */
  dispose(): Promise<void>;
}

export interface StartHubOptions {
  dataDir?: string;
  extraArgs?: string[];
  startTimeoutMs?: number;
  /** Options for node itself (e.g. `--cpu-prof`), before the entry point. */
  nodeArgs?: string[];
}

/** The command line for a TypeScript entry point of this repository, run through tsx. */
export function tsEntry(relPath: string): { cmd: string; args: string[] } {
  return { cmd: process.execPath, args: ['--import', 'tsx', join(REPO_ROOT, relPath)] };
}

/** The command line for a built program in dist/ (what devices run); `npm run build` first. */
export function distEntry(relPath: string): { cmd: string; args: string[] } {
  return { cmd: process.execPath, args: [join(REPO_ROOT, 'dist', relPath)] };
}

interface Launched {
  proc: ChildProcess;
  apiUrl: string;
  mqttUrl: string;
  mqttsUrl?: string;
}

function launch(dataDir: string, extraArgs: string[], logs: string[], timeoutMs: number, nodeArgs: string[]): Promise<Launched> {
  const { cmd, args } = tsEntry('server/main.ts');
  const proc = spawn(
    cmd,
    [...nodeArgs, ...args, '--data-dir', dataDir, '--api-listen', '127.0.0.1:0', '--mqtt-listen', '127.0.0.1:0', '--mqtts-listen', '127.0.0.1:0', '--advertise-address', '127.0.0.1', ...extraArgs],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`hub did not become ready in ${timeoutMs} ms; logs:\n${logs.slice(-20).join('\n')}`));
    }, timeoutMs);
    const lines = createInterface({ input: proc.stderr });
    lines.on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; api?: string; mqtt?: string; mqtts?: string };
        if (entry.msg === 'hub ready' && entry.api && entry.mqtt) {
          clearTimeout(timer);
          resolvePromise({ proc, apiUrl: entry.api, mqttUrl: entry.mqtt, ...(entry.mqtts ? { mqttsUrl: entry.mqtts } : {}) });
        }
      } catch {
        // not a JSON log line (e.g. a crash trace); kept in logs
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`hub exited before ready (code ${code}, signal ${signal}); logs:\n${logs.slice(-20).join('\n')}`));
    });
  });
}

function waitExit(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => proc.once('exit', () => r()));
}

export async function startHub(opts: StartHubOptions = {}): Promise<HubHandle> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'flotilla-hub-')));
  const extra = opts.extraArgs ?? [];
  const timeout = opts.startTimeoutMs ?? 20_000;
  const logs: string[] = [];
  let current = await launch(dataDir, extra, logs, timeout, opts.nodeArgs ?? []);
  const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
  const ca = await readFile(join(dataDir, 'pki', 'ca.crt'), 'utf8');

  const handle: HubHandle = {
    apiUrl: current.apiUrl,
    mqttUrl: current.mqttUrl,
    ...(current.mqttsUrl !== undefined ? { mqttsUrl: current.mqttsUrl } : {}),
    dataDir,
    kubeconfig: join(dataDir, 'kubeconfig'),
    token,
    ca,
    logs,
    pid: () => current.proc.pid ?? -1,
    async stop() {
      current.proc.kill('SIGTERM');
      await waitExit(current.proc);
    },
    async kill9() {
      current.proc.kill('SIGKILL');
      await waitExit(current.proc);
    },
    async restart(r = {}) {
      if (r.hard) await handle.kill9();
      else await handle.stop();
      await handle.start(r.extraArgs ? { extraArgs: r.extraArgs } : {});
    },
    async start(r = {}) {
      current = await launch(dataDir, [...extra, ...(r.extraArgs ?? [])], logs, timeout, opts.nodeArgs ?? []);
      handle.apiUrl = current.apiUrl;
      handle.mqttUrl = current.mqttUrl;
      if (current.mqttsUrl !== undefined) handle.mqttsUrl = current.mqttsUrl;
      else delete handle.mqttsUrl;
    },
    async dispose() {
      await handle.kill9();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** How API test clients reach this hub (follows restarts, which may change the port). */
export function endpoint(hub: HubHandle): Endpoint {
  return { url: () => hub.apiUrl, token: hub.token, ca: hub.ca };
}

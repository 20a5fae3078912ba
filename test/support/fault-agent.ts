/**
 * A real agent process (the built dist/agent/main.js, what devices run) behind its own fault
 * relay (tcp-relay.ts), so each device's link can be cut, paused, delayed or flapped alone, and
 * the device itself killed -9, restarted, or rebooted: agent and its pods' containers stopped,
 * Docker left up, the agent started again with the hub out of reach.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS } from '../../agent/engine/types.js';
import { TEST_IMAGE } from './env.js';
import { distEntry, REPO_ROOT, type HubHandle } from './hub.js';
import { run } from './run.js';
import { TcpRelay } from './tcp-relay.js';

/** A container of this device, as `docker ps -a` shows it. */
export interface DeviceContainer {
  id: string;
  /** `running`, `exited`, `created`, … */
  state: string;
  podName: string;
  podUid: string;
  container: string;
  /** The agent's attempt label: the container's restartCount. */
  attempt: number;
  role: string;
}

export interface FaultAgentOptions {
  /** Extra config.json keys (the defaults keep timings short). */
  config?: Record<string, unknown>;
}

async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const FORMAT = ['{{.ID}}', '{{.State}}', ...[LABELS.podName, LABELS.podUid, LABELS.container, LABELS.attempt, LABELS.role].map((l) => `{{.Label "${l}"}}`)].join('|');

/** Every container an agent running as `node` created, running or not. */
export async function deviceContainers(node: string): Promise<DeviceContainer[]> {
  const out = await docker('ps', '-a', '--no-trunc', '--filter', `label=${LABELS.owner}=${node}`, '--format', FORMAT);
  if (out === '') return [];
  return out.split('\n').map((line) => {
    const [id = '', state = '', podName = '', podUid = '', container = '', attempt = '0', role = ''] = line.split('|');
    return { id, state, podName, podUid, container, attempt: Number(attempt), role };
  });
}

/** A container start Docker recorded for this device: the pod and container it belonged to. */
export interface ContainerStart {
  podName: string;
  container: string;
  image: string;
  /** Unix seconds. */
  time: number;
}

/** Every container start of `node`'s containers between `since` and now (Docker's event log). */
export async function containerStarts(node: string, since: Date): Promise<ContainerStart[]> {
  const sinceS = Math.floor(since.getTime() / 1000) - 1;
  const untilS = Math.ceil(Date.now() / 1000) + 1;
  const out = await docker('events', '--since', String(sinceS), '--until', String(untilS), '--filter', 'type=container', '--filter', 'event=start', '--filter', `label=${LABELS.owner}=${node}`, '--format', '{{json .}}');
  if (out === '') return [];
  return out.split('\n').map((line) => {
    const e = JSON.parse(line) as { time?: number; Actor?: { Attributes?: Record<string, string> } };
    const a = e.Actor?.Attributes ?? {};
    return { podName: a[LABELS.podName] ?? '', container: a[LABELS.container] ?? '', image: a['image'] ?? '', time: e.time ?? 0 };
  });
}

/** Reads a file inside a running container. */
export function readInContainer(id: string, path: string): Promise<string> {
  return docker('exec', id, 'cat', path);
}

export class FaultAgent {
  proc: ChildProcess | undefined;
  /** stderr lines (JSON logs) of every run. */
  readonly logs: string[] = [];
  /** How many times the agent process was started. */
  starts = 0;

  private constructor(
    readonly node: string,
    readonly dataDir: string,
    readonly relay: TcpRelay,
    private readonly hub: HubHandle,
    private readonly token: string,
  ) {}

  /** Prepares the device (data dir, config.json, its relay to the hub); start() runs it. */
  static async create(hub: HubHandle, node: string, token: string, opts: FaultAgentOptions = {}): Promise<FaultAgent> {
    if (!existsSync(join(REPO_ROOT, 'dist', 'agent', 'main.js'))) throw new Error('dist/agent/main.js is missing: run `npm run build` first');
    const dataDir = await mkdtemp(join(tmpdir(), `flotilla-${node}-`));
    await writeFile(
      join(dataDir, 'config.json'),
      JSON.stringify({
        podInfraImage: TEST_IMAGE,
        podInfraCommand: ['sleep', '2147483647'],
        reconcileInterval: '500ms',
        reconnectMaxDelay: '2s',
        // No bridge on the shared Docker unless a test asks for one (and removes it).
        podNetwork: false,
        ...opts.config,
      }),
    );
    const relay = await TcpRelay.start(() => hub.mqttsUrl ?? hub.mqttUrl);
    return new FaultAgent(node, dataDir, relay, hub, token);
  }

  get running(): boolean {
    const p = this.proc;
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  /** Starts the agent process (enrolling the first time). */
  start(): void {
    assert.ok(!this.running, `${this.node} is already running`);
    const { cmd, args } = distEntry('agent/main.js');
    const flags = ['--hub', this.relay.url, '--data-dir', this.dataDir, '--node-name', this.node, '--heartbeat-interval', '1s', '--token', this.token];
    const p = spawn(cmd, [...args, ...flags], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.setEncoding('utf8').on('data', (d: string) => this.logs.push(...d.split('\n').filter((l) => l !== '')));
    this.proc = p;
    this.starts += 1;
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(sig);
    await exited;
  }

  /** kill -9: no offline message, no cleanup; the containers keep running. */
  kill9(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** SIGTERM: says offline, leaves the containers running. */
  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  async restart(): Promise<void> {
    await this.kill9();
    this.start();
  }

  /**
   * A device reboot with the hub out of reach: power cut (agent killed, its containers stopped,
   * Docker itself stays up), then the agent starts again while the link is down. The caller
   * brings the link back with `relay.setLink(true)`.
   */
  async reboot(): Promise<void> {
    this.relay.setLink(false);
    await this.kill9();
    const running = (await deviceContainers(this.node)).filter((c) => c.state === 'running').map((c) => c.id);
    if (running.length > 0) await docker('kill', ...running);
    this.start();
  }

  /** Kills the agent, removes its containers, its data dir and its relay. */
  async dispose(): Promise<void> {
    await this.kill9();
    await this.relay.close();
    const ids = (await deviceContainers(this.node)).map((c) => c.id);
    if (ids.length > 0) await docker('rm', '-f', ...ids);
    await rm(this.dataDir, { recursive: true, force: true });
  }

  /** The last log lines, for a failure message. */
  tail(n = 30): string {
    return this.logs.slice(-n).join('\n');
  }
}

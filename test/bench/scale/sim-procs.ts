/** Fleet simulator processes (test/sim/main.ts) driven by the scale benchmark, with their progress. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { tsEntry } from '../../support/hub.js';

export interface SimProgress {
  started: number;
  failed: number;
  online: number;
  /** When the process printed "all started". */
  allStartedAt?: number;
}

export interface SimProc {
  nodes: number;
  prefix: string;
  progress: SimProgress;
  proc: ChildProcess;
  lines: string[];
  /** Heartbeats the traced devices sent (`--trace-heartbeats`), in the order printed. */
  heartbeats: { node: string; at: number }[];
}

const PROGRESS = /started=(\d+) failed=(\d+) online=(\d+)/;
const HEARTBEAT = /^hb (\S+) (\d+)$/;
/** Devices per simulator that stamp their heartbeats. */
export const TRACED_PER_SIM = 50;

/**
 * Starts `procs` simulator processes sharing `nodes` devices; they report every second.
 * `podStartDelays`: image → how long its pull (a pod's start) takes; other images start at once.
 */
export function startSims(o: { hubUrl: string; token: string; nodes: number; procs: number; dataRoot: string; concurrency: number; profileDir?: string; podStartDelays?: ReadonlyMap<string, number> }): SimProc[] {
  const delays = [...(o.podStartDelays ?? [])].flatMap(([image, ms]) => ['--image-pull-delay', `${image}=${ms}ms`]);
  const out: SimProc[] = [];
  const per = Math.ceil(o.nodes / o.procs);
  for (let k = 0; k * per < o.nodes; k++) {
    const nodes = Math.min(per, o.nodes - k * per);
    const prefix = `b${k}`;
    const { cmd, args } = tsEntry('test/sim/main.ts');
    const proc = spawn(
      cmd,
      [...(o.profileDir ? ['--cpu-prof', '--cpu-prof-dir', `${o.profileDir}/sims`] : []), ...args, '--hub', o.hubUrl, '--token', o.token, '--nodes', String(nodes), '--prefix', prefix, '--data-dir', `${o.dataRoot}/${prefix}`, '--concurrency', String(o.concurrency), '--report-interval', '1s', '--trace-heartbeats', String(TRACED_PER_SIM), ...delays],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=4096' } },
    );
    const sim: SimProc = { nodes, prefix, progress: { started: 0, failed: 0, online: 0 }, proc, lines: [], heartbeats: [] };
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const hb = HEARTBEAT.exec(line);
      if (hb) {
        if (sim.heartbeats.length < 100_000) sim.heartbeats.push({ node: hb[1] ?? '', at: Number(hb[2]) });
        return;
      }
      sim.lines.push(line);
      if (sim.lines.length > 200) sim.lines.shift();
      const m = PROGRESS.exec(line);
      if (m) sim.progress = { ...sim.progress, started: Number(m[1]), failed: Number(m[2]), online: Number(m[3]) };
      if (line.includes('all started')) sim.progress.allStartedAt = Date.now();
    });
    createInterface({ input: proc.stderr }).on('line', (line) => {
      sim.lines.push(`stderr: ${line}`);
      if (sim.lines.length > 200) sim.lines.shift();
    });
    out.push(sim);
  }
  return out;
}

export function totalOnline(sims: SimProc[]): number {
  return sims.reduce((n, s) => n + s.progress.online, 0);
}

export function totalFailed(sims: SimProc[]): number {
  return sims.reduce((n, s) => n + s.progress.failed, 0);
}

export async function stopSims(sims: SimProc[]): Promise<void> {
  await Promise.all(
    sims.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.proc.exitCode !== null || s.proc.signalCode !== null) return resolve();
          const kill = setTimeout(() => s.proc.kill('SIGKILL'), 30_000);
          s.proc.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          s.proc.kill('SIGTERM');
        }),
    ),
  );
}

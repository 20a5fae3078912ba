/**
 * `npm run bench:scale`: N hollow devices (test/sim/) against one hub on this machine, for each N
 * in SCALE_SIZES (default 1000,5000,10000,20000). Prints, per N: enrollment time, hub CPU % and
 * RSS at steady state, API p50/p99 (`get nodes` in kubectl's pages of 500, a pod list), pod
 * created → Running visible on the hub, heartbeat sent → visible through a Lease watch, and the reconnect storm after a hub kill -9 (time until
 * every device is back online, API p99 meanwhile, nodes Unknown after the grace period), and at
 * 1,000 devices a DaemonSet rollout with maxUnavailable 10% (daemonset-rollout.ts).
 * Never asserts; a size that does not converge in its time bound is reported as such.
 */
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, rssBytes } from '../proc-stats.js';
import { flotctl } from '../../support/flotctl.js';
import { startHub, type HubHandle } from '../../support/hub.js';
import { sleep } from '../../support/wait.js';
import { getAllNodes, hubApi, p50p99, percentile, sampleApi, summarize } from './api-latency.js';
import { heartbeatLatencies } from './heartbeat-latency.js';
import { startSims, stopSims, totalFailed, totalOnline, TRACED_PER_SIM, type SimProc } from './sim-procs.js';
import { podStartLatencies } from './pods.js';
import { daemonSetRollout, ROLLOUT_IMAGES, ROLLOUT_PULL_MS } from './daemonset-rollout.js';

const DEVICES_PER_SIM = 5000;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Waits until `cond`, at most `timeoutMs`; with `progress`, also gives up once it has not moved
 * for `stallMs` (a fleet past the hub's connection cap never gets all devices online).
 */
async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number, progress?: { value: () => number; stallMs: number }): Promise<number | undefined> {
  const t0 = Date.now();
  let last = progress?.value();
  let movedAt = t0;
  while (Date.now() - t0 < timeoutMs) {
    if (await cond()) return Date.now() - t0;
    await sleep(250);
    const now = progress?.value();
    if (progress && now !== last) [last, movedAt] = [now, Date.now()];
    // Simulators report only once their devices have all started: no count yet is not a stall.
    if (progress && now !== 0 && Date.now() - movedAt > progress.stallMs) {
      say(`  (gave up waiting for ${what}: stuck at ${now ?? 0} for ${Math.round(progress.stallMs / 1000)} s)`);
      return undefined;
    }
  }
  say(`  (gave up waiting for ${what} after ${Math.round(timeoutMs / 1000)} s)`);
  return undefined;
}

/** CPU time so far of the hub and of all simulator processes, for the storm's CPU shares. */
async function stormCpu(hub: HubHandle, sims: SimProc[]): Promise<{ at: number; hub: number; sims: number }> {
  const simMs = await Promise.all(sims.map((s) => (s.proc.pid === undefined ? Promise.resolve(0) : cpuMs(s.proc.pid).catch(() => 0))));
  return { at: Date.now(), hub: await cpuMs(hub.pid()), sims: simMs.reduce((a, b) => a + b, 0) };
}

/** The hub's refused connects, from its logs: busy (admission) and the rest by reason (numbers as N), each with one example. */
function refusals(lines: string[]): string {
  const counts = new Map<string, { n: number; example: string }>();
  const count = (key: string, n: number, example: string): void => {
    const c = counts.get(key) ?? { n: 0, example };
    counts.set(key, { n: c.n + n, example: c.example });
  };
  for (const line of lines) {
    if (!line.includes('refused')) continue;
    try {
      const e = JSON.parse(line) as { msg?: string; refused?: number; reason?: string; clientId?: string };
      if (e.msg === 'connects refused: server busy') count('busy', e.refused ?? 0, '');
      else if (e.msg === 'connect refused') count(String(e.reason).replace(/\d+/g, 'N'), 1, `${e.clientId ?? ''}: ${String(e.reason)}`);
    } catch {
      // not a JSON log line
    }
  }
  return counts.size === 0 ? 'none' : [...counts].map(([k, c]) => `${k}: ${c.n}${c.example ? ` (e.g. ${c.example})` : ''}`).join('; ');
}

const secs = (ms: number | undefined): string => (ms === undefined ? 'did not converge' : `${(ms / 1000).toFixed(1)} s`);

async function runSize(n: number): Promise<void> {
  say(`\n== ${n.toLocaleString('en')} hollow devices ==`);
  const [apiPort, mqttPort] = [await freePort(), await freePort()];
  // SCALE_PROFILE_DIR: the hub runs with --cpu-prof and is stopped with SIGTERM instead of
  // SIGKILL, so it writes one profile for enrollment + steady state and one for the storm; the
  // simulators write theirs (whole run) under sims/ when they stop.
  const profileDir = process.env['SCALE_PROFILE_DIR'];
  const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const hub: HubHandle = await startHub({ extraArgs: ['--api-listen', `127.0.0.1:${apiPort}`, '--mqtt-listen', `127.0.0.1:${mqttPort}`], startTimeoutMs: 120_000, nodeArgs });
  const dataRoot = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'flotilla-bench-'));
  let sims: SimProc[] = [];
  try {
    const api = hubApi(hub);
    const created = await flotctl(hub, ['token', 'create', '--max-uses', String(n)]);
    if (created.code !== 0) throw new Error(`token create: ${created.stderr}`);

    const t0 = Date.now();
    sims = startSims({ hubUrl: hub.mqttUrl, token: created.stdout.trim(), nodes: n, procs: Math.ceil(n / DEVICES_PER_SIM), dataRoot, concurrency: 100, podStartDelays: new Map([[ROLLOUT_IMAGES[1], ROLLOUT_PULL_MS]]), ...(profileDir ? { profileDir } : {}) });
    const enrolled = await waitFor('every device online', () => totalOnline(sims) >= n || totalFailed(sims) > 0, 60_000 + n * 60, { value: () => totalOnline(sims), stallMs: 90_000 });
    say(`enrollment (token → all ${n} online):        ${secs(enrolled)}${enrolled === undefined ? ` (${totalOnline(sims)} online)` : ''}${totalFailed(sims) > 0 ? ` (${totalFailed(sims)} failed: ${sims.flatMap((s) => s.lines.filter((l) => l.includes('failed '))).slice(0, 3).join(' | ')})` : ''}`);
    const listed = await getAllNodes(api);
    say(`nodes on the hub:                           ${listed.items} (${(Date.now() - t0) / 1000} s after start)`);

    const pods = await podStartLatencies(api, sims.flatMap((s) => Array.from({ length: s.nodes }, (_, i) => `${s.prefix}-${i}`)).slice(0, Math.min(n, 1000)));
    say(`pod created → Running on the hub (${pods.count} pods): p50 ${percentile(pods.ms, 50).toFixed(0)} ms / p99 ${percentile(pods.ms, 99).toFixed(0)} ms; all in ${secs(pods.allMs)}`);

    await sleep(15_000);
    const pid = hub.pid();
    const c0 = await cpuMs(pid);
    const w0 = Date.now();
    await sleep(20_000);
    const cpu = ((await cpuMs(pid)) - c0) / (Date.now() - w0);
    say(`hub at steady state (20 s):                 CPU ${(cpu * 100).toFixed(0)}% of one core, RSS ${((await rssBytes(pid)) / 1024 / 1024).toFixed(0)} MiB`);
    say(`API at steady state:                        ${summarize(await sampleApi(api, 'bench', { rounds: 20 }))}`);
    const hb = await heartbeatLatencies(hub, sims, TRACED_PER_SIM, 30_000);
    say(`heartbeat sent → Lease change seen (watch): ${p50p99(hb.ms)} heartbeats; ${hb.missing} not seen within 5 s`);

    // The storm: every device loses the hub at once and comes back when it is up again.
    await (profileDir ? hub.stop() : hub.kill9());
    for (const s of sims) s.progress.online = 0;
    await sleep(2000);
    const tKill = Date.now();
    const logsBefore = hub.logs.length;
    await hub.restart();
    const ready = Date.now() - tKill;
    let resynced = false;
    const cpu0 = await stormCpu(hub, sims);
    const during = sampleApi(api, 'bench', { stop: () => resynced, everyMs: 1000 });
    const back = await waitFor('every device back online', () => totalOnline(sims) >= n, 600_000, { value: () => totalOnline(sims), stallMs: 90_000 });
    resynced = true;
    const cpu1 = await stormCpu(hub, sims);
    const pct = (a: number, b: number): string => `${(((b - a) / (cpu1.at - cpu0.at)) * 100).toFixed(0)}%`;
    say(`reconnect storm after kill -9:              hub up in ${secs(ready)}; all ${n} back online ${secs(back)} after it was up${back === undefined ? ` (${totalOnline(sims)} online)` : ''}`);
    say(`CPU during the storm (of one core):         hub ${pct(cpu0.hub, cpu1.hub)}, simulators ${pct(cpu0.sims, cpu1.sims)}`);
    say(`connects refused during the storm:          ${refusals(hub.logs.slice(logsBefore))}`);
    say(`API during the storm (a round a second):    ${summarize(await during)}`);
    await sleep(Math.max(0, 50_000 - (Date.now() - tKill)));
    const list = await api<{ items?: { status?: { conditions?: { type: string; status: string }[] } }[] }>('/api/v1/nodes');
    const notReady = (list.body.items ?? []).filter((o) => !(o.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')).length;
    say(`nodes not Ready 50 s after the kill:        ${notReady}`);
    if (n === 1000) for (const line of await daemonSetRollout(hub, api, n)) say(line);
  } finally {
    await stopSims(sims);
    if (profileDir) await hub.stop();
    await hub.dispose();
    await rm(dataRoot, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = (process.env['SCALE_SIZES'] ?? '1000,5000,10000,20000').split(',').map((s) => Number(s.trim()));
  say(`Flotilla scale benchmark: hollow devices against one hub (node ${process.version}, fd limit ${process.env['FD_LIMIT'] ?? '?'})`);
  for (const n of sizes) {
    try {
      await runSize(n);
    } catch (e: unknown) {
      say(`size ${n} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:scale failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

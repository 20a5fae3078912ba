/**
 * `npm run sim -- --hub URL --token TOKEN --nodes N [--duration 10m]`: runs N hollow devices in
 * this process against a hub and prints a progress line every few seconds (and a JSON summary
 * line, `sim summary {...}`, at the end). SIGINT/SIGTERM stop the devices cleanly.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { createMqttJsConnector, type MqttConnector } from '../../agent/link/index.js';
import { nodeTopic } from '../../shared/protocol/index.js';
import { systemClock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import { createJsonLogger } from '../../shared/util/logger.js';
import { loadHostFixture, recordedHostProbe } from '../support/recorded-host.js';
import { REPO_ROOT } from '../support/hub.js';
import { HollowFleet } from './hollow-fleet.js';
import { parseSimArgs } from './options.js';

/** Device data dirs on tmpfs where there is one: the connect counter is fsynced per connect. */
function defaultDataParent(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseSimArgs(process.argv.slice(2));
  } catch (e: unknown) {
    if (e instanceof Error && 'code' in e && (e.code === 'commander.helpDisplayed' || e.code === 'commander.version')) process.exit(0);
    process.stderr.write(`sim: ${errorMessage(e)}\n`);
    process.exit(2);
  }
  const dataRoot = opts.dataDir ?? (await mkdtemp(join(defaultDataParent(), 'flotilla-sim-')));
  const logger = createJsonLogger((l) => process.stderr.write(l), { level: 'error', now: () => systemClock.now() });
  const hostProbe = recordedHostProbe(await loadHostFixture(join(REPO_ROOT, 'test/fixtures/conditions/pi4-bookworm.json')));
  const connector = createMqttJsConnector({
    ...(opts.hubCaFile !== undefined ? { ca: await readFile(opts.hubCaFile, 'utf8') } : {}),
    // The CA pin is looked up in a TLS handshake: only for a TLS hub URL.
    ...(opts.hubCaPin !== undefined && /^(mqtts|wss):/.test(opts.hub) ? { caPin: opts.hubCaPin } : {}),
  });
  const t0 = Date.now();
  // Heartbeats of the first devices are stamped as they go out, for the bench's latency figure.
  const traced = new Map(Array.from({ length: Math.min(opts.traceHeartbeats, opts.nodes) }, (_, i) => [nodeTopic(`${opts.prefix}-${i}`, 'hb'), `${opts.prefix}-${i}`]));
  const tracing: MqttConnector = (o) => {
    const conn = connector(o);
    const publish = conn.publish.bind(conn);
    conn.publish = (topic, payload, po) => {
      const node = traced.get(topic);
      if (node !== undefined) process.stdout.write(`hb ${node} ${Date.now()}\n`);
      return publish(topic, payload, po);
    };
    return conn;
  };
  const say = (line: string): void => void process.stdout.write(`sim ${((Date.now() - t0) / 1000).toFixed(1)}s ${line}\n`);

  const running: { fleet?: HollowFleet } = {};
  const progress = setInterval(() => {
    if (running.fleet) {
      const c = running.fleet.counts();
      say(`started=${c.started} failed=${c.failed} online=${c.online} running-containers=${c.runningContainers}`);
    } else {
      say('starting');
    }
  }, opts.reportIntervalMs);

  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(progress);
    const { fleet } = running;
    const c = fleet?.counts();
    process.stdout.write(`sim summary ${JSON.stringify({ why, ...c, failures: fleet?.failures.slice(0, 10) ?? [] })}\n`);
    await fleet?.stop(!opts.keepData && opts.dataDir === undefined);
    process.exit(c && c.failed > 0 ? 1 : 0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  say(`starting ${opts.nodes} hollow devices against ${opts.hub} (data in ${dataRoot})`);
  const fleet = await HollowFleet.start(
    {
      hubUrl: opts.hub,
      token: opts.token,
      ...(opts.hubKeyFingerprint !== undefined ? { hubKeyFingerprint: opts.hubKeyFingerprint } : {}),
      nodes: opts.nodes,
      prefix: opts.prefix,
      dataRoot,
      heartbeatIntervalMs: opts.heartbeatIntervalMs,
      startConcurrency: opts.startConcurrency,
      podStartDelayMs: opts.podStartDelayMs,
      imagePullDelaysMs: opts.imagePullDelaysMs,
      pullFailureRate: opts.pullFailureRate,
      crashRate: opts.crashRate,
      reconcileIntervalMs: opts.reconcileIntervalMs,
    },
    { connector: traced.size > 0 ? tracing : connector, hostProbe, clock: systemClock, logger, random: Math.random },
  );
  running.fleet = fleet;
  const c = fleet.counts();
  say(`all started in ${((Date.now() - t0) / 1000).toFixed(1)}s: started=${c.started} failed=${c.failed} online=${c.online}`);
  for (const f of fleet.failures.slice(0, 5)) say(`failed ${f.name}: ${f.error}`);
  if (opts.durationMs > 0) setTimeout(() => void stop('duration'), opts.durationMs);
}

main().catch((e: unknown) => {
  process.stderr.write(`sim: ${errorMessage(e)}\n`);
  process.exit(1);
});

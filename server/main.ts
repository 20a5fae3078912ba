#!/usr/bin/env node
/** `flotilla-hub`: builds config, logger and clock, starts the hub, stops it on SIGINT/SIGTERM. */
import { mkdir } from 'node:fs/promises';
import { connectionCap, openFileLimit } from './fd-limit.js';
import type { BrokerLimits } from './broker/broker.js';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { systemClock } from '../shared/util/clock.js';
import { formatDuration, parseDuration } from '../shared/util/duration.js';
import { errorMessage } from '../shared/util/guards.js';
import { createJsonLogger, isLogLevel, type LogLevel } from '../shared/util/logger.js';
import { FLOTILLA_VERSION } from '../shared/version.js';
import { defaultUiDir } from './dashboard/assets.js';
import { DEFAULT_FLEET_CONFIG, startHub, type HubConfig, type RunningHub } from './hub.js';
import { DEFAULT_AUDIT_MAX_BYTES, DEFAULT_AUDIT_MAX_FILES } from './audit/audit-log.js';
import { DEFAULT_CONNECT_RATE } from './broker/connect-guard.js';
import { parseListenAddress } from './listen-address.js';
import { DEFAULT_WATCH_MEMORY_CAP_BYTES } from './apiserver/watch-budget.js';
import { lockDataDir } from './process/data-dir-lock.js';
import { explainListenError, type ListenFlag } from './process/listen-errors.js';
import { isPodSecurityLevel, type PodSecurityLevel } from '../shared/api/pod-security/index.js';

function option<T>(flag: string, parse: (flag: string, v: string) => T): (v: string) => T {
  return (v) => {
    try {
      return parse(flag, v);
    } catch (e: unknown) {
      throw new InvalidArgumentError(errorMessage(e));
    }
  };
}

/** A flag whose value `parse` checks; its default is given as a person writes it, and shown so in --help. */
function flag<T>(flags: string, description: string, parse: (flag: string, v: string) => T, defaultText?: string): Option {
  const name = flags.split(' ')[0] ?? flags;
  const o = new Option(flags, description).argParser(option(name, parse));
  return defaultText === undefined ? o : o.default(parse(name, defaultText), defaultText);
}

function logLevel(flag: string, v: string): LogLevel {
  if (!isLogLevel(v)) throw new Error(`${flag}: expected debug, info, warn or error, got "${v}"`);
  return v;
}

function podSecurityLevel(flag: string, v: string): PodSecurityLevel {
  if (!isPodSecurityLevel(v)) throw new Error(`${flag}: expected privileged, baseline or restricted, got "${v}"`);
  return v;
}

function positiveInt(flag: string, v: string): number {
  if (!/^[1-9]\d*$/.test(v)) throw new Error(`${flag}: expected a positive integer, got "${v}"`);
  return Number(v);
}

function positiveNumber(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d*\.?\d+$/.test(v) || !(n > 0)) throw new Error(`${flag}: expected a positive number, got "${v}"`);
  return n;
}

const program = new Command()
  .name('flotilla-hub')
  .description('Flotilla hub: Kubernetes-shaped API server, controllers and MQTT broker for a fleet of edge devices')
  .version(FLOTILLA_VERSION)
  .addOption(new Option('--data-dir <dir>', 'where the store, admin token and kubeconfig live').default(join(homedir(), '.flotilla', 'hub'), '~/.flotilla/hub'))
  .addOption(flag('--api-listen <host:port>', 'API server address (port 0 picks a free one)', parseListenAddress, '127.0.0.1:6443'))
  .addOption(flag('--mqtt-listen <host:port>', 'plain MQTT for agents (off unless given; devices need --insecure-link unless it is loopback)', parseListenAddress))
  .addOption(flag('--mqtts-listen <host:port>', 'MQTT over TLS for agents, with the API certificate', parseListenAddress, '0.0.0.0:8883'))
  .option('--no-mqtts', 'do not serve MQTT over TLS (only with --mqtt-listen)')
  .option('--advertise-address <host>', 'the host name or IP devices dial, put in join strings (default: this machine\'s host name)')
  .addOption(new Option('--audit-log-path <file>', 'the audit log (rotated)').default('DATA_DIR/audit/audit.log', 'DATA_DIR/audit/audit.log'))
  .addOption(flag('--audit-log-max-size <bytes>', 'rotate the audit log past this size', positiveInt, String(DEFAULT_AUDIT_MAX_BYTES)))
  .addOption(flag('--audit-log-max-files <n>', 'rotated audit logs kept', positiveInt, String(DEFAULT_AUDIT_MAX_FILES)))
  .addOption(flag('--compaction-interval <duration>', 'how often the store compacts its datafiles', parseDuration, '10m'))
  .addOption(flag('--watch-history <n>', 'events a watch can resume across', positiveInt, '10000'))
  .addOption(flag('--watch-memory-cap <bytes>', 'bytes all API watch streams together may hold unsent; a watch that does not read is cut off past its share', positiveInt, String(DEFAULT_WATCH_MEMORY_CAP_BYTES)))
  .addOption(flag('--node-monitor-grace-period <duration>', 'silence after which a node is Unknown and tainted unreachable', parseDuration, formatDuration(DEFAULT_FLEET_CONFIG.nodeMonitorGracePeriodMs)))
  .addOption(flag('--node-monitor-period <duration>', 'how often node health is re-evaluated', parseDuration, formatDuration(DEFAULT_FLEET_CONFIG.nodeMonitorPeriodMs)))
  .addOption(flag('--shutdown-timeout <duration>', 'on SIGTERM/SIGINT, how long the hub may take to stop before it exits anyway', parseDuration, '5s'))
  .addOption(
    new Option('--tls-san <name>', 'extra DNS name or IP the API certificate covers (repeatable)')
      .argParser((v: string, prev: string[]) => [...prev, v])
      .default([] as string[], 'none'),
  )
  .addOption(flag('--event-ttl <duration>', 'how long an Event is kept after it was last seen', parseDuration, formatDuration(DEFAULT_FLEET_CONFIG.events.ttlMs)))
  .addOption(flag('--node-event-burst <n>', 'events one node may send at once before its rate limit applies', positiveInt, String(DEFAULT_FLEET_CONFIG.events.nodeRate.burst)))
  .addOption(flag('--node-event-qps <n>', 'events per second one node may send past its burst (excess is dropped and counted)', positiveNumber, String(DEFAULT_FLEET_CONFIG.events.nodeRate.perSecond)))
  .addOption(flag('--pod-security-default <level>', 'Pod Security level of namespaces without a pod-security.kubernetes.io/enforce label', podSecurityLevel, 'baseline'))
  .addOption(flag('--log-level <level>', 'debug, info, warn or error', logLevel, 'info'))
  .option('--new-desired-epoch', "after restoring the data dir from an older copy: devices take this hub's desired state over the newer one they hold")
  .showHelpAfterError();

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{
    dataDir: string;
    apiListen: HubConfig['apiListen'];
    mqttListen: HubConfig['mqttListen'];
    mqttsListen?: HubConfig['mqttListen'];
    mqtts: boolean;
    advertiseAddress?: string;
    auditLogPath: string;
    auditLogMaxSize: number;
    auditLogMaxFiles: number;
    compactionInterval: number;
    watchHistory: number;
    watchMemoryCap: number;
    logLevel: LogLevel;
    tlsSan: string[];
    nodeMonitorGracePeriod: number;
    nodeMonitorPeriod: number;
    podSecurityDefault: PodSecurityLevel;
    eventTtl: number;
    nodeEventBurst: number;
    nodeEventQps: number;
    newDesiredEpoch?: boolean;
    shutdownTimeout: number;
  }>();
  const logger = createJsonLogger((l) => process.stderr.write(l), { level: o.logLevel, now: () => systemClock.now() });
  if (!o.mqtts && !o.mqttListen) program.error('--no-mqtts leaves devices nothing to connect to: give --mqtt-listen too');
  const dataDir = resolve(o.dataDir);
  const cfg: HubConfig = {
    dataDir,
    apiListen: o.apiListen,
    ...(o.mqttListen ? { mqttListen: o.mqttListen } : {}),
    ...(o.mqtts && o.mqttsListen ? { mqttsListen: o.mqttsListen } : {}),
    link: {
      ...(o.advertiseAddress ? { advertiseAddress: o.advertiseAddress } : {}),
      audit: { path: o.auditLogPath === 'DATA_DIR/audit/audit.log' ? join(dataDir, 'audit', 'audit.log') : resolve(o.auditLogPath), maxBytes: o.auditLogMaxSize, maxFiles: o.auditLogMaxFiles },
      connectRate: DEFAULT_CONNECT_RATE,
    },
    compactionIntervalMs: Math.max(5000, o.compactionInterval),
    watchHistory: o.watchHistory,
    watchMemoryCapBytes: o.watchMemoryCap,
    maxBodyBytes: 3 * 1024 * 1024,
    version: FLOTILLA_VERSION,
    tlsSans: o.tlsSan,
    brokerLimits: withConnectionCap(DEFAULT_FLEET_CONFIG.brokerLimits, connectionCap(openFileLimit())),
    nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriod,
    nodeMonitorPeriodMs: o.nodeMonitorPeriod,
    podSecurityDefault: o.podSecurityDefault,
    ...(o.newDesiredEpoch === true ? { newDesiredEpoch: true } : {}),
    uiDir: defaultUiDir(import.meta.dirname),
    events: { ttlMs: o.eventTtl, nodeRate: { ...DEFAULT_FLEET_CONFIG.events.nodeRate, burst: o.nodeEventBurst, perSecond: o.nodeEventQps } },
  };
  await mkdir(cfg.dataDir, { recursive: true, mode: 0o700 });
  const lock = await lockDataDir(cfg.dataDir);
  if (lock.tookOverFrom !== undefined) logger.warn('took over the lock of a hub that is gone', { lock: lock.path, pid: lock.tookOverFrom });
  let hub: RunningHub;
  try {
    hub = await startHub(cfg, { clock: systemClock, logger });
  } catch (e: unknown) {
    await lock.release();
    const listenFlags: ListenFlag[] = [
      { flag: '--api-listen', addr: cfg.apiListen },
      ...(cfg.mqttListen ? [{ flag: '--mqtt-listen', addr: cfg.mqttListen }] : []),
      ...(cfg.mqttsListen ? [{ flag: '--mqtts-listen', addr: cfg.mqttsListen }] : []),
    ];
    throw new Error(explainListenError(e, listenFlags) ?? errorMessage(e), { cause: e });
  }
  logger.info('hub ready', { api: hub.apiUrl, ...(hub.mqttUrl ? { mqtt: hub.mqttUrl } : {}), ...(hub.mqttsUrl ? { mqtts: hub.mqttsUrl } : {}), kubeconfig: hub.kubeconfigPath, dataDir: cfg.dataDir, hubKey: hub.hubKeyFingerprint });
  process.stdout.write(
    `Flotilla hub ${FLOTILLA_VERSION}\n  API:        ${hub.apiUrl}\n  MQTT:       ${[hub.mqttsUrl, hub.mqttUrl].filter(Boolean).join(', ')}\n  kubeconfig: ${hub.kubeconfigPath}\n  hub key:    ${hub.hubKeyFingerprint}\n  data dir:   ${cfg.dataDir}\n`,
  );

  // The first signal stops the hub in order (connections closed, store flushed); if that takes
  // longer than --shutdown-timeout, or a second signal comes, it exits at once.
  let stopping = false;
  const exit = (code: number): void => {
    void lock.release().finally(() => process.exit(code));
  };
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn('hub exiting at once', { signal });
      exit(1);
      return;
    }
    stopping = true;
    logger.info('hub stopping', { signal });
    const deadline = setTimeout(() => {
      logger.error('hub did not stop in time: exiting anyway', { timeoutMs: o.shutdownTimeout });
      exit(1);
    }, o.shutdownTimeout);
    deadline.unref();
    hub.close().then(
      () => {
        logger.info('hub stopped', {});
        exit(0);
      },
      (e: unknown) => {
        logger.error('hub stop failed', { error: errorMessage(e) });
        exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`flotilla-hub: ${errorMessage(e)}\n`);
  process.exit(1);
});

function withConnectionCap(limits: BrokerLimits, cap: number | undefined): BrokerLimits {
  return cap === undefined ? limits : { ...limits, maxConnections: cap };
}

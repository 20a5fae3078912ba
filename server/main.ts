#!/usr/bin/env node
/** `flotilla-hub`: builds config, logger and clock, starts the hub, stops it on SIGINT/SIGTERM. */
import { connectionCap, openFileLimit } from './fd-limit.js';
import type { BrokerLimits } from './broker/broker.js';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { systemClock } from '../shared/util/clock.js';
import { parseDuration } from '../shared/util/duration.js';
import { errorMessage } from '../shared/util/guards.js';
import { createJsonLogger, isLogLevel, type LogLevel } from '../shared/util/logger.js';
import { FLOTILLA_VERSION } from '../shared/version.js';
import { defaultUiDir } from './dashboard/assets.js';
import { DEFAULT_FLEET_CONFIG, startHub, type HubConfig } from './hub.js';
import { DEFAULT_AUDIT_MAX_BYTES, DEFAULT_AUDIT_MAX_FILES } from './audit/audit-log.js';
import { DEFAULT_CONNECT_RATE } from './broker/connect-guard.js';
import { parseListenAddress } from './listen-address.js';
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

const program = new Command()
  .name('flotilla-hub')
  .description('Flotilla hub: Kubernetes-shaped API server, controllers and MQTT broker for a fleet of edge devices')
  .version(FLOTILLA_VERSION)
  .option('--data-dir <dir>', 'where the store, admin token and kubeconfig live', join(homedir(), '.flotilla', 'hub'))
  .option('--api-listen <host:port>', 'API server address (port 0 picks a free one)', option('--api-listen', parseListenAddress), parseListenAddress('--api-listen', '127.0.0.1:6443'))
  .option('--mqtt-listen <host:port>', 'plain MQTT for agents (off unless given; devices need --insecure-link unless it is loopback)', option('--mqtt-listen', parseListenAddress))
  .option('--mqtts-listen <host:port>', 'MQTT over TLS for agents, with the API certificate', option('--mqtts-listen', parseListenAddress), parseListenAddress('--mqtts-listen', '0.0.0.0:8883'))
  .option('--no-mqtts', 'do not serve MQTT over TLS (only with --mqtt-listen)')
  .option('--advertise-address <host>', 'the host name or IP devices dial, put in join strings (default: this machine\'s host name)')
  .option('--audit-log-path <file>', 'the audit log (rotated)', 'DATA_DIR/audit/audit.log')
  .option('--audit-log-max-size <bytes>', 'rotate the audit log past this size', option('--audit-log-max-size', positiveInt), DEFAULT_AUDIT_MAX_BYTES)
  .option('--audit-log-max-files <n>', 'rotated audit logs kept', option('--audit-log-max-files', positiveInt), DEFAULT_AUDIT_MAX_FILES)
  .option('--compaction-interval <duration>', 'how often the store compacts its datafiles', option('--compaction-interval', parseDuration), parseDuration('default', '10m'))
  .option('--watch-history <n>', 'events a watch can resume across', option('--watch-history', positiveInt), 10_000)
  .option('--node-monitor-grace-period <duration>', 'silence after which a node is Unknown and tainted unreachable', option('--node-monitor-grace-period', parseDuration), DEFAULT_FLEET_CONFIG.nodeMonitorGracePeriodMs)
  .option('--node-monitor-period <duration>', 'how often node health is re-evaluated', option('--node-monitor-period', parseDuration), DEFAULT_FLEET_CONFIG.nodeMonitorPeriodMs)
  .option('--tls-san <name>', 'extra DNS name or IP the API certificate covers (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .option('--pod-security-default <level>', 'Pod Security level of namespaces without a pod-security.kubernetes.io/enforce label', option('--pod-security-default', podSecurityLevel), 'baseline' as PodSecurityLevel)
  .option('--log-level <level>', 'debug, info, warn or error', option('--log-level', logLevel), 'info' as LogLevel)
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
    logLevel: LogLevel;
    tlsSan: string[];
    nodeMonitorGracePeriod: number;
    nodeMonitorPeriod: number;
    podSecurityDefault: PodSecurityLevel;
    newDesiredEpoch?: boolean;
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
    maxBodyBytes: 3 * 1024 * 1024,
    version: FLOTILLA_VERSION,
    tlsSans: o.tlsSan,
    brokerLimits: withConnectionCap(DEFAULT_FLEET_CONFIG.brokerLimits, connectionCap(openFileLimit())),
    nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriod,
    nodeMonitorPeriodMs: o.nodeMonitorPeriod,
    podSecurityDefault: o.podSecurityDefault,
    ...(o.newDesiredEpoch === true ? { newDesiredEpoch: true } : {}),
    uiDir: defaultUiDir(import.meta.dirname),
  };
  const hub = await startHub(cfg, { clock: systemClock, logger });
  logger.info('hub ready', { api: hub.apiUrl, ...(hub.mqttUrl ? { mqtt: hub.mqttUrl } : {}), ...(hub.mqttsUrl ? { mqtts: hub.mqttsUrl } : {}), kubeconfig: hub.kubeconfigPath, dataDir: cfg.dataDir, hubKey: hub.hubKeyFingerprint });
  process.stdout.write(
    `Flotilla hub ${FLOTILLA_VERSION}\n  API:        ${hub.apiUrl}\n  MQTT:       ${[hub.mqttsUrl, hub.mqttUrl].filter(Boolean).join(', ')}\n  kubeconfig: ${hub.kubeconfigPath}\n  hub key:    ${hub.hubKeyFingerprint}\n  data dir:   ${cfg.dataDir}\n`,
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('hub stopping', { signal });
    hub.close().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error('hub stop failed', { error: errorMessage(e) });
        process.exit(1);
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

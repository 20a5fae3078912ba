#!/usr/bin/env node
/** `flotilla-hub`: builds config, logger and clock, starts the hub, stops it on SIGINT/SIGTERM. */
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
import { parseListenAddress } from './listen-address.js';

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
  .option('--mqtt-listen <host:port>', 'MQTT broker address for agents', option('--mqtt-listen', parseListenAddress), parseListenAddress('--mqtt-listen', '0.0.0.0:1883'))
  .option('--mqtts-listen <host:port>', 'MQTT over TLS for agents, with the API certificate (e.g. 0.0.0.0:8883)', option('--mqtts-listen', parseListenAddress))
  .option('--compaction-interval <duration>', 'how often the store compacts its datafiles', option('--compaction-interval', parseDuration), parseDuration('default', '10m'))
  .option('--watch-history <n>', 'events a watch can resume across', option('--watch-history', positiveInt), 10_000)
  .option('--node-monitor-grace-period <duration>', 'silence after which a node is Unknown and tainted unreachable', option('--node-monitor-grace-period', parseDuration), DEFAULT_FLEET_CONFIG.nodeMonitorGracePeriodMs)
  .option('--node-monitor-period <duration>', 'how often node health is re-evaluated', option('--node-monitor-period', parseDuration), DEFAULT_FLEET_CONFIG.nodeMonitorPeriodMs)
  .option('--tls-san <name>', 'extra DNS name or IP the API certificate covers (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .option('--log-level <level>', 'debug, info, warn or error', option('--log-level', logLevel), 'info' as LogLevel)
  .showHelpAfterError();

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{
    dataDir: string;
    apiListen: HubConfig['apiListen'];
    mqttListen: HubConfig['mqttListen'];
    mqttsListen?: HubConfig['mqttListen'];
    compactionInterval: number;
    watchHistory: number;
    logLevel: LogLevel;
    tlsSan: string[];
    nodeMonitorGracePeriod: number;
    nodeMonitorPeriod: number;
  }>();
  const logger = createJsonLogger((l) => process.stderr.write(l), { level: o.logLevel, now: () => systemClock.now() });
  const cfg: HubConfig = {
    dataDir: resolve(o.dataDir),
    apiListen: o.apiListen,
    mqttListen: o.mqttListen,
    ...(o.mqttsListen ? { mqttsListen: o.mqttsListen } : {}),
    compactionIntervalMs: Math.max(5000, o.compactionInterval),
    watchHistory: o.watchHistory,
    maxBodyBytes: 3 * 1024 * 1024,
    version: FLOTILLA_VERSION,
    tlsSans: o.tlsSan,
    brokerLimits: DEFAULT_FLEET_CONFIG.brokerLimits,
    nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriod,
    nodeMonitorPeriodMs: o.nodeMonitorPeriod,
    uiDir: defaultUiDir(import.meta.dirname),
  };
  const hub = await startHub(cfg, { clock: systemClock, logger });
  logger.info('hub ready', { api: hub.apiUrl, mqtt: hub.mqttUrl, ...(hub.mqttsUrl ? { mqtts: hub.mqttsUrl } : {}), kubeconfig: hub.kubeconfigPath, dataDir: cfg.dataDir, hubKey: hub.hubKeyFingerprint });
  process.stdout.write(
    `Flotilla hub ${FLOTILLA_VERSION}\n  API:        ${hub.apiUrl}\n  MQTT:       ${hub.mqttUrl}${hub.mqttsUrl ? `, ${hub.mqttsUrl}` : ''}\n  kubeconfig: ${hub.kubeconfigPath}\n  hub key:    ${hub.hubKeyFingerprint}\n  data dir:   ${cfg.dataDir}\n`,
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

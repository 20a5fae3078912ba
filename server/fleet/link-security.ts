/**
 * The hub's settings for the security of the device link, and how they reach the broker:
 * refused CONNECTs go to the audit log, reconnect storms are rate-limited per identity, and the
 * address devices are told to dial (in join strings) is the advertised one.
 */
import { hostname } from 'node:os';
import type { AuditLogOptions, AuditSink } from '../audit/audit-log.js';
import type { BrokerDeps, RunningBroker } from '../broker/broker.js';
import type { ConnectRateLimit } from '../broker/connect-guard.js';
import { formatHostPort, type ListenAddress } from '../listen-address.js';

export interface LinkSecurityConfig {
  /** The host devices dial (join strings carry it); default: this machine's host name. */
  advertiseAddress?: string;
  audit: AuditLogOptions;
  connectRate: ConnectRateLimit;
}

export function linkSecurityFor(cfg: LinkSecurityConfig, audit: AuditSink, now: () => number): Pick<BrokerDeps, 'onRefused' | 'connectRate' | 'now'> {
  return {
    connectRate: cfg.connectRate,
    now,
    onRefused: (r) =>
      audit({ user: r.username ?? r.clientId, verb: 'connect', resource: `mqtt/${r.clientId}`, result: 'refused', detail: r.reason, ...(r.remote ? { remote: r.remote } : {}) }),
  };
}

/** The MQTT URLs devices are told to dial: the advertised host with the ports the broker got. */
export function advertisedUrls(
  cfg: { link: LinkSecurityConfig; mqttListen?: ListenAddress; mqttsListen?: ListenAddress },
  broker: Pick<RunningBroker, 'port' | 'tlsPort'>,
): { mqttsUrl?: string; mqttUrl?: string } {
  const host = (listen: ListenAddress): string => cfg.link.advertiseAddress ?? (listen.host === '0.0.0.0' || listen.host === '::' ? hostname() : listen.host);
  return {
    ...(cfg.mqttsListen && broker.tlsPort !== undefined ? { mqttsUrl: `mqtts://${formatHostPort(host(cfg.mqttsListen), broker.tlsPort)}` } : {}),
    ...(cfg.mqttListen && broker.port !== undefined ? { mqttUrl: `mqtt://${formatHostPort(host(cfg.mqttListen), broker.port)}` } : {}),
  };
}

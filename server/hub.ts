/** Assembles the hub from its parts; main.ts supplies config, logger and clock. */
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:https';
import { resourceName, SERVED_KINDS } from '../shared/api/kinds.js';
import type { Clock } from '../shared/util/clock.js';
import type { Logger } from '../shared/util/logger.js';
import { InternalClient } from './apiserver/internal-client.js';
import { LeaseView } from './apiserver/leases.js';
import { ResourceService } from './apiserver/resource-service.js';
import { PodSecurityAdmission } from './apiserver/admission/pod-security.js';
import type { PodSecurityLevel } from '../shared/api/pod-security/index.js';
import { createApiServer } from './apiserver/server.js';
import { DEFAULT_BROKER_LIMITS, startBroker, type BrokerLimits, type RunningBroker } from './broker/broker.js';
import { daemonSetController } from './controllers/daemonset/index.js';
import { disruptionController } from './controllers/disruption/index.js';
import { garbageCollectors } from './controllers/gc/index.js';
import { nodeDesiredStateController } from './controllers/node-desired-state/index.js';
import { nodeLifecycleController } from './controllers/node-lifecycle/index.js';
import { podGcController } from './controllers/pod-gc/index.js';
import { ControllerRuntime } from './controllers/runtime/index.js';
import { taintEvictionController } from './controllers/taint-eviction/index.js';
import { startDashboard } from './dashboard/index.js';
import { EventRecorder } from './events/recorder.js';
import { DEFAULT_NODE_EVENT_RATE_LIMIT, NodeEventLimiter, type NodeEventRateLimit } from './events/node-rate-limit.js';
import { DEFAULT_EVENT_TTL_MS, eventTtlController } from './controllers/event-ttl/index.js';
import { FleetAuthenticator } from './fleet/authenticator.js';
import { BootstrapTokens } from './fleet/bootstrap-tokens.js';
import { ConnectCounters } from './fleet/connect-counters.js';
import { Enrollment } from './fleet/enrollment.js';
import { loadDesiredEpoch } from './fleet/desired-epoch.js';
import { loadOrCreateHubSigningKey } from './fleet/hub-signing-key.js';
import { LeaseTracker } from './fleet/leases.js';
import { NodeIdentities } from './fleet/node-identities.js';
import { watchRevocations } from './fleet/revocation.js';
import { fleetTopicPolicy } from './fleet/topic-policy.js';
import { publishHubInfo } from './fleet/hub-info.js';
import { caCertPin } from '../shared/crypto/index.js';
import { AgentIntake } from './link/agent-intake.js';
import { LogRelay } from './link/log-relay.js';
import { StreamRelay } from './link/stream-relay.js';
import { NodeMetrics } from './link/node-metrics.js';
import { MetricsApi } from './apiserver/metrics-api.js';
import type { Publish } from './link/publish.js';
import { DEFAULT_DECODE_LIMITS, parseTopic } from '../shared/protocol/index.js';
import { writeFileAtomic } from '../shared/util/atomic-file.js';
import { kubeconfigYaml, loadOrCreateAdminToken } from './credentials.js';
import { formatHostPort, type ListenAddress } from './listen-address.js';
import { createMqttSessionStore } from './broker/memory-sessions.js';
import { ObjectStore } from './store/object-store.js';
import { loadOrCreatePki } from './tls/hub-pki.js';
import { AuditLog } from './audit/audit-log.js';
import { advertisedUrls, linkSecurityFor, type LinkSecurityConfig } from './fleet/link-security.js';

export interface HubConfig {
  dataDir: string;
  apiListen: ListenAddress;
  /** Plain MQTT; undefined: off (devices use TLS). */
  mqttListen?: ListenAddress;
  /** MQTT over TLS (the API's certificate); undefined: off. */
  mqttsListen?: ListenAddress;
  /** Security of the device link: advertised address, audit log (server/fleet/link-security.ts). */
  link: LinkSecurityConfig;
  compactionIntervalMs: number;
  watchHistory: number;
  /** Bytes all API watch streams together may hold in send buffers (server/apiserver/watch-budget.ts). */
  watchMemoryCapBytes: number;
  maxBodyBytes: number;
  version: string;
  /** Extra names and addresses the serving certificate must cover (as k3s' --tls-san). */
  tlsSans: string[];
  brokerLimits: BrokerLimits;
  /** No heartbeat for this long: the node's conditions go Unknown (Kubernetes' default 40 s). */
  nodeMonitorGracePeriodMs: number;
  /** How often node health is re-evaluated at most (Kubernetes' default 5 s). */
  nodeMonitorPeriodMs: number;
  /** Pod Security level of namespaces without a `pod-security.kubernetes.io/enforce` label; default baseline. */
  podSecurityDefault?: PodSecurityLevel;
  /** Start a new desired-state epoch: the hub's state wins over what devices hold (after a restore). */
  newDesiredEpoch?: boolean;
  /** The built dashboard (dist/ui); /ui/ answers 503 when it holds none. */
  uiDir: string;
  /** Events expire this long after they were last seen; nodes' events are rate-limited per node. */
  events: { ttlMs: number; nodeRate: NodeEventRateLimit };
}

export const DEFAULT_FLEET_CONFIG = {
  brokerLimits: DEFAULT_BROKER_LIMITS,
  nodeMonitorGracePeriodMs: 40_000,
  nodeMonitorPeriodMs: 5_000,
  events: { ttlMs: DEFAULT_EVENT_TTL_MS, nodeRate: DEFAULT_NODE_EVENT_RATE_LIMIT },
};

export interface RunningHub {
  apiUrl: string;
  mqttUrl?: string;
  mqttsUrl?: string;
  kubeconfigPath: string;
  caPem: string;
  hubKeyFingerprint: string;
  store: ObjectStore;
  close(): Promise<void>;
}

export async function startHub(cfg: HubConfig, deps: { clock: Clock; logger: Logger }): Promise<RunningHub> {
  const { clock, logger } = deps;
  const store = await ObjectStore.open({
    dir: join(cfg.dataDir, 'store'),
    resources: SERVED_KINDS.map(resourceName),
    clock,
    logger: logger.child({ component: 'store' }),
    compactionIntervalMs: cfg.compactionIntervalMs,
    watchHistory: cfg.watchHistory,
  });
  const service = new ResourceService(store, clock, new PodSecurityAdmission(cfg.podSecurityDefault ?? 'baseline'));
  await service.ensureSystemNamespaces();
  const adminToken = await loadOrCreateAdminToken(cfg.dataDir);
  const pki = await loadOrCreatePki(cfg.dataDir, certificateHosts(cfg), clock.now());
  const audit = new AuditLog(cfg.link.audit, clock, logger.child({ component: 'audit' }));

  const fleet = await startFleet(cfg, { clock, logger, store, service, tls: { ...pki.serving, caPem: pki.ca.certPem }, audit });
  const dashboard = await startDashboard({ uiDir: cfg.uiDir, graceMs: cfg.nodeMonitorGracePeriodMs, clock, logger });
  fleet.leases.onRenew(dashboard.heard);
  const api = createApiServer({
    store,
    service,
    adminToken,
    clock,
    logger,
    version: cfg.version,
    maxBodyBytes: cfg.maxBodyBytes,
    watch: { defaultTimeoutSeconds: 1800, maxBufferedBytes: 16 * 1024 * 1024, maxTotalBufferedBytes: cfg.watchMemoryCapBytes, bookmarkIntervalMs: 60_000 },
    tls: pki.serving,
    podLogs: fleet.logs,
    podStreams: fleet.streams,
    audit: audit.record,
    ui: dashboard.handle,
    metrics: new MetricsApi({ usage: fleet.metrics, service, clock }),
    leases: new LeaseView({
      heartbeats: fleet.leases,
      nodeUid: async (name) => (await store.get('nodes', undefined, name))?.metadata.uid,
      leaseDurationSeconds: Math.round(cfg.nodeMonitorGracePeriodMs / 1000),
      clock,
      defaultWatchTimeoutSeconds: 1800,
    }),
  });

  const port = await listen(api, cfg.apiListen);
  const host = reachable(cfg.apiListen.host);
  const apiUrl = `https://${formatHostPort(host, port)}`;
  const kubeconfigPath = join(cfg.dataDir, 'kubeconfig');
  await writeFileAtomic(kubeconfigPath, kubeconfigYaml(apiUrl, adminToken, pki.ca.certPem), 0o600);

  return {
    apiUrl,
    ...(cfg.mqttListen && fleet.broker.port !== undefined ? { mqttUrl: `mqtt://${formatHostPort(reachable(cfg.mqttListen.host), fleet.broker.port)}` } : {}),
    ...(cfg.mqttsListen && fleet.broker.tlsPort !== undefined ? { mqttsUrl: `mqtts://${formatHostPort(reachable(cfg.mqttsListen.host), fleet.broker.tlsPort)}` } : {}),
    kubeconfigPath,
    caPem: pki.ca.certPem,
    hubKeyFingerprint: fleet.hubKeyFingerprint,
    store,
    async close() {
      await new Promise<void>((resolve) => {
        api.close(() => resolve());
        api.closeAllConnections();
        dashboard.close();
      });
      await fleet.close();
      await audit.flush();
      await store.close();
    },
  };
}

interface Fleet {
  broker: RunningBroker;
  /** Log streams between the API's `pods/NAME/log` and the devices. */
  logs: LogRelay;
  /** exec / attach / port-forward streams between the API and the devices. */
  streams: StreamRelay;
  /** Heartbeats in memory: the API's Lease view reads them. */
  leases: LeaseTracker;
  /** Usage samples in memory: the API's Metrics view reads them. */
  metrics: NodeMetrics;
  hubKeyFingerprint: string;
  close(): Promise<void>;
}

/** The MQTT side: broker, identities and enrollment, agent intake, desired documents. */
async function startFleet(
  cfg: HubConfig,
  deps: { clock: Clock; logger: Logger; store: ObjectStore; service: ResourceService; tls: { keyPem: string; certPem: string; caPem: string }; audit: AuditLog },
): Promise<Fleet> {
  const { clock, logger, store } = deps;
  const client = new InternalClient(deps.service, store);
  const events = new EventRecorder(client, clock, logger.child({ component: 'events' }));
  const nodeEvents = new NodeEventLimiter(events, cfg.events.nodeRate, clock, logger);
  const leases = new LeaseTracker(clock);
  const tokens = new BootstrapTokens(client, clock);
  const counters = await ConnectCounters.open(join(cfg.dataDir, 'fleet', 'connect-counters'));
  const identities = new NodeIdentities(client, clock, counters);
  const hubKey = await loadOrCreateHubSigningKey(cfg.dataDir);
  const epoch = await loadDesiredEpoch(cfg.dataDir, { bump: cfg.newDesiredEpoch === true, now: clock.now() });
  if (epoch.bumpedFrom !== undefined) logger.warn('new desired-state epoch: devices take this hub\'s state over what they hold', { epoch: epoch.epoch, previous: epoch.bumpedFrom });
  const enrollment = new Enrollment({ tokens, identities, client, events, hubPublicKey: hubKey.publicKey, logger, audit: deps.audit.record });

  // Called only once the broker below is up (agents' messages and the publisher start after it).
  const publish: Publish = (topic, payload, opts) => broker.publish(topic, payload, opts);
  const logs = new LogRelay({ publish, clock, logger });
  const streams = new StreamRelay({ publish, clock, logger });
  const metrics = new NodeMetrics({ publish, clock, logger: logger.child({ component: 'metrics' }) });
  const intake = new AgentIntake({
    client,
    leases,
    events,
    nodeEvents,
    enrollment,
    publish,
    clock,
    logger,
    limits: DEFAULT_DECODE_LIMITS,
    graceMs: cfg.nodeMonitorGracePeriodMs,
    statusRequestIntervalMs: 30_000,
    logs,
    streams,
    metrics,
  });
  // Sessions live in memory only (the store is the truth; desired documents are republished at
  // start); queued desired documents coalesce to the latest, and each client's queue is bounded.
  const sessions = createMqttSessionStore({
    clock,
    logger: logger.child({ component: 'mqtt-sessions' }),
    maxQueuedPerClient: 100,
    coalesceTopic: (topic) => {
      const p = parseTopic(topic);
      return p?.kind === 'node' && p.channel === 'desired';
    },
  });
  const broker = await startBroker({
    persistence: sessions,
    ...(cfg.mqttListen ? { plain: cfg.mqttListen } : {}),
    ...(cfg.mqttsListen ? { tls: { ...cfg.mqttsListen, ...deps.tls } } : {}),
    ...linkSecurityFor(cfg.link, deps.audit.record, () => clock.now().getTime()),
    limits: cfg.brokerLimits,
    auth: new FleetAuthenticator(tokens, identities),
    policy: fleetTopicPolicy,
    logger,
    onMessage: (p, topic, payload) => intake.onMessage(p, topic, payload),
    recipientOf: (topic) => {
      const t = parseTopic(topic);
      return t?.kind === 'node' ? `node:${t.node}` : t?.kind === 'enroll' ? `enroll:${t.clientId}` : undefined;
    },
  });
  const stopRevocations = watchRevocations(client, broker, logger, (node, why) => deps.audit.record({ user: 'hub', verb: 'revoke', resource: `nodes/${node}`, result: 'allowed', detail: why }));
  await publishHubInfo(client, { ...advertisedUrls(cfg, broker), caPin: caCertPin(deps.tls.caPem), keyPin: hubKey.fingerprint });
  const controllers = new ControllerRuntime(
    [
      nodeDesiredStateController({ currentRv: () => store.currentRv(), epoch: epoch.epoch, client, key: hubKey, publish, clock }),
      nodeLifecycleController({
        client,
        leases,
        clock,
        logger,
        events,
        config: { nodeMonitorGracePeriodMs: cfg.nodeMonitorGracePeriodMs, nodeMonitorPeriodMs: cfg.nodeMonitorPeriodMs },
      }),
      taintEvictionController({ client, clock, logger, events }),
      daemonSetController({ client, clock, logger }),
      ...garbageCollectors({ client }),
      podGcController({ client, clock, logger, events }),
      disruptionController({ client, clock }),
      eventTtlController({ client, clock, ttlMs: cfg.events.ttlMs }),
    ],
    { store, clock, logger },
  );
  await controllers.start();

  return {
    broker,
    logs,
    streams,
    leases,
    metrics,
    hubKeyFingerprint: hubKey.fingerprint,
    async close() {
      logs.closeAll();
      streams.closeAll();
      controllers.stop();
      stopRevocations();
      await broker.close();
      await sessions.destroy();
      await intake.drain();
      await counters.close();
      nodeEvents.close();
      intake.close();
      await events.flush();
    },
  };
}

/** An address a local client can dial for a listen address (wildcards become loopback). */
function reachable(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

/** Loopback, this machine's name, the listen address and any --tls-san. */
function certificateHosts(cfg: HubConfig): string[] {
  const hosts = new Set(['localhost', '127.0.0.1', '::1', hostname(), ...cfg.tlsSans, ...(cfg.link.advertiseAddress ? [cfg.link.advertiseAddress] : [])]);
  const h = cfg.apiListen.host;
  if (h !== '0.0.0.0' && h !== '::') hosts.add(h);
  return [...hosts];
}

function listen(server: Server, addr: ListenAddress): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

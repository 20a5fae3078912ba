/**
 * The agent, wired from injected parts (main.ts builds them): enroll if the data dir holds no
 * enrolled identity, load the verified desired-state cache (and act on it before any network),
 * connect, report status, and hand each newly accepted desired state to `onDesired`.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { conditionsConfig, goArch, NodeStatusCollector, type HostProbe, type StaticHostInfo } from './conditions/index.js';
import type { AgentConfig } from './config/index.js';
import { ConnectCounter, loadHubKey, loadIdentity, NodeCredentials, saveHubKey, saveIdentity } from './identity/index.js';
import type { HubKeyRecord, NodeIdentity } from './identity/index.js';
import { AgentLink, enroll, RECONNECT_BACKOFF, type LinkOptions, type MqttConnector } from './link/index.js';
import type { ContainerEngine } from './engine/types.js';
import { LogStreamer } from './logs/log-streamer.js';
import { StreamHost } from './streams/stream-host.js';
import type { MetricsSampler } from './metrics/sampler.js';
import { DesiredCache } from './state/index.js';
import { StatusReporter, type RuntimeProbe } from './status/index.js';
import { createVerifier, generateIdentity, keyFingerprint } from '../shared/crypto/index.js';
import { decodeHubMessage, parseTopic } from '../shared/protocol/index.js';
import type { AgentMessage, DesiredRevision, DesiredState } from '../shared/protocol/index.js';
import type { Clock } from '../shared/util/clock.js';
import { errorMessage } from '../shared/util/guards.js';
import type { Logger } from '../shared/util/logger.js';
import { FLOTILLA_VERSION } from '../shared/version.js';

/** Startup cannot go on; main.ts prints the message and exits with `exitCode`. */
export class AgentStartupError extends Error {
  constructor(
    message: string,
    /** 2: configuration or enrollment refused (fix the config); 1: anything else. */
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = 'AgentStartupError';
  }
}

/** Startup was aborted (SIGTERM during enrollment): exit cleanly. */
export class AgentAborted extends Error {
  constructor() {
    super('aborted');
    this.name = 'AgentAborted';
  }
}

export type DesiredHandler = (state: DesiredState, source: 'persisted' | 'hub') => void | Promise<void>;

/** What the workload runner (the reconciler) gets from the agent. */
export interface WorkloadContext {
  nodeName: string;
  logger: Logger;
  /** The verified desired-state cache: the runner starts from its current() (the persisted state). */
  desired: DesiredCache;
  /** This node's box secret key: Secrets in the desired document are sealed to it. */
  boxSecretKey: Uint8Array;
  /** Publishes on the node's `pods` or `events` channel; true when the broker took it. */
  send(channel: 'pods' | 'events', msg: AgentMessage): Promise<boolean>;
}

/** The running workloads: told of each newer desired state, stopped (containers keep running) at exit. */
export interface Workloads {
  update(state: DesiredState): void;
  /** The revision of the desired state last carried out (reported in the node status). */
  applied?(): DesiredRevision | undefined;
  stop(): Promise<void>;
}

export interface AgentDeps {
  connector: MqttConnector;
  clock: Clock;
  logger: Logger;
  hostProbe: HostProbe;
  runtime: RuntimeProbe;
  random?: () => number;
  /** Called with each newly accepted desired state (and the persisted one at start). */
  onDesired?: DesiredHandler;
  /** Starts running the pods (main.ts: the reconciler over Docker), before any connection to the hub. */
  startWorkloads?: (ctx: WorkloadContext) => Workloads | Promise<Workloads>;
  /** The container runtime; without it the hub's `logs` commands are only logged. */
  engine?: ContainerEngine;
  /** Samples resource usage for the hub's Metrics API; without it `metrics` commands are only logged. */
  metrics?: MetricsSampler;
}

export interface StartOptions {
  signal?: AbortSignal;
  /** Bound on one enrollment exchange (default 30 s). */
  enrollTimeoutMs?: number;
  /** Link tuning (tests shorten the backoff). */
  link?: Partial<Pick<LinkOptions, 'backoff' | 'keepaliveSeconds' | 'connectTimeoutMs' | 'stableAfterMs' | 'stopTimeoutMs'>>;
}

export interface RunningAgent {
  nodeName: string;
  link: AgentLink;
  reporter: StatusReporter;
  cache: DesiredCache;
  workloads?: Workloads;
  /** Stops reporting, says offline, disconnects. */
  stop(): Promise<void>;
}

interface Enrolled {
  identity: NodeIdentity;
  hub: HubKeyRecord;
}

function hubKeyProblem(cfg: AgentConfig, hubKey: Uint8Array): string | undefined {
  const fp = keyFingerprint(hubKey);
  if (cfg.hubKeyFingerprint !== undefined && fp !== cfg.hubKeyFingerprint) {
    return `the hub's key has fingerprint ${fp}, but ${cfg.hubKeyFingerprint} is pinned`;
  }
  return undefined;
}

/** Loads the enrolled identity, or enrolls with the bootstrap token. */
async function ensureEnrolled(cfg: AgentConfig, deps: AgentDeps, opts: StartOptions): Promise<Enrolled> {
  const log = deps.logger;
  let identity = await loadIdentity(cfg.dataDir);
  const hub = await loadHubKey(cfg.dataDir);
  let nodeName = cfg.nodeName;
  if (identity && identity.nodeName !== nodeName) {
    if (cfg.nodeNameSource === 'hostname') {
      // The host name changed after enrollment (a first-boot rename): the identity's name stands.
      log.info('using the enrolled node name', { nodeName: identity.nodeName, hostname: cfg.nodeName });
      nodeName = identity.nodeName;
    } else if (hub?.nodeName === identity.nodeName) {
      throw new AgentStartupError(
        `${cfg.dataDir} is enrolled as node "${identity.nodeName}", but the configuration says "${cfg.nodeName}"; ` +
          `to enroll under the new name, remove identity.json and hub.json from ${cfg.dataDir} and start with a bootstrap token`,
        2,
      );
    } else {
      identity = { nodeName, keys: identity.keys };
    }
  }

  if (identity && hub?.nodeName === identity.nodeName) {
    const problem = hubKeyProblem(cfg, hub.hubKey);
    if (problem) throw new AgentStartupError(`${join(cfg.dataDir, 'hub.json')}: ${problem}`, 2);
    if (cfg.token !== undefined) log.info('already enrolled, bootstrap token not used', { nodeName: identity.nodeName });
    return { identity, hub };
  }

  if (cfg.token === undefined) {
    throw new AgentStartupError(
      `this device is not enrolled yet (no identity in ${cfg.dataDir}): give a bootstrap token with --token, ` +
        `$FLOTILLA_AGENT_TOKEN or "token" in ${join(cfg.dataDir, 'config.json')}`,
      2,
    );
  }
  // Keys are saved before the request, so a retry after a crash presents the same key.
  const id: NodeIdentity = identity ?? { nodeName, keys: generateIdentity() };
  await mkdir(cfg.dataDir, { recursive: true, mode: 0o700 });
  await saveIdentity(cfg.dataDir, id);
  log.info('enrolling', { nodeName, hub: cfg.hubUrl });
  let arch: string | undefined;
  try {
    arch = goArch((await deps.hostProbe.osInfo()).arch);
  } catch (e) {
    log.warn('architecture unknown', { error: errorMessage(e) });
  }
  const outcome = await enroll(
    { hubUrl: cfg.hubUrl, token: cfg.token, nodeName, keys: id.keys, agentVersion: FLOTILLA_VERSION, ...(arch !== undefined ? { arch } : {}) },
    { connector: deps.connector, clock: deps.clock, logger: deps.logger, ...(deps.random ? { random: deps.random } : {}) },
    {
      checkHubKey: (key) => hubKeyProblem(cfg, key) ?? (cfg.hubPublicKey && Buffer.compare(cfg.hubPublicKey, key) !== 0 ? 'the hub key differs from the configured hubPublicKey' : undefined),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.enrollTimeoutMs !== undefined ? { timeoutMs: opts.enrollTimeoutMs } : {}),
    },
  );
  if (!outcome.ok) {
    if (opts.signal?.aborted) throw new AgentAborted();
    throw new AgentStartupError(`enrollment refused by the hub (${outcome.reason}): ${outcome.message}`, outcome.permanent ? 2 : 1);
  }
  const saved = await saveHubKey(cfg.dataDir, nodeName, outcome.hubKey);
  log.info('enrolled', { nodeName, hubKeyFingerprint: saved.fingerprint });
  return { identity: id, hub: saved };
}

export async function startAgent(cfg: AgentConfig, deps: AgentDeps, opts: StartOptions = {}): Promise<RunningAgent> {
  const log = deps.logger;

  const { identity, hub } = await ensureEnrolled(cfg, deps, opts);
  const node = identity.nodeName;
  const nodeLog = log.child({ node });

  const collector = new NodeStatusCollector(deps.hostProbe, conditionsConfig({ agentDataDir: cfg.dataDir, nodeName: node }), () => deps.clock.now());
  let info: StaticHostInfo | undefined;
  try {
    info = await collector.collectStatic();
  } catch (e) {
    nodeLog.warn('host information unavailable', { error: errorMessage(e) });
  }

  const cache = await DesiredCache.open({ dir: join(cfg.dataDir, 'state'), node, verify: createVerifier(hub.hubKey), logger: nodeLog });
  let handlers: Promise<unknown> = Promise.resolve();
  const handOn = (state: DesiredState, source: 'persisted' | 'hub'): void => {
    handlers = handlers
      .then(() => deps.onDesired?.(state, source))
      .catch((e: unknown) => nodeLog.error('desired state handler failed', { seq: state.seq, error: errorMessage(e) }));
  };
  const persisted = cache.current();
  if (persisted) handOn(persisted, 'persisted');

  const counter = await ConnectCounter.open(cfg.dataDir);
  if (counter.wasCorrupt) nodeLog.warn('connect counter file unreadable, starting from 0 (a refusal jumps past the hub\'s value)', { dataDir: cfg.dataDir });

  const linkDeps = { connector: deps.connector, clock: deps.clock, logger: nodeLog, ...(deps.random ? { random: deps.random } : {}) };
  const link = new AgentLink(
    {
      url: cfg.hubUrl,
      node,
      credentials: new NodeCredentials({ ...identity, nodeName: node }, counter, nodeLog),
      agentVersion: FLOTILLA_VERSION,
      ...(info?.bootID ? { bootId: info.bootID } : {}),
      backoff: { ...RECONNECT_BACKOFF, maxMs: cfg.reconnectMaxDelayMs },
      ...opts.link,
    },
    linkDeps,
  );
  const reporter = new StatusReporter(
    { heartbeatIntervalMs: cfg.heartbeatIntervalMs, statusIntervalMs: cfg.statusIntervalMs, extraLabels: cfg.labels },
    // Workloads start below; until then nothing is applied.
    { link, collector, runtime: deps.runtime, clock: deps.clock, logger: nodeLog, applied: () => workloads?.applied?.() },
  );

  const logs = deps.engine ? new LogStreamer({ engine: deps.engine, send: (m) => link.sendLogChunk(m), clock: deps.clock, logger: nodeLog }) : undefined;
  const streams = deps.engine
    ? new StreamHost({
        engine: deps.engine,
        // Not awaited: mqtt.js sends in call order; the stream's window bounds what is in flight.
        send: (m) => void link.sendStream(m),
        logger: nodeLog,
      })
    : undefined;
  // A stream's chunks cannot reach the hub over a link that is down: the hub ends it on its side.
  link.onState((s) => {
    if (s.state !== 'online') {
      logs?.abortAll(`link ${s.state}`);
      void streams?.closeAll(`link ${s.state}`);
    }
  });

  // The pods run from the persisted desired state whether or not the hub is reachable.
  const workloads = deps.startWorkloads
    ? await deps.startWorkloads({ nodeName: node, logger: nodeLog, desired: cache, boxSecretKey: identity.keys.boxSecretKey, send: async (channel, msg) => (await link.send(channel, msg)).delivered })
    : undefined;

  link.onMessage((topic, payload) => {
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'node' || parsed.node !== node) {
      nodeLog.warn('message on an unexpected topic ignored', { topic });
      return;
    }
    if (parsed.channel === 'desired') {
      cache.accept(payload).then(
        (r) => {
          if (r.status === 'accepted') {
            workloads?.update(r.state);
            handOn(r.state, 'hub');
          }
        },
        (e: unknown) => nodeLog.error('desired state handling failed', { error: errorMessage(e) }),
      );
      return;
    }
    if (parsed.channel === 'cmd') {
      try {
        const cmd = decodeHubMessage('cmd', payload);
        if (cmd.cmd === 'sendStatus') {
          nodeLog.info('hub asked for the full status');
          reporter.requestFullStatus();
        } else if (cmd.cmd === 'metrics') {
          if (deps.metrics) deps.metrics.request();
          else nodeLog.warn('command not supported yet', { cmd: cmd.cmd });
        } else if (logs) {
          logs.handle(cmd);
        } else {
          nodeLog.warn('command not supported yet', { cmd: cmd.cmd });
        }
      } catch (e) {
        nodeLog.warn('malformed command ignored', { error: errorMessage(e), bytes: payload.length });
      }
      return;
    }
    if (parsed.channel === 'stream-in') {
      try {
        const msg = decodeHubMessage('stream-in', payload);
        if (streams) streams.handle(msg);
        else if (msg.op === 'open') void link.sendStream({ v: 1, t: 'streamOut', op: 'opened', id: msg.id, error: 'this agent runs no container engine' });
      } catch (e) {
        nodeLog.warn('malformed stream message ignored', { error: errorMessage(e), bytes: payload.length });
      }
      return;
    }
    nodeLog.warn('message on an unexpected topic ignored', { topic });
  });

  reporter.start();
  link.start();
  deps.metrics?.start((m) => link.send('metrics', m));

  return {
    nodeName: node,
    link,
    reporter,
    cache,
    ...(workloads ? { workloads } : {}),
    async stop() {
      await workloads?.stop();
      await deps.metrics?.stop();
      await reporter.stop();
      await logs?.stop();
      await streams?.closeAll('agent stopping');
      await link.stop();
      await cache.close();
      await handlers;
    },
  };
}

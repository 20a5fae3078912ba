/**
 * Hollow devices, many per process: each is the real agent (enrollment, identity and connect
 * counter, link, status reporter, verified desired cache, reconciler) with its own data dir and
 * its own keys, over a recorded Raspberry Pi host and a HollowEngine instead of Docker.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { DEFAULT_WORKLOAD_SETTINGS, type AgentConfig } from '../../agent/config/index.js';
import type { MqttConnector } from '../../agent/link/index.js';
import { readNodeFacts, reconcilerConfig, startReconciler } from '../../agent/reconcile/index.js';
import { engineRuntimeProbe } from '../../agent/status/index.js';
import type { HostProbe } from '../../agent/conditions/index.js';
import type { Clock } from '../../shared/util/clock.js';
import type { Logger } from '../../shared/util/logger.js';
import { noProbes } from '../support/no-probes.js';
import { HollowEngine } from './hollow-engine.js';

export interface HollowFleetOptions {
  hubUrl: string;
  token: string;
  /** Pins the hub key at enrollment (the join string's fingerprint), when given. */
  hubKeyFingerprint?: string;
  nodes: number;
  /** Node names are PREFIX-0, PREFIX-1, … */
  prefix: string;
  /** Each device's data dir is DATAROOT/NAME. */
  dataRoot: string;
  heartbeatIntervalMs: number;
  /** How many devices start (enroll, first connect) at a time. */
  startConcurrency: number;
  /** How long each pod's image pull takes. */
  podStartDelayMs: number;
  /** Per image (exact reference): its pull delay instead of podStartDelayMs. */
  imagePullDelaysMs?: ReadonlyMap<string, number>;
  pullFailureRate: number;
  crashRate: number;
  /** How often each reconciler lists its (hollow) containers. */
  reconcileIntervalMs: number;
}

export interface HollowFleetDeps {
  connector: MqttConnector;
  hostProbe: HostProbe;
  clock: Clock;
  logger: Logger;
  random: () => number;
}

export interface HollowDevice {
  name: string;
  agent: RunningAgent;
  engine: HollowEngine;
}

export interface FleetCounts {
  started: number;
  failed: number;
  online: number;
  runningContainers: number;
}

export class HollowFleet {
  readonly devices: HollowDevice[] = [];
  readonly failures: { name: string; error: string }[] = [];

  private constructor(
    private readonly opts: HollowFleetOptions,
    private readonly deps: HollowFleetDeps,
  ) {}

  /** Starts every device, `startConcurrency` at a time; resolves when each has started or failed. */
  static async start(opts: HollowFleetOptions, deps: HollowFleetDeps): Promise<HollowFleet> {
    const fleet = new HollowFleet(opts, deps);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < opts.nodes) {
        const i = next++;
        await fleet.startOne(`${opts.prefix}-${i}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.startConcurrency, opts.nodes) }, worker));
    return fleet;
  }

  counts(): FleetCounts {
    let online = 0;
    let runningContainers = 0;
    for (const d of this.devices) {
      if (d.agent.link.state === 'online') online += 1;
      runningContainers += d.engine.runningCount();
    }
    return { started: this.devices.length, failed: this.failures.length, online, runningContainers };
  }

  /** Stops every device (offline presence, DISCONNECT); `removeData` deletes their data dirs. */
  async stop(removeData: boolean): Promise<void> {
    await Promise.allSettled(this.devices.map((d) => d.agent.stop()));
    if (removeData) await rm(this.opts.dataRoot, { recursive: true, force: true });
  }

  private async startOne(name: string): Promise<void> {
    const { opts, deps } = this;
    const dataDir = join(opts.dataRoot, name);
    const cfg: AgentConfig = {
      ...DEFAULT_WORKLOAD_SETTINGS,
      hubUrl: opts.hubUrl,
      dataDir,
      nodeName: name,
      nodeNameSource: 'flag',
      token: opts.token,
      dockerSocket: '/nonexistent/hollow.sock',
      heartbeatIntervalMs: opts.heartbeatIntervalMs,
      statusIntervalMs: 5 * 60_000,
      logLevel: 'error',
      labels: { hollow: 'true' }, // flotilla.io/ labels are the hub's (NodeRestriction)
      reconcileIntervalMs: opts.reconcileIntervalMs,
      ...(opts.hubKeyFingerprint !== undefined ? { hubKeyFingerprint: opts.hubKeyFingerprint } : {}),
    };
    const engine = new HollowEngine({
      startDelayMs: opts.podStartDelayMs,
      ...(opts.imagePullDelaysMs ? { imageDelaysMs: opts.imagePullDelaysMs } : {}),
      pullFailureRate: opts.pullFailureRate,
      crashRate: opts.crashRate,
      random: deps.random,
      now: () => deps.clock.now(),
      setTimer: (fn, ms) => void deps.clock.setTimer(fn, ms),
    });
    try {
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      const agent = await startAgent(cfg, {
        connector: deps.connector,
        clock: deps.clock,
        logger: deps.logger,
        hostProbe: deps.hostProbe,
        runtime: engineRuntimeProbe(engine),
        engine,
        random: deps.random,
        startWorkloads: async (ctx) => {
          const reconciler = startReconciler({
            engine,
            probes: noProbes(),
            desired: ctx.desired,
            publishPodStatus: (msg) => ctx.send('pods', msg),
            publishEvents: (msg) => ctx.send('events', msg),
            config: reconcilerConfig(cfg, ctx.nodeName, await readNodeFacts(deps.hostProbe, ctx.logger)),
            clock: deps.clock,
            logger: ctx.logger,
          });
          return { update: (state) => reconciler.update(state), stop: () => reconciler.stop() };
        },
      });
      this.devices.push({ name, agent, engine });
    } catch (e: unknown) {
      this.failures.push({ name, error: e instanceof Error ? e.message : String(e) });
    }
  }
}

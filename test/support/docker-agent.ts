/**
 * The real agent in this process, with its reconciler on real Docker, enrolled with a test hub:
 * the device's default settings, a recorded Raspberry Pi 4 as its host, and its logs kept for a
 * failing test to print.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAgent, type AgentDeps, type RunningAgent } from '../../agent/agent.js';
import { DEFAULT_WORKLOAD_SETTINGS, type AgentConfig } from '../../agent/config/index.js';
import type { ContainerEngine } from '../../agent/engine/types.js';
import { mqttJsConnector } from '../../agent/link/index.js';
import { reconcilerConfig, startReconciler } from '../../agent/reconcile/index.js';
import { systemClock } from '../../shared/util/clock.js';
import { createJsonLogger } from '../../shared/util/logger.js';
import { DOCKER_SOCKET, TEST_IMAGE } from './env.js';
import { bootstrapToken } from './flotctl.js';
import type { HubHandle } from './hub.js';
import { noProbes } from './no-probes.js';
import { loadHostFixture, recordedHostProbe } from './recorded-host.js';
import { until } from './wait.js';

export interface DockerAgentOptions {
  /** The node name the agent joins as. */
  node: string;
  /** A word in its temporary folders' names. */
  tag: string;
  /** The broker URL the agent dials; the hub's own by default (a tap in between, say). */
  hubUrl?: string;
  /** False: the link alone, no reconcile loop (the test creates the containers itself). */
  reconcile?: boolean;
}

export interface DockerAgent {
  agent: RunningAgent;
  /** Its data folder (identity, desired-state cache). */
  dataDir: string;
  /** Its JSON log lines so far. */
  logs: string[];
  /** Stops the agent and removes its data folder. */
  stop(): Promise<void>;
}

/** Starts the agent against `hub` on `engine` and waits until its link is online. */
export async function startDockerAgent(hub: HubHandle, engine: ContainerEngine, opts: DockerAgentOptions): Promise<DockerAgent> {
  const dataDir = await mkdtemp(join(tmpdir(), `flotilla-agent-${opts.tag}-`));
  const host = await loadHostFixture(fileURLToPath(new URL('../fixtures/conditions/pi4-bookworm.json', import.meta.url)));
  const cfg: AgentConfig = {
    hubUrl: opts.hubUrl ?? hub.mqttUrl,
    dataDir,
    nodeName: opts.node,
    nodeNameSource: 'flag',
    token: await bootstrapToken(hub),
    dockerSocket: DOCKER_SOCKET,
    heartbeatIntervalMs: 1000,
    statusIntervalMs: 60_000,
    logLevel: 'debug',
    labels: {},
    ...DEFAULT_WORKLOAD_SETTINGS,
    podInfraImage: TEST_IMAGE,
    podInfraCommand: ['sleep', '2147483647'],
    runDir: await mkdtemp(`/dev/shm/flotilla-${opts.tag}-run-`),
  };
  const logs: string[] = [];
  const logger = createJsonLogger((l) => logs.push(l), { level: 'debug', now: () => new Date() });
  const agent = await startAgent(cfg, {
    connector: mqttJsConnector,
    clock: systemClock,
    logger,
    hostProbe: recordedHostProbe(host),
    runtime: { probe: () => Promise.resolve({ reachable: true, version: 'test' }) },
    engine,
    ...(opts.reconcile === false ? {} : { startWorkloads: reconcileOn(engine, cfg) }),
  });
  await until('agent online', () => (agent.link.state === 'online' ? true : undefined));
  return {
    agent,
    dataDir,
    logs,
    stop: async () => {
      await agent.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The agent's reconcile loop on `engine`, polling fast, with probes that never run. */
function reconcileOn(engine: ContainerEngine, cfg: AgentConfig): NonNullable<AgentDeps['startWorkloads']> {
  return (ctx) => {
      const rec = startReconciler({
        engine,
        probes: noProbes(),
        desired: ctx.desired,
        boxSecretKey: ctx.boxSecretKey,
        publishPodStatus: (msg) => ctx.send('pods', msg),
        publishEvents: (msg) => ctx.send('events', msg),
        config: { ...reconcilerConfig(cfg, ctx.nodeName, { hostIP: '127.0.0.1', cpuCores: 2, memoryBytes: 2 ** 31 }), pollIntervalMs: 300 },
        clock: systemClock,
        logger: ctx.logger,
      });
      return { update: (s) => rec.update(s), stop: () => rec.stop() };
  };
}

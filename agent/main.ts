#!/usr/bin/env node
/**
 * `flotilla-agent`: builds config, logger, clock and adapters, starts the agent, and on
 * SIGTERM/SIGINT says offline, disconnects and exits 0. Configuration problems exit 2 before
 * anything is written.
 */
import { hostname } from 'node:os';
import { AgentAborted, AgentStartupError, startAgent, type RunningAgent } from './agent.js';
import { systemHostProbe } from './conditions/index.js';
import { agentProgram, formatProblem, loadAgentConfig, parseFlags, TOKEN_ENV_VAR } from './config/index.js';
import { createDockerEngine } from './engine/docker-engine.js';
import { CgroupReader } from './metrics/cgroups.js';
import { MetricsSampler } from './metrics/sampler.js';
import { loadIdentity } from './identity/files.js';
import { loadHubCa, saveHubCa } from './identity/hub-ca.js';
import { handleJoin } from './join.js';
import { createMqttJsConnector } from './link/index.js';
import { createProbeManager } from './probes/index.js';
import { readNodeFacts, reconcilerConfig, startReconciler } from './reconcile/index.js';
import { engineRuntimeProbe } from './status/index.js';
import { systemClock, type Clock } from '../shared/util/clock.js';
import { errorMessage } from '../shared/util/guards.js';
import { createJsonLogger } from '../shared/util/logger.js';
import { FLOTILLA_VERSION } from '../shared/version.js';

function die(lines: string[], code: number): never {
  for (const l of lines) process.stderr.write(`flotilla-agent: ${l}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  if (await handleJoin(process.argv.slice(2))) return;
  const flags = parseFlags(agentProgram(), process.argv.slice(2));
  const token = process.env[TOKEN_ENV_VAR];
  const resolved = await loadAgentConfig(flags, { hostname: hostname(), cwd: process.cwd(), ...(token ? { token } : {}) });
  if (!resolved.ok) die(resolved.problems.map(formatProblem), 2);
  const cfg = resolved.config;

  // systemClock's timers do not hold the process open; a daemon's must (in backoff nothing else does).
  const clock: Clock = {
    now: () => systemClock.now(),
    setTimer: (fn, ms) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
  };
  const logger = createJsonLogger((l) => process.stderr.write(l), { level: cfg.logLevel, now: () => clock.now() });
  logger.info('agent starting', {
    version: FLOTILLA_VERSION,
    hub: cfg.hubUrl,
    dataDir: cfg.dataDir,
    nodeName: cfg.nodeName,
    heartbeatIntervalMs: cfg.heartbeatIntervalMs,
    statusIntervalMs: cfg.statusIntervalMs,
    ...(cfg.hubCA !== undefined ? { hubCA: 'configured' } : {}),
    ...(cfg.hubCaPin !== undefined ? { hubCaPin: cfg.hubCaPin } : {}),
  });
  if (cfg.insecureLink) {
    logger.warn('INSECURE LINK: plain MQTT to a hub on another machine (--insecure-link); the link is neither encrypted nor is the hub authenticated', { hub: cfg.hubUrl });
  }

  const aborter = new AbortController();
  let agent: RunningAgent | undefined;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('agent stopping', { signal });
    aborter.abort();
    const done = agent ? agent.stop() : Promise.resolve();
    done.then(
      () => {
        logger.info('agent stopped');
        process.exit(0);
      },
      (e: unknown) => {
        logger.error('agent stop failed', { error: errorMessage(e) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const hostProbe = systemHostProbe();
  // The node this agent runs as owns its containers; another agent on the same Docker host (or a
  // test run) never sees them. A host renamed after enrollment keeps its enrolled name, as startAgent does.
  const enrolled = await loadIdentity(cfg.dataDir).catch(() => undefined);
  const owner = enrolled && cfg.nodeNameSource === 'hostname' ? enrolled.nodeName : cfg.nodeName;
  const engine = createDockerEngine({ socketPath: cfg.dockerSocket, logger, owner });
  const probes = createProbeManager({ engine, clock, logger });
  try {
    agent = await startAgent(
      cfg,
      {
        connector: await hubConnector(cfg.hubCA, cfg.hubCaPin, cfg.dataDir, logger),
        clock,
        logger,
        hostProbe,
        runtime: engineRuntimeProbe(engine),
        engine,
        metrics: new MetricsSampler({ engine, cgroups: new CgroupReader(), clock, logger }),
        startWorkloads: async (ctx) => {
          const reconciler = startReconciler({
            engine,
            probes,
            desired: ctx.desired,
            boxSecretKey: ctx.boxSecretKey,
            publishPodStatus: (msg) => ctx.send('pods', msg),
            publishEvents: (msg) => ctx.send('events', msg),
            config: reconcilerConfig(cfg, ctx.nodeName, await readNodeFacts(hostProbe, ctx.logger)),
            clock,
            logger: ctx.logger,
          });
          return {
            update: (state) => reconciler.update(state),
            applied: () => reconciler.applied(),
            stop: async () => {
              await reconciler.stop();
              probes.stop();
            },
          };
        },
      },
      { signal: aborter.signal },
    );
  } catch (e) {
    if (e instanceof AgentAborted) return; // stop() exits
    if (e instanceof AgentStartupError) {
      logger.error('agent cannot start', { error: e.message });
      die([e.message], e.exitCode);
    }
    throw e;
  }
  logger.info('agent running', { nodeName: agent.nodeName });
}

/** The configured CA wins; else the CA found by its pin before (kept in the data dir); else the pin finds it. */
async function hubConnector(configured: string | undefined, pin: string | undefined, dataDir: string, logger: ReturnType<typeof createJsonLogger>): Promise<ReturnType<typeof createMqttJsConnector>> {
  const ca = configured ?? (await loadHubCa(dataDir));
  return createMqttJsConnector({
    ...(ca !== undefined ? { ca } : {}),
    ...(pin !== undefined ? { caPin: pin } : {}),
    onPinnedCa: (pem) => {
      saveHubCa(dataDir, pem).then(
        () => logger.info('hub CA pinned and saved', { pin }),
        (e: unknown) => logger.error('hub CA could not be saved', { error: errorMessage(e) }),
      );
    },
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`flotilla-agent: ${errorMessage(e)}\n`);
  process.exit(1);
});

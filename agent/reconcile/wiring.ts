/**
 * From the agent's configuration and the host to the reconciler's settings: the node's IP
 * (status.hostIP, and the pod IP of hostNetwork pods), CPU count and memory (allocatable for
 * resourceFieldRef of unset limits), and the workload settings of config.json.
 */
import { join } from 'node:path';
import { conditionsConfig, internalAddresses, type HostProbe } from '../conditions/index.js';
import { DEFAULT_RUN_DIR, type AgentConfig } from '../config/index.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { ReconcilerConfig } from './loop.js';
import type { DevicePodSecurity } from './device-policy.js';

export interface NodeFactsReading {
  hostIP: string;
  cpuCores: number;
  memoryBytes: number;
}

/** Reads the node's first InternalIP (127.0.0.1 when it has none), CPUs and memory. */
export async function readNodeFacts(probe: HostProbe, logger: Logger): Promise<NodeFactsReading> {
  const facts: NodeFactsReading = { hostIP: '127.0.0.1', cpuCores: 1, memoryBytes: 0 };
  try {
    const addresses = internalAddresses(await probe.networkInterfaces(), conditionsConfig());
    const v4 = addresses.find((a) => a.address.includes('.'));
    const first = v4 ?? addresses[0];
    if (first) facts.hostIP = first.address;
    facts.cpuCores = await probe.cpuCount();
    facts.memoryBytes = (await probe.memory()).totalBytes;
  } catch (e) {
    logger.warn('node facts incomplete', { error: errorMessage(e), hostIP: facts.hostIP });
  }
  return facts;
}

export function reconcilerConfig(cfg: AgentConfig, nodeName: string, facts: NodeFactsReading): ReconcilerConfig {
  const out: ReconcilerConfig = {
    nodeName,
    podsDir: join(cfg.dataDir, 'pods'),
    memoryDir: join(cfg.runDir ?? DEFAULT_RUN_DIR, 'pods'),
    hostIP: facts.hostIP,
    podInfraImage: cfg.podInfraImage,
    podPidsLimit: cfg.podPidsLimit,
    allowPrivileged: cfg.allowPrivileged,
    podSecurity: devicePodSecurity(cfg),
    pollIntervalMs: cfg.reconcileIntervalMs,
    nodeCpuCores: facts.cpuCores,
    nodeMemoryBytes: facts.memoryBytes,
  };
  if (cfg.podInfraCommand) out.podInfraCommand = cfg.podInfraCommand;
  if (cfg.podInfraBinary !== undefined) out.podInfraBinary = cfg.podInfraBinary;
  if (cfg.podNetwork) out.podNetwork = cfg.podNetwork;
  return out;
}

/** The device's pod security policy: its level, its host paths, and what no pod may reach by default. */
export function devicePodSecurity(cfg: AgentConfig): DevicePodSecurity {
  return {
    level: cfg.podSecurityLevel ?? 'baseline',
    hostPaths: {
      allowed: cfg.allowedHostPaths ?? [],
      protected: [
        { path: '/', what: 'the root file system' },
        { path: cfg.dataDir, what: "the agent's data directory" },
        { path: cfg.dockerSocket, what: 'the Docker socket' },
      ],
    },
  };
}

/**
 * The ContainerEngine over a real Docker engine: the operations of docker-pull, docker-containers,
 * docker-exec, docker-logs, docker-network and docker-info on one DockerClient (docker-client.ts, the only
 * place dockerode is constructed). See types.ts for the contract.
 */
import { createDockerClient, type DockerEngineOptions } from './docker-client.js';
import { createContainer, listManaged, removeContainer, startContainer, stopContainer } from './docker-containers.js';
import { exec } from './docker-exec.js';
import { dockerStreams } from './docker-exec-stream.js';
import { createNetwork, importImage, inspectNetwork } from './docker-network.js';
import { runtimeInfo, runtimeVersion } from './docker-info.js';
import { logs } from './docker-logs.js';
import { inspectImage, pullImage } from './docker-pull.js';
import type { ContainerEngine } from './types.js';

export type { DockerEngineOptions } from './docker-client.js';

export function createDockerEngine(opts: DockerEngineOptions): ContainerEngine {
  const c = createDockerClient(opts);
  const roots = { procRoot: opts.procRoot ?? '/proc', sysRoot: opts.sysRoot ?? '/sys' };
  const inspectConcurrency = Math.max(1, opts.inspectConcurrency ?? 4);
  return {
    info: () => runtimeInfo(c, roots),
    version: (timeoutMs) => runtimeVersion(c, timeoutMs ?? c.requestTimeoutMs),
    listManaged: () => listManaged(c, inspectConcurrency),
    inspectImage: (ref) => inspectImage(c, ref),
    pullImage: (ref, pullOpts) => pullImage(c, ref, pullOpts),
    createContainer: (spec) => createContainer(c, spec),
    startContainer: (id) => startContainer(c, id),
    stopContainer: (id, graceSeconds, signal) => stopContainer(c, id, graceSeconds, signal),
    removeContainer: (id) => removeContainer(c, id),
    inspectNetwork: (name) => inspectNetwork(c, name),
    createNetwork: (spec) => createNetwork(c, spec),
    importImage: (ref, tar) => importImage(c, ref, tar),
    exec: (id, cmd, timeoutMs) => exec(c, id, cmd, timeoutMs),
    logs: (id, logOpts) => logs(c, id, logOpts),
    streams: dockerStreams(c),
  };
}

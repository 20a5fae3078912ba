/** The real Docker engine for integration tests: the engine with the test image, managed test container specs, and their cleanup. */
import { createDockerEngine } from '../../agent/engine/docker-engine.js';
import { LABELS, type ContainerCreateSpec, type ContainerEngine } from '../../agent/engine/types.js';
import { silentLogger } from '../../shared/util/logger.js';
import { DOCKER_SOCKET, TEST_IMAGE, dockerAvailable, registryAvailable, requireService, testImageAvailable } from './env.js';

/** An engine on Docker's socket, logging nothing. */
export function dockerEngine(): ContainerEngine {
  return createDockerEngine({ socketPath: DOCKER_SOCKET, logger: silentLogger });
}

/**
 * Requires Docker, the local registry and the test image (a failure on CI, a skip elsewhere),
 * then returns an engine with TEST_IMAGE pulled. Call it from `before` with its `this`.
 */
export async function engineWithTestImage(ctx: Mocha.Context): Promise<ContainerEngine> {
  await requireService('docker', dockerAvailable, ctx);
  await requireService('registry', registryAvailable, ctx);
  await requireService('test image', testImageAvailable, ctx);
  const engine = dockerEngine();
  await engine.pullImage(TEST_IMAGE, {});
  return engine;
}

/** The label values that differ between tests; the rest are those of an app container in `default`. */
export interface ManagedLabelValues {
  /** `uid-POD_NAME` unless told. */
  podUid?: string;
  /** `app` unless told. */
  container?: string;
  /** `h` unless told. */
  specHash?: string;
  /** `0` unless told. */
  attempt?: string;
}

/** The labels the agent puts on an app container of pod `podName`. */
export function managedLabels(podName: string, values: ManagedLabelValues = {}): Record<string, string> {
  return {
    [LABELS.managed]: 'true',
    [LABELS.podUid]: values.podUid ?? `uid-${podName}`,
    [LABELS.podNamespace]: 'default',
    [LABELS.podName]: podName,
    [LABELS.container]: values.container ?? 'app',
    [LABELS.role]: 'app',
    [LABELS.specHash]: values.specHash ?? 'h',
    [LABELS.attempt]: values.attempt ?? '0',
  };
}

/** A managed container of TEST_IMAGE that sleeps 300 s, without network; its pod is named like it. */
export function managedSpec(name: string, over: Partial<ContainerCreateSpec> = {}): ContainerCreateSpec {
  return {
    name,
    labels: managedLabels(name),
    image: TEST_IMAGE,
    cmd: ['sleep', '300'],
    env: [],
    mounts: [],
    ports: [],
    networkMode: 'none',
    privileged: false,
    ...over,
  };
}

/** managedSpec running `sh -c script`. */
export function shellSpec(name: string, script: string, over: Partial<ContainerCreateSpec> = {}): ContainerCreateSpec {
  return managedSpec(name, { entrypoint: ['sh', '-c'], cmd: [script], ...over });
}

/** The containers a suite creates through the engine, remembered so that `removeAll` removes them. */
export class TestContainers {
  private readonly ids: string[] = [];

  /** `engine` is read when a container is made or removed (suites assign theirs in `before`). */
  constructor(private readonly engine: () => ContainerEngine) {}

  async create(spec: ContainerCreateSpec): Promise<string> {
    const id = await this.engine().createContainer(spec);
    this.ids.push(id);
    return id;
  }

  async createStarted(spec: ContainerCreateSpec): Promise<string> {
    const id = await this.create(spec);
    await this.engine().startContainer(id);
    return id;
  }

  /** Removes every container made so far, one after the other; with `ignoreErrors` a failed removal does not stop the rest. */
  async removeAll(opts: { ignoreErrors?: boolean } = {}): Promise<void> {
    for (const id of this.ids) {
      const removed = this.engine().removeContainer(id);
      await (opts.ignoreErrors ? removed.catch(() => undefined) : removed);
    }
  }
}

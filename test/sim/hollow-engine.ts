/**
 * A container engine with no containers: the OS edge of a hollow device (as kubemark's hollow
 * kubelet fakes the container runtime). It keeps containers as records in memory, labels and all,
 * so the agent's real reconciler observes, plans and executes against it as against Docker.
 * A pod takes `startDelayMs` (or its image's own delay) to come up, spent in its image pull (as
 * on a real device, where the pull is most of a pod's start); containers run as soon as they are
 * started. Pulls and starts fail with the configured probabilities.
 */
import { EngineError } from '../../agent/engine/errors.js';
import {
  LABELS,
  type ContainerCreateSpec,
  type ContainerEngine,
  type ContainerRole,
  type ImageInfo,
  type NetworkCreateSpec,
  type ObservedContainer,
  type ObservedNetwork,
  type RuntimeInfo,
} from '../../agent/engine/types.js';

export interface HollowEngineOptions {
  /** How long an image pull takes (0: at once). */
  startDelayMs: number;
  /** Per image (exact reference): its pull time instead of startDelayMs. */
  imageDelaysMs?: ReadonlyMap<string, number>;
  /** Probability in [0, 1] that an image pull fails. */
  pullFailureRate: number;
  /** Probability in [0, 1] that a started container exits with code 1 instead of running. */
  crashRate: number;
  random: () => number;
  now: () => Date;
  setTimer: (fn: () => void, ms: number) => void;
}

interface Record_ {
  observed: ObservedContainer;
}

const ROLES: readonly ContainerRole[] = ['sandbox', 'init', 'app'];

function roleOf(v: string | undefined): ContainerRole {
  return ROLES.find((r) => r === v) ?? 'app';
}

export class HollowEngine implements ContainerEngine {
  private readonly containers = new Map<string, Record_>();
  private readonly images = new Map<string, ImageInfo>();
  private readonly networks = new Map<string, ObservedNetwork>();
  private nextId = 1;

  constructor(private readonly opts: HollowEngineOptions) {}

  info(): Promise<RuntimeInfo> {
    return Promise.resolve({
      version: 'hollow',
      apiVersion: '1.47',
      platform: 'linux/arm64',
      cgroupVersion: '2',
      memoryLimitSupported: true,
      swapLimitSupported: true,
      pidsLimitSupported: true,
      cpuCfsQuotaSupported: true,
      dataRoot: '/var/lib/docker',
    });
  }

  version(): Promise<string> {
    return Promise.resolve('hollow');
  }

  listManaged(): Promise<ObservedContainer[]> {
    return Promise.resolve([...this.containers.values()].map((r) => ({ ...r.observed })));
  }

  inspectImage(ref: string): Promise<ImageInfo | undefined> {
    return Promise.resolve(this.images.get(ref));
  }

  async pullImage(ref: string): Promise<ImageInfo> {
    const delay = this.opts.imageDelaysMs?.get(ref) ?? this.opts.startDelayMs;
    if (delay > 0) await new Promise<void>((r) => this.opts.setTimer(r, delay));
    if (this.opts.random() < this.opts.pullFailureRate) throw new EngineError('PullFailed', `simulated pull failure for ${ref}`);
    const info: ImageInfo = { id: `sha256:${Buffer.from(ref).toString('hex').slice(0, 64).padEnd(64, '0')}`, repoTags: [ref], repoDigests: [], platform: 'linux/arm64' };
    this.images.set(ref, info);
    return info;
  }

  inspectNetwork(name: string): Promise<ObservedNetwork | undefined> {
    return Promise.resolve(this.networks.get(name));
  }

  createNetwork(spec: NetworkCreateSpec): Promise<string> {
    if (this.networks.has(spec.name)) return Promise.reject(new EngineError('NameConflict', `network with name ${spec.name} already exists`));
    const id = `net-${spec.name}`;
    this.networks.set(spec.name, { id, name: spec.name, driver: 'bridge', subnets: [spec.subnet], masquerade: spec.masquerade, labels: spec.labels });
    return Promise.resolve(id);
  }

  importImage(ref: string): Promise<ImageInfo> {
    const info: ImageInfo = { id: `sha256:${Buffer.from(ref).toString('hex').slice(0, 64).padEnd(64, '0')}`, repoTags: [ref], repoDigests: [], platform: 'linux/arm64' };
    this.images.set(ref, info);
    return Promise.resolve(info);
  }

  createContainer(spec: ContainerCreateSpec): Promise<string> {
    if (!this.images.has(spec.image)) return Promise.reject(new EngineError('ImageNotFound', `No such image: ${spec.image}`));
    for (const r of this.containers.values()) {
      if (r.observed.name === spec.name) return Promise.reject(new EngineError('NameConflict', `name ${spec.name} in use`));
    }
    const id = `hollow${String(this.nextId++).padStart(58, '0')}`;
    const l = spec.labels;
    this.containers.set(id, {
      observed: {
        id,
        name: spec.name,
        podUid: l[LABELS.podUid] ?? '',
        podNamespace: l[LABELS.podNamespace] ?? '',
        podName: l[LABELS.podName] ?? '',
        container: l[LABELS.container] ?? '',
        role: roleOf(l[LABELS.role]),
        specHash: l[LABELS.specHash] ?? '',
        attempt: Number(l[LABELS.attempt] ?? '0'),
        image: spec.image,
        imageId: this.images.get(spec.image)?.id ?? '',
        state: 'created',
        createdAt: this.opts.now().toISOString(),
      },
    });
    return Promise.resolve(id);
  }

  startContainer(id: string): Promise<void> {
    const r = this.get(id);
    const now = this.opts.now();
    r.observed.startedAt = now.toISOString();
    if (this.opts.random() < this.opts.crashRate) {
      r.observed.state = 'exited';
      r.observed.exitCode = 1;
      r.observed.finishedAt = now.toISOString();
    } else {
      r.observed.state = 'running';
    }
    return Promise.resolve();
  }

  stopContainer(id: string): Promise<void> {
    const r = this.get(id);
    r.observed.state = 'exited';
    r.observed.exitCode = 0;
    r.observed.finishedAt = this.opts.now().toISOString();
    return Promise.resolve();
  }

  removeContainer(id: string): Promise<void> {
    this.get(id);
    this.containers.delete(id);
    return Promise.resolve();
  }

  exec(id: string): Promise<{ exitCode: number; output: string }> {
    const r = this.get(id);
    if (r.observed.state !== 'running') return Promise.reject(new EngineError('NotRunning', `container ${id} is not running`));
    return Promise.resolve({ exitCode: 0, output: '' });
  }

  // eslint-disable-next-line require-yield -- a hollow container writes no logs
  async *logs(id: string): AsyncIterable<{ stream: 'stdout' | 'stderr'; line: string }> {
    this.get(id);
    await Promise.resolve();
  }

  /** How many containers are running now (for the simulator's summary). */
  runningCount(): number {
    let n = 0;
    for (const r of this.containers.values()) if (r.observed.state === 'running') n += 1;
    return n;
  }

  private get(id: string): Record_ {
    const r = this.containers.get(id);
    if (!r) throw new EngineError('NotFound', `No such container: ${id}`);
    return r;
  }
}

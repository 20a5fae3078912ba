/**
 * The container runtime as the agent sees it. `agent/engine/docker-engine.ts` implements it over
 * dockerode (imported only in agent/engine); reconcile, probes and logs use only this.
 */

import type { StreamEngine } from './stream-types.js';

/** Labels on everything the agent creates; observed state is "containers with these labels". */
export const LABELS = {
  managed: 'io.flotilla.managed', // "true"
  podUid: 'io.flotilla.pod.uid',
  podNamespace: 'io.flotilla.pod.namespace',
  podName: 'io.flotilla.pod.name',
  container: 'io.flotilla.container.name',
  /** `sandbox` (the pod's network holder), `init` or `app`. */
  role: 'io.flotilla.container.role',
  /** Hash of the container's spec as applied; a different hash means recreate. */
  specHash: 'io.flotilla.container.spec-hash',
  /** How many times this container was (re)started for this pod: the restartCount. */
  attempt: 'io.flotilla.container.attempt',
  /** The node (agent) that created it: agents sharing a Docker host never touch each other's. */
  owner: 'io.flotilla.owner',
} as const;

export type ContainerRole = 'sandbox' | 'init' | 'app';

export interface ObservedContainer {
  id: string;
  name: string;
  podUid: string;
  podNamespace: string;
  podName: string;
  container: string;
  role: ContainerRole;
  specHash: string;
  attempt: number;
  image: string;
  imageId: string;
  state: 'created' | 'running' | 'exited' | 'paused' | 'restarting' | 'dead' | 'removing';
  exitCode?: number;
  oomKilled?: boolean;
  /** Docker's error text when it could not start the process (e.g. executable not found). */
  error?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Its IPv4 address on a network it joined itself (a pod sandbox on the pod network). */
  ip?: string;
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  auth?: string;
  serveraddress: string;
}

export interface PullProgress {
  status: string;
  id?: string;
  current?: number;
  total?: number;
}

export interface PullOptions {
  auth?: RegistryAuth;
  /** `linux/arm64`, `linux/arm/v7`, …: the node's platform for multi-arch images. */
  platform?: string;
  onProgress?: (p: PullProgress) => void;
  signal?: AbortSignal;
}

export interface ImageInfo {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  platform?: string;
  /** The image's configured user (`Config.User`): '' or absent runs as root. */
  user?: string;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
  /** For a subPath mount: the volume's root, which `hostPath` must not leave (checked before create). */
  volumeRoot?: string;
}

export interface PortBinding {
  containerPort: number;
  hostPort?: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  hostIP?: string;
}

/** Everything needed to create one container; built from the pod spec by the planner. */
export interface ContainerCreateSpec {
  name: string;
  labels: Record<string, string>;
  image: string;
  /** Overrides the image entrypoint (Kubernetes `command`). */
  entrypoint?: string[];
  /** Overrides the image cmd (Kubernetes `args`). */
  cmd?: string[];
  env: string[];
  workingDir?: string;
  mounts: Mount[];
  ports: PortBinding[];
  /** `host`, `none`, or `container:<id>` (share the sandbox's network namespace). */
  networkMode: string;
  hostname?: string;
  privileged: boolean;
  /** cgroup settings; undefined means unlimited. */
  memoryBytes?: number;
  /** Equal to memoryBytes: no swap beyond the limit. */
  memorySwapBytes?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpuShares?: number;
  pidsLimit?: number;
  stopSignal?: string;
  // securityContext, see agent/reconcile/security-context.ts; unset: Docker's defaults.
  /** `uid[:gid]` or the image's user with a group; Docker's User. */
  user?: string;
  /** Supplementary groups (supplementalGroups, fsGroup). */
  groupAdd?: string[];
  readOnlyRootfs?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  /** Docker's security options: `no-new-privileges`, `seccomp=unconfined`, `apparmor=NAME`. */
  securityOpt?: string[];
  /** `host` (hostPID) */
  pidMode?: string;
  /** `host` (hostIPC) */
  ipcMode?: string;
  sysctls?: Record<string, string>;
  /** procMount Unmasked: no masked or read-only /proc paths. */
  unmaskedProc?: boolean;
  /** tmpfs mounts inside the container (path → options). */
  tmpfs?: Record<string, string>;
}

/** A bridge network the agent creates (the pod network): one subnet, Docker's IPAM. */
export interface NetworkCreateSpec {
  name: string;
  /** IPv4 CIDR, e.g. 10.88.0.0/16. */
  subnet: string;
  /** The Linux bridge interface's name. */
  bridgeName: string;
  /** Docker adds a masquerade rule for outbound traffic (when its iptables management is on). */
  masquerade: boolean;
  labels: Record<string, string>;
}

/** A Docker network as inspected. */
export interface ObservedNetwork {
  id: string;
  name: string;
  driver: string;
  /** IPAM subnets (CIDR). */
  subnets: string[];
  /** The bridge's masquerade option; undefined: not set (Docker's default, on). */
  masquerade?: boolean;
  labels: Record<string, string>;
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

export interface LogOptions {
  follow: boolean;
  tail?: number;
  timestamps?: boolean;
  /** Only lines logged at or after this Unix time (seconds, may be fractional). */
  since?: number;
  signal?: AbortSignal;
}

export interface RuntimeInfo {
  version: string;
  apiVersion: string;
  /** e.g. linux/arm64. */
  platform: string;
  cgroupVersion: '1' | '2';
  /** False when the kernel has the memory cgroup off: memory limits would not apply. */
  memoryLimitSupported: boolean;
  /** False when swap accounting is off: Docker then ignores MemorySwap (memory is still limited). */
  swapLimitSupported?: boolean;
  pidsLimitSupported: boolean;
  cpuCfsQuotaSupported: boolean;
  dataRoot: string;
  /** Docker's SecurityOptions (`name=seccomp,profile=builtin`, `name=apparmor`, …); absent: unknown. */
  securityOptions?: string[];
}

export interface ContainerEngine {
  info(): Promise<RuntimeInfo>;
  /** The engine's version (GET /version) within `timeoutMs`: a cheap "is it there?". Throws an EngineError. */
  version(timeoutMs?: number): Promise<string>;
  /** Every container carrying the managed label, running or not. Never anything else. */
  listManaged(): Promise<ObservedContainer[]>;
  inspectImage(ref: string): Promise<ImageInfo | undefined>;
  pullImage(ref: string, opts: PullOptions): Promise<ImageInfo>;
  createContainer(spec: ContainerCreateSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Sends the stop signal, waits up to `graceSeconds`, then kills. */
  stopContainer(id: string, graceSeconds: number, signal?: AbortSignal): Promise<void>;
  removeContainer(id: string): Promise<void>;
  /** The network of that name, or undefined when there is none. */
  inspectNetwork(name: string): Promise<ObservedNetwork | undefined>;
  /** Creates a bridge network; an existing one of that name is an EngineError `NameConflict`. */
  createNetwork(spec: NetworkCreateSpec): Promise<string>;
  /** `docker import`: an image of one layer from a tar archive of its file system, tagged `ref`. */
  importImage(ref: string, rootfsTar: Buffer): Promise<ImageInfo>;
  /** Runs a command inside a running container (exec probes). */
  exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult>;
  /** Demultiplexed log lines (stdout and stderr). */
  logs(id: string, opts: LogOptions): AsyncIterable<{ stream: 'stdout' | 'stderr'; line: string }>;
  /** Interactive exec / attach (kubectl exec, attach, port-forward); absent: not supported. */
  streams?: StreamEngine;
}

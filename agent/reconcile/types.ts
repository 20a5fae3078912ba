/**
 * The planner's vocabulary: what it sees (Observed), what it remembers between passes
 * (Memory: backoffs and failures Docker does not record), and what it decides (Plan: steps for
 * the executors, plus per-pod views for status and notices for events).
 */
import type { ContainerCreateSpec, ContainerRole, ObservedContainer, RegistryAuth } from '../engine/types.js';
import type { ProbeState } from '../probes/types.js';
import type { VolumeProblem } from '../volumes/plan.js';
import type { PodRef } from './pod-model.js';

export interface Observed {
  /** `engine.listManaged()`: only containers the agent created. */
  containers: readonly ObservedContainer[];
  /** Image references (as the pod specs write them) present on the device. */
  images: ReadonlySet<string>;
  /** Probe results by `podUid/container`. */
  probes: ReadonlyMap<string, ProbeState>;
  /** Pod uids that have a directory under the pods dir (volumes), to clean up leftovers. */
  podDirs?: ReadonlySet<string>;
}

export type StopReason =
  | 'spec-changed'
  | 'liveness'
  | 'startup'
  | 'pod-deleted'
  | 'pod-removed'
  | 'sandbox-changed'
  | 'pod-completed'
  | 'not-in-spec'
  | 'duplicate'
  | 'superseded';

/** What to do once a stopped container has exited: restart it whatever the exit code. */
export type RestartIntent = 'always' | 'unless-never';

interface StepBase {
  pod: PodRef;
  /**
   * Steps of one chain depend on each other: after a failure, the rest of the chain (and steps
   * that `need` it) are skipped. `pod` is the chain of volumes and the sandbox.
   */
  chain: string;
  needs?: string[];
}

export type Step =
  | (StepBase & { kind: 'syncVolumes'; hash: string })
  | (StepBase & { kind: 'pull'; container: string; image: string; auth?: RegistryAuth; /** Present already: a failed pull (Always) falls back to it. */ present: boolean })
  | (StepBase & {
      kind: 'run';
      container: string;
      role: ContainerRole;
      attempt: number;
      spec: ContainerCreateSpec;
      /** The crash backoff entry this start records (kubelet's backOff.Next). */
      backoff?: { key: string; delayMs: number };
      /** Worth a Warning event at each start (a limit the node cannot enforce, …). */
      warnings: StepWarning[];
    })
  | (StepBase & { kind: 'start'; container: string; id: string })
  | (StepBase & {
      kind: 'stop';
      container: string;
      id: string;
      graceSeconds: number;
      reason: StopReason;
      message: string;
      restart?: RestartIntent;
      /** Consecutive parallel stops of one chain run together (a pod's containers share the grace period). */
      parallel?: boolean;
    })
  | (StepBase & { kind: 'remove'; container: string; id: string })
  | (StepBase & { kind: 'removePodDir' })
  | (StepBase & { kind: 'finalize' });

export type StepKind = Step['kind'];

export interface StepWarning {
  reason: string;
  message: string;
}

export interface CrashBackoff {
  delayMs: number;
  /** When the entry was last bumped (ms). */
  lastUpdate: number;
}

export interface Failure {
  failures: number;
  error: string;
  failedAt: number;
  retryAt: number;
}

export interface VolumeState {
  hash: string;
  problems: VolumeProblem[];
  failures: number;
  retryAt: number;
}

export interface KnownPod {
  ref: PodRef;
  graceSeconds: number;
  /** When the agent first saw the pod (ms): the pod's startTime. */
  firstSeen: number;
}

/** What the reconciler remembers between passes (lost on restart, like the kubelet's). */
export interface Memory {
  /** Crash-loop backoff by `uid/container/specHash`. */
  crash: Map<string, CrashBackoff>;
  /** Image pull failures by `uid/image`. */
  pulls: Map<string, Failure>;
  /** Create failures (CreateContainerError) by `uid/container`. */
  creates: Map<string, Failure>;
  /** Failures of the sandbox's creation by `run/uid/POD`. */
  steps: Map<string, Failure>;
  /** Pods whose last apply failed in a way no other entry models (Docker errors on stop/remove): cool down. */
  cooldown: Map<string, Failure>;
  volumes: Map<string, VolumeState>;
  /** Containers stopped to be restarted (liveness, spec change), by container id. */
  restarts: Map<string, RestartIntent>;
  known: Map<string, KnownPod>;
  /** Pods whose deletion is complete (containers and directories gone), by uid. */
  finalized: Set<string>;
  /** Notice keys of the last pass (already turned into events), by pod uid. */
  emitted: Map<string, Set<string>>;
}

export function newMemory(): Memory {
  return {
    crash: new Map(),
    pulls: new Map(),
    creates: new Map(),
    steps: new Map(),
    cooldown: new Map(),
    volumes: new Map(),
    restarts: new Map(),
    known: new Map(),
    finalized: new Set(),
    emitted: new Map(),
  };
}

export interface Waiting {
  reason: string;
  message?: string;
}

/** The planner's verdict on one pod, for its status. */
export interface PodView {
  ref: PodRef;
  /** Waiting reason of containers that are not running, by container name. */
  waiting: Map<string, Waiting>;
  /** The pod is being deleted (deletionTimestamp). */
  terminating: boolean;
  /** Deletion complete: report `deleted: true`. */
  deleted: boolean;
}

export interface Notice {
  /** Emitted once per key (memory.emitted). */
  key: string;
  pod: PodRef;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface Plan {
  steps: Step[];
  views: Map<string, PodView>;
  notices: Notice[];
  /** Plan again at this time (ms) even if nothing else happens (a backoff ends). */
  wakeAt?: number;
}

export const probeKey = (uid: string, container: string): string => `${uid}/${container}`;

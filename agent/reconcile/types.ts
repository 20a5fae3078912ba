/**
 * The planner's vocabulary: what it sees (Observed) and what it decides (Plan: steps for the
 * executors, plus per-pod views for status and the conditions events are made of). What it
 * remembers between passes is memory.ts.
 */
import type { PodCondition, StopReason } from '../pods/event-policy.js';
import type { ContainerCreateSpec, ContainerRole, ObservedContainer, RegistryAuth } from '../engine/types.js';
import type { ProbeState } from '../probes/types.js';
import type { PodRef } from './pod-model.js';
import type { ImageUserCheck } from './security-context.js';

export interface Observed {
  /** `engine.listManaged()`: only containers the agent created. */
  containers: readonly ObservedContainer[];
  /** Image references (as the pod specs write them) present on the device. */
  images: ReadonlySet<string>;
  /** Probe results by `podUid/container`. */
  probes: ReadonlyMap<string, ProbeState>;
  /** Pod uids that have a directory under the pods dir (volumes), to clean up leftovers. */
  podDirs?: ReadonlySet<string>;
  /** Why no pod sandbox can be created now (the pod network or the pause image is not there). */
  sandboxBlocked?: string;
}

export type { StopReason } from '../pods/event-policy.js';

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
      /** The crash backoff this start records for the container's spec (kubelet's backOff.Next). */
      backoff?: { specHash: string; delayMs: number };
      /** Worth a Warning event at each start (a limit the node cannot enforce, …). */
      warnings: StepWarning[];
      /** runAsNonRoot / runAsGroup: the image's user decides, checked before create. */
      imageUser?: ImageUserCheck;
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
  /** The pod fails as a whole: the device's policy refuses it. */
  rejected?: Waiting;
}

/** A lasting condition the planner found in a pod (the event policy announces it once). */
export interface PlannedCondition {
  pod: PodRef;
  condition: PodCondition;
}

export interface Plan {
  steps: Step[];
  views: Map<string, PodView>;
  conditions: PlannedCondition[];
  /** Plan again at this time (ms) even if nothing else happens (a backoff ends). */
  wakeAt?: number;
}

export const probeKey = (uid: string, container: string): string => `${uid}/${container}`;

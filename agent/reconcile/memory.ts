/**
 * What the reconciler remembers between passes (lost on restart, like the kubelet's): backoffs
 * and failures Docker does not record, restart intents, the pods it knows and those whose
 * deletion is complete. `PlannerMemory` owns how its entries are keyed; the planner reads it
 * through `MemoryView`, and the loop changes it only by applying step outcomes (`apply`, a
 * reducer: no I/O, no clock, jitter injected) and by the pass's bookkeeping (`remember`,
 * `forget`).
 */
import { backoffDelay } from '../../shared/reconcile/backoff.js';
import type { VolumeProblem } from '../volumes/plan.js';
import { imagePullDelay, STEP_BACKOFF } from './backoff.js';
import type { DesiredPods } from './desired.js';
import type { PodRef } from './pod-model.js';
import type { RestartIntent, Step } from './types.js';

export type Outcome =
  | { status: 'ok'; /** For syncVolumes: the names of volumes whose files changed. */ updated?: string[] }
  /** `phase` says where a run failed: at create (CreateContainerError) or at start. */
  | { status: 'failed'; error: string; phase?: 'create' | 'start'; problems?: VolumeProblem[] }
  | { status: 'skipped' }
  | { status: 'aborted' };

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

/** What the planner and the status reports read. */
export interface MemoryView {
  /** Crash-loop backoff of a container spec (kubelet's backOff, by spec hash). */
  crashBackoff(uid: string, container: string, specHash: string): CrashBackoff | undefined;
  pullFailure(uid: string, image: string): Failure | undefined;
  /** A failed create (CreateContainerError). */
  createFailure(uid: string, container: string): Failure | undefined;
  sandboxFailure(uid: string): Failure | undefined;
  /** The pod's last apply failed in a way no other entry models (Docker errors on stop/remove). */
  cooldown(uid: string): Failure | undefined;
  volumes(uid: string): VolumeState | undefined;
  /** Why a container was stopped to be restarted (liveness, spec change), by container id. */
  restartIntent(containerId: string): RestartIntent | undefined;
  known(uid: string): KnownPod | undefined;
  /** The pod's deletion is complete (containers and directories gone). */
  finalized(uid: string): boolean;
}

const inPod = (uid: string, name: string): string => `${uid}/${name}`;
const uidOf = (key: string): string => key.slice(0, key.indexOf('/'));

function failure(prev: Failure | undefined, error: string, now: number, delay: (failures: number) => number): Failure {
  const failures = (prev?.failures ?? 0) + 1;
  return { failures, error, failedAt: now, retryAt: now + delay(failures) };
}

export class PlannerMemory implements MemoryView {
  /** By `uid/container/specHash`. */
  private readonly crash = new Map<string, CrashBackoff>();
  /** By `uid/image`. */
  private readonly pulls = new Map<string, Failure>();
  /** By `uid/container`. */
  private readonly creates = new Map<string, Failure>();
  /** By uid. */
  private readonly sandboxes = new Map<string, Failure>();
  private readonly cooldowns = new Map<string, Failure>();
  private readonly volumeStates = new Map<string, VolumeState>();
  private readonly restarts = new Map<string, RestartIntent>();
  private readonly pods = new Map<string, KnownPod>();
  private readonly done = new Set<string>();

  crashBackoff(uid: string, container: string, specHash: string): CrashBackoff | undefined {
    return this.crash.get(`${inPod(uid, container)}/${specHash}`);
  }
  pullFailure(uid: string, image: string): Failure | undefined {
    return this.pulls.get(inPod(uid, image));
  }
  createFailure(uid: string, container: string): Failure | undefined {
    return this.creates.get(inPod(uid, container));
  }
  sandboxFailure(uid: string): Failure | undefined {
    return this.sandboxes.get(uid);
  }
  cooldown(uid: string): Failure | undefined {
    return this.cooldowns.get(uid);
  }
  volumes(uid: string): VolumeState | undefined {
    return this.volumeStates.get(uid);
  }
  restartIntent(containerId: string): RestartIntent | undefined {
    return this.restarts.get(containerId);
  }
  known(uid: string): KnownPod | undefined {
    return this.pods.get(uid);
  }
  finalized(uid: string): boolean {
    return this.done.has(uid);
  }

  /** How many entries of any kind are held (tests: nothing piles up). */
  size(): number {
    const maps = [this.crash, this.pulls, this.creates, this.sandboxes, this.cooldowns, this.volumeStates, this.restarts, this.pods];
    return maps.reduce((n, m) => n + m.size, this.done.size);
  }

  /** Applies what happened to `step` at `now`. `random` is the jitter source for step failures. */
  apply(step: Step, outcome: Outcome, now: number, random: () => number = Math.random): void {
    if (outcome.status === 'skipped' || outcome.status === 'aborted') return;
    const uid = step.pod.uid;
    const jittered = (n: number): number => backoffDelay(STEP_BACKOFF, n - 1, random);
    const ok = outcome.status === 'ok';
    switch (step.kind) {
      case 'syncVolumes': {
        const prev = this.volumeStates.get(uid);
        if (ok) {
          this.volumeStates.set(uid, { hash: step.hash, problems: [], failures: 0, retryAt: 0 });
        } else {
          const failures = prev?.hash === step.hash ? prev.failures + 1 : 1;
          const problems = outcome.problems ?? [{ volume: '', message: outcome.error }];
          this.volumeStates.set(uid, { hash: step.hash, problems, failures, retryAt: now + jittered(failures) });
        }
        return;
      }
      case 'pull': {
        const key = inPod(uid, step.image);
        if (ok) this.pulls.delete(key);
        else this.pulls.set(key, failure(this.pulls.get(key), outcome.error, now, imagePullDelay));
        return;
      }
      case 'run': {
        // The kubelet bumps the crash backoff before it starts, whatever the start does.
        if (step.backoff) this.crash.set(`${inPod(uid, step.container)}/${step.backoff.specHash}`, { delayMs: step.backoff.delayMs, lastUpdate: now });
        const [map, key] = step.role === 'sandbox' ? [this.sandboxes, uid] : [this.creates, inPod(uid, step.container)];
        if (ok) map.delete(key);
        // A failed start leaves a created container with Docker's error: the planner reads that.
        else if (step.role === 'sandbox' || outcome.phase !== 'start') map.set(key, failure(map.get(key), outcome.error, now, jittered));
        return;
      }
      case 'stop':
        if (ok && step.restart) this.restarts.set(step.id, step.restart);
        break;
      case 'finalize':
        if (ok) this.done.add(uid);
        return;
      default:
        break;
    }
    if (!ok) this.cooldowns.set(uid, failure(this.cooldowns.get(uid), outcome.error, now, jittered));
  }

  /** A pod's apply finished without an unmodeled failure: its cooldown ends. */
  clearCooldown(uid: string): void {
    this.cooldowns.delete(uid);
  }

  /**
   * Records the pods of the desired document (grace period, first seen) before planning. A pod
   * seen for the first time since the agent started began no later than its oldest container
   * (`created`, by pod uid), so its startTime survives agent restarts.
   */
  remember(desired: DesiredPods, now: number, created: ReadonlyMap<string, number> = new Map()): void {
    for (const p of desired.pods) {
      const uid = p.model.ref.uid;
      const prev = this.pods.get(uid);
      this.pods.set(uid, {
        ref: p.model.ref,
        graceSeconds: p.model.deletion?.graceSeconds ?? p.model.terminationGracePeriodSeconds,
        firstSeen: prev?.firstSeen ?? Math.min(now, created.get(uid) ?? now),
      });
    }
  }

  /** Forgets pods neither desired nor on the device, and containers that are gone. */
  forget(desiredUids: ReadonlySet<string>, observedUids: ReadonlySet<string>, containerIds: ReadonlySet<string>): void {
    const keep = (uid: string): boolean => desiredUids.has(uid) || observedUids.has(uid);
    const prune = <V>(m: Map<string, V>, uid: (key: string) => string, wanted: (uid: string) => boolean): void => {
      for (const k of m.keys()) if (!wanted(uid(k))) m.delete(k);
    };
    const desired = (uid: string): boolean => desiredUids.has(uid);
    const self = (k: string): string => k;
    prune(this.crash, uidOf, desired);
    prune(this.pulls, uidOf, desired);
    prune(this.creates, uidOf, desired);
    prune(this.sandboxes, self, desired);
    prune(this.volumeStates, self, desired);
    prune(this.cooldowns, self, keep);
    prune(this.pods, self, keep);
    for (const uid of this.done) if (!desired(uid)) this.done.delete(uid);
    prune(this.restarts, self, (id) => containerIds.has(id));
  }
}

/**
 * How the outcome of each step changes the reconciler's memory (backoffs, failures, restart
 * intents, finalized pods), and how memory forgets pods that are gone. Pure but for mutating
 * the memory it is given.
 */
import { backoffDelay } from '../../shared/reconcile/backoff.js';
import type { VolumeProblem } from '../volumes/plan.js';
import { imagePullDelay, STEP_BACKOFF } from './backoff.js';
import { SANDBOX_CONTAINER } from './naming.js';
import { createKey, pullKey, stepKey } from './plan-pod.js';
import type { DesiredPods } from './desired.js';
import type { Failure, Memory, Notice, Step } from './types.js';

export type Outcome =
  | { status: 'ok'; /** For syncVolumes: the names of volumes whose files changed. */ updated?: string[] }
  /** `phase` says where a run failed: at create (CreateContainerError) or at start. */
  | { status: 'failed'; error: string; phase?: 'create' | 'start'; problems?: VolumeProblem[] }
  | { status: 'skipped' }
  | { status: 'aborted' };

function failure(prev: Failure | undefined, error: string, now: number, delay: (failures: number) => number): Failure {
  const failures = (prev?.failures ?? 0) + 1;
  return { failures, error, failedAt: now, retryAt: now + delay(failures) };
}

/** Records what happened to `step` at `now`. `random` is the jitter source for step failures. */
export function recordOutcome(mem: Memory, step: Step, outcome: Outcome, now: number, random: () => number = Math.random): void {
  if (outcome.status === 'skipped' || outcome.status === 'aborted') return;
  const uid = step.pod.uid;
  const jittered = (n: number): number => backoffDelay(STEP_BACKOFF, n - 1, random);
  const ok = outcome.status === 'ok';
  switch (step.kind) {
    case 'syncVolumes': {
      const prev = mem.volumes.get(uid);
      if (ok) {
        mem.volumes.set(uid, { hash: step.hash, problems: [], failures: 0, retryAt: 0 });
      } else {
        const failures = prev?.hash === step.hash ? prev.failures + 1 : 1;
        const problems = outcome.problems ?? [{ volume: '', message: outcome.error }];
        mem.volumes.set(uid, { hash: step.hash, problems, failures, retryAt: now + jittered(failures) });
      }
      return;
    }
    case 'pull': {
      const key = pullKey(uid, step.image);
      if (ok) mem.pulls.delete(key);
      else mem.pulls.set(key, failure(mem.pulls.get(key), outcome.error, now, imagePullDelay));
      return;
    }
    case 'run': {
      // The kubelet bumps the crash backoff before it starts, whatever the start does.
      if (step.backoff) mem.crash.set(step.backoff.key, { delayMs: step.backoff.delayMs, lastUpdate: now });
      const key = step.role === 'sandbox' ? stepKey('run', uid, SANDBOX_CONTAINER) : createKey(uid, step.container);
      const map = step.role === 'sandbox' ? mem.steps : mem.creates;
      if (ok) map.delete(key);
      // A failed start leaves a created container with Docker's error: the planner reads that.
      else if (step.role === 'sandbox' || outcome.phase !== 'start') map.set(key, failure(map.get(key), outcome.error, now, jittered));
      return;
    }
    case 'stop':
      if (ok && step.restart) mem.restarts.set(step.id, step.restart);
      break;
    case 'finalize':
      if (ok) mem.finalized.add(uid);
      return;
    default:
      break;
  }
  if (!ok) mem.cooldown.set(uid, failure(mem.cooldown.get(uid), outcome.error, now, jittered));
}

/** A pod's apply finished without an unmodeled failure: its cooldown ends. */
export function clearCooldown(mem: Memory, uid: string): void {
  mem.cooldown.delete(uid);
}

/**
 * Records the pods of the desired document (grace period, first seen) before planning. A pod
 * seen for the first time since the agent started began no later than its oldest container
 * (`created`, by pod uid), so its startTime survives agent restarts.
 */
export function rememberPods(mem: Memory, desired: DesiredPods, now: number, created: ReadonlyMap<string, number> = new Map()): void {
  for (const p of desired.pods) {
    const uid = p.model.ref.uid;
    const prev = mem.known.get(uid);
    mem.known.set(uid, {
      ref: p.model.ref,
      graceSeconds: p.model.deletion?.graceSeconds ?? p.model.terminationGracePeriodSeconds,
      firstSeen: prev?.firstSeen ?? Math.min(now, created.get(uid) ?? now),
    });
  }
}

/**
 * The notices of a pass that were not already noticed in the pass before: those become events.
 * Memory keeps exactly this pass's keys, so a condition that lasts is announced once, and keys
 * of conditions that ended (a container that is gone) do not pile up.
 */
export function newNotices(mem: Memory, notices: readonly Notice[]): Notice[] {
  const seen = new Map<string, Set<string>>();
  const fresh: Notice[] = [];
  for (const n of notices) {
    let set = seen.get(n.pod.uid);
    if (!set) {
      set = new Set();
      seen.set(n.pod.uid, set);
    }
    if (set.has(n.key)) continue;
    set.add(n.key);
    if (!mem.emitted.get(n.pod.uid)?.has(n.key)) fresh.push(n);
  }
  mem.emitted = seen;
  return fresh;
}

/** Forgets pods neither desired nor on the device, and containers that are gone. */
export function forget(mem: Memory, desiredUids: ReadonlySet<string>, observedUids: ReadonlySet<string>, containerIds: ReadonlySet<string>): void {
  const keep = (uid: string): boolean => desiredUids.has(uid) || observedUids.has(uid);
  const byUidPrefix = <V>(m: Map<string, V>, prefixed: boolean): void => {
    for (const k of m.keys()) {
      const parts = k.split('/');
      const uid = prefixed ? parts[1] : parts[0];
      if (uid === undefined || !desiredUids.has(uid)) m.delete(k);
    }
  };
  byUidPrefix(mem.crash, false);
  byUidPrefix(mem.pulls, false);
  byUidPrefix(mem.creates, false);
  byUidPrefix(mem.steps, true);
  for (const uid of mem.volumes.keys()) if (!desiredUids.has(uid)) mem.volumes.delete(uid);
  for (const uid of mem.cooldown.keys()) if (!keep(uid)) mem.cooldown.delete(uid);
  for (const uid of mem.known.keys()) if (!keep(uid)) mem.known.delete(uid);
  for (const uid of mem.finalized) if (!desiredUids.has(uid)) mem.finalized.delete(uid);
  for (const id of mem.restarts.keys()) if (!containerIds.has(id)) mem.restarts.delete(id);
}

/**
 * The DaemonSet's status as Kubernetes fills it (`updateDaemonSetStatus`), from the pods before
 * this reconcile's steps, plus Flotilla's fleet view of the rollout and the conditions that
 * carry it to kubectl (`Progressing`, `Halted`).
 */
import { summarize, type FleetView, type StageProgress } from '../../../shared/api/rollout-status.js';
import type { Eligibility } from './eligibility.js';
import type { BudgetVerdict } from './failure-budget.js';
import { isAvailable, isUpdated, oldestFirst } from './pods.js';
import type { NodeRolloutState, Stage } from './stages.js';
import type { Condition, DaemonPodView } from './view.js';

export interface DaemonSetStatusCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  updatedNumberScheduled: number;
  numberReady: number;
  numberAvailable: number;
  numberUnavailable: number;
  numberMisscheduled: number;
}

export function statusCounts(
  nodes: ReadonlyMap<string, Eligibility>,
  podsByNode: ReadonlyMap<string, readonly DaemonPodView[]>,
  hash: string,
  templateGeneration: number | undefined,
  minReadySeconds: number,
  now: number,
): DaemonSetStatusCounts {
  const c: DaemonSetStatusCounts = {
    desiredNumberScheduled: 0, currentNumberScheduled: 0, updatedNumberScheduled: 0,
    numberReady: 0, numberAvailable: 0, numberUnavailable: 0, numberMisscheduled: 0,
  };
  for (const [node, e] of nodes) {
    const pods = podsByNode.get(node) ?? [];
    if (!e.wantToRun) {
      if (pods.length > 0) c.numberMisscheduled++;
      continue;
    }
    c.desiredNumberScheduled++;
    const pod = [...pods].sort(oldestFirst)[0];
    if (!pod) continue;
    c.currentNumberScheduled++;
    if (pod.ready) {
      c.numberReady++;
      if (isAvailable(pod, minReadySeconds, now)) c.numberAvailable++;
    }
    if (isUpdated(pod, hash, templateGeneration)) c.updatedNumberScheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}

// ---------------------------------------------------------------- fleet view

export function fleetView(
  hash: string,
  stages: readonly Stage[],
  released: number,
  states: ReadonlyMap<string, NodeRolloutState>,
  verdict: BudgetVerdict,
  flags: { paused: boolean; awaitingPromotion?: number },
): FleetView {
  const progress = stages.map((s, i): StageProgress => {
    const count = (st: NodeRolloutState): number => s.nodes.filter((n) => states.get(n) === st).length;
    return {
      name: s.name, nodes: s.nodes.length, updated: count('updated'), updating: count('updating'),
      waitingOffline: count('waiting-offline'), failed: count('failed'), pending: count('pending'), released: i < released,
    };
  });
  const sum = (f: (p: StageProgress) => number): number => progress.reduce((t, p) => t + f(p), 0);
  const view: FleetView = {
    revision: hash,
    stages: progress,
    updated: sum((p) => p.updated),
    waitingOffline: sum((p) => p.waitingOffline),
    failed: sum((p) => p.failed),
    complete: sum((p) => p.updating + p.pending + p.failed) === 0,
    paused: flags.paused,
  };
  const waiting = flags.awaitingPromotion === undefined ? undefined : stages[flags.awaitingPromotion];
  if (waiting) view.awaitingPromotion = waiting.name;
  if (verdict.halted) view.halted = { allowed: verdict.allowed, updatedSoFar: verdict.updatedSoFar, failed: verdict.failed };
  return view;
}

// ---------------------------------------------------------------- conditions

export const CONDITION_PROGRESSING = 'Progressing';
export const CONDITION_HALTED = 'Halted';

export function rolloutConditions(view: FleetView, dsName: string, policyErrors: readonly string[]): Condition[] {
  const summary = summarize(view);
  let progressing: Condition;
  if (policyErrors.length > 0) {
    progressing = { type: CONDITION_PROGRESSING, status: 'False', reason: 'InvalidRolloutPolicy', message: policyErrors.join('; ') };
  } else if (view.halted) {
    progressing = { type: CONDITION_PROGRESSING, status: 'False', reason: 'FailureBudgetExceeded', message: `revision ${view.revision} halted: ${summary}` };
  } else if (view.complete) {
    progressing = { type: CONDITION_PROGRESSING, status: 'True', reason: 'RolloutComplete', message: `revision ${view.revision} rolled out: ${summary}` };
  } else if (view.paused) {
    progressing = { type: CONDITION_PROGRESSING, status: 'Unknown', reason: 'RolloutPaused', message: `revision ${view.revision} paused: ${summary}` };
  } else if (view.awaitingPromotion !== undefined) {
    progressing = {
      type: CONDITION_PROGRESSING, status: 'Unknown', reason: 'AwaitingPromotion',
      message: `revision ${view.revision}: stage ${view.awaitingPromotion} waits for \`flotctl rollout promote ds/${dsName}\`: ${summary}`,
    };
  } else {
    progressing = { type: CONDITION_PROGRESSING, status: 'True', reason: 'RollingUpdate', message: `revision ${view.revision}: ${summary}` };
  }
  const h = view.halted;
  const halted: Condition = h
    ? {
        type: CONDITION_HALTED, status: 'True', reason: 'FailureBudgetExceeded',
        message: `${h.failed.length} of ${h.updatedSoFar} updated devices failed (${h.allowed} allowed): ${h.failed.map((f) => `${f.node} (${f.reasons.join(', ')})`).join(', ')}`,
      }
    : { type: CONDITION_HALTED, status: 'False', reason: 'WithinFailureBudget' };
  return [progressing, halted];
}

/** Keeps lastTransitionTime while the status stays; lastUpdateTime moves when reason or message change. */
export function mergeConditions(previous: readonly Condition[], next: readonly Condition[], now: string): Condition[] {
  const out = previous.filter((p) => !next.some((n) => n.type === p.type));
  for (const n of next) {
    const p = previous.find((c) => c.type === n.type);
    const same = p !== undefined && p.status === n.status;
    const unchanged = same && p.reason === n.reason && p.message === n.message;
    out.push({ ...n, lastTransitionTime: same ? (p.lastTransitionTime ?? now) : now, lastUpdateTime: unchanged ? (p.lastUpdateTime ?? now) : now });
  }
  return out;
}

/**
 * When a release stops itself: an updated pod that is still not available a progress deadline
 * after it was created has failed (crash loop, image pull failure, failing probes, never
 * Running); the rollout halts once more updated devices failed than the budget allows — a
 * count, or a percent of the devices updated so far taken over at least min-devices devices
 * (so that the first failures of a small sample are judged against that many, not against 1).
 */
import { isPercent, scaledValue } from '../../../shared/api/int-or-percent.js';
import type { FailedDevice } from '../../../shared/api/rollout-status.js';
import { isAvailable } from './pods.js';
import type { RolloutPolicy } from './rollout-policy.js';
import type { NodeRolloutState } from './stages.js';
import type { DaemonPodView } from './view.js';


export interface BudgetVerdict {
  /** Devices with an updated pod (any state). */
  updatedSoFar: number;
  failed: FailedDevice[];
  allowed: number;
  halted: boolean;
}

export function allowedFailures(policy: Pick<RolloutPolicy, 'failureBudget' | 'failureBudgetMinDevices'>, updatedSoFar: number): number {
  const b = policy.failureBudget;
  return isPercent(b) ? scaledValue(b, Math.max(updatedSoFar, policy.failureBudgetMinDevices), false) : b;
}

/**
 * The state of one node in the rollout, from its non-deleting pods (`updated` is the pod of
 * the current revision, `old` another), whether it is reachable and whether a pod can be placed.
 */
export function nodeRolloutState(
  pods: { updated?: DaemonPodView; old?: DaemonPodView },
  reachable: boolean,
  shouldRun: boolean,
  policy: Pick<RolloutPolicy, 'progressDeadlineMs'>,
  minReadySeconds: number,
  now: number,
): NodeRolloutState {
  const { updated, old } = pods;
  if (updated && isAvailable(updated, minReadySeconds, now)) return 'updated';
  if (!reachable) return 'waiting-offline';
  if (updated) return now - updated.createdAt >= policy.progressDeadlineMs ? 'failed' : 'updating';
  if (old) return 'pending';
  return shouldRun ? 'updating' : 'unplaced';
}

export function failureReasons(pod: DaemonPodView): string[] {
  if (pod.failureReasons.length > 0) return [...pod.failureReasons];
  return [pod.phase === 'Running' ? 'not Ready' : `not Running (${pod.phase})`];
}

export function judgeFailures(
  policy: RolloutPolicy,
  states: ReadonlyMap<string, NodeRolloutState>,
  updatedPods: ReadonlyMap<string, DaemonPodView>,
): BudgetVerdict {
  const failed: FailedDevice[] = [];
  for (const [node, pod] of updatedPods) {
    if (states.get(node) === 'failed') failed.push({ node, pod: pod.name, reasons: failureReasons(pod) });
  }
  failed.sort((a, b) => a.node.localeCompare(b.node));
  const allowed = allowedFailures(policy, updatedPods.size);
  return { updatedSoFar: updatedPods.size, failed, allowed, halted: failed.length > allowed };
}

/**
 * RollingUpdate (pkg/controller/daemon/update.go `rollingUpdate`), with Flotilla's fleet rules.
 *
 * Kubernetes: maxSurge and maxUnavailable are scaled against desiredNumberScheduled (surge
 * rounds up, unavailable down; both 0 → unavailable 1). Without surge, old pods are deleted —
 * unavailable old ones at once, available ones while fewer than maxUnavailable nodes are
 * unavailable — and the manage loop creates their replacements. With surge, an updated pod is
 * created next to an old one (at once when the old one is unavailable, else up to maxSurge at a
 * time) and the old one is deleted when the updated one is available.
 *
 * Flotilla: an unreachable node is deferred — neither counted unavailable nor touched; when it
 * is back it is an ordinary candidate and gets the current revision. Only nodes in released
 * stages are touched. An updated pod that has failed counts against the failure budget instead
 * of maxUnavailable, and a node without room for the pod does not count at all. Halted or paused: no node is touched; a surge pair whose updated pod is
 * available still completes.
 */
import { scaledValue } from '../../../shared/api/int-or-percent.js';
import { isAvailable, updatedAndOld } from './pods.js';
import type { NodeRolloutState } from './stages.js';
import type { DaemonSetStep } from './steps.js';
import type { DaemonPodView, UpdateStrategy } from './view.js';

export interface RollingNode {
  name: string;
  /** Non-deleting pods of the DaemonSet on the node. */
  pods: readonly DaemonPodView[];
  wantToRun: boolean;
  shouldRun: boolean;
  reachable: boolean;
  /** In a released stage (nodes outside every stage are released with the last one). */
  released: boolean;
  state?: NodeRolloutState;
}

export interface RollingInput {
  /** Nodes that want the pod or have one, in rollout order. */
  nodes: readonly RollingNode[];
  hash: string;
  templateGeneration?: number;
  maxSurge: number;
  maxUnavailable: number;
  desiredNumberScheduled: number;
  minReadySeconds: number;
  /** Halted or paused: no node is touched. */
  frozen: boolean;
  now: number;
}

/** `updatedDesiredNodeCounts`: maxSurge and maxUnavailable for this many desired nodes. */
export function surgeAndUnavailable(strategy: UpdateStrategy, desired: number): { maxSurge: number; maxUnavailable: number } {
  if (strategy.type !== 'RollingUpdate') return { maxSurge: 0, maxUnavailable: 0 };
  const maxSurge = scaledValue(strategy.maxSurge, desired, true);
  let maxUnavailable = scaledValue(strategy.maxUnavailable, desired, false);
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** `util.AllowsSurge`: maxSurge scaled against one node is not 0. */
export function allowsSurge(strategy: UpdateStrategy): boolean {
  return strategy.type === 'RollingUpdate' && scaledValue(strategy.maxSurge, 1, true) > 0;
}

const del = (p: DaemonPodView): DaemonSetStep => ({ kind: 'deletePod', pod: p.name, node: p.nodeName, reason: 'update' });

function withoutSurge(input: RollingInput): DaemonSetStep[] {
  const avail = (p: DaemonPodView): boolean => isAvailable(p, input.minReadySeconds, input.now);
  let unavailable = 0;
  const replacements: DaemonPodView[] = [];
  const candidates: DaemonPodView[] = [];
  for (const n of input.nodes) {
    const pair = updatedAndOld(n.pods, input.hash, input.templateGeneration);
    if (!n.reachable) continue;
    if (!pair) {
      unavailable++;
      continue;
    }
    const { updated, old } = pair;
    if (!old) {
      // A node that cannot take the pod (resources) or whose update failed does not hold the rollout.
      if (updated ? !avail(updated) && n.state !== 'failed' : n.state !== 'unplaced') unavailable++;
    } else if (updated) {
      unavailable++;
    } else if (n.released && !input.frozen) {
      if (!avail(old)) replacements.push(old);
      else if (unavailable < input.maxUnavailable) candidates.push(old);
    }
  }
  const room = Math.min(Math.max(input.maxUnavailable - unavailable, 0), candidates.length);
  return [...replacements, ...candidates.slice(0, room)].map(del);
}

function withSurge(input: RollingInput): DaemonSetStep[] {
  const avail = (p: DaemonPodView): boolean => isAvailable(p, input.minReadySeconds, input.now);
  const deletes: DaemonPodView[] = [];
  const shouldNotRun: DaemonPodView[] = [];
  const allowed: string[] = [];
  const candidates: string[] = [];
  let surge = 0;
  let available = 0;
  for (const n of input.nodes) {
    const pair = updatedAndOld(n.pods, input.hash, input.templateGeneration);
    if (!n.reachable) continue;
    if (!pair) {
      surge++;
      continue;
    }
    const { updated, old } = pair;
    const serving = old ?? updated;
    if (serving && avail(serving)) available++;
    if (!old) continue;
    if (updated) {
      if (avail(updated)) deletes.push(old);
      else if (n.state !== 'failed') surge++;
      continue;
    }
    if (!n.released || input.frozen) continue;
    if (!avail(old)) {
      if (n.shouldRun) allowed.push(n.name);
      else deletes.push(old);
    } else if (!n.shouldRun) {
      shouldNotRun.push(old);
    } else if (surge < input.maxSurge) {
      candidates.push(n.name);
    }
  }
  // With surge the owner expects full availability: a pod on a node that may no longer run it
  // goes only once enough pods elsewhere are available.
  deletes.push(...shouldNotRun.slice(0, Math.max(0, available - input.desiredNumberScheduled)));
  const room = Math.min(Math.max(input.maxSurge - surge, 0), candidates.length);
  const creates: DaemonSetStep[] = [...allowed, ...candidates.slice(0, room)].map((node) => ({ kind: 'createPod', node, hash: input.hash, reason: 'surge' }));
  return [...deletes.map(del), ...creates];
}

export function planRollingUpdate(input: RollingInput): DaemonSetStep[] {
  return input.maxSurge === 0 ? withoutSurge(input) : withSurge(input);
}

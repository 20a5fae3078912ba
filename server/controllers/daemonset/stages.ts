/**
 * Staged rollouts: the nodes that want the pod, in name order, split into a canary stage (a
 * count, a percent rounded up, or the nodes matching a label selector) and then batches of the
 * rest (one batch when no batch size is set). A stage is released when the one before it is
 * done — every node updated, failed, waiting offline or unplaceable — and, with manual
 * promotion, once `flotctl rollout promote` has released it for the current revision.
 */
import { scaledValue } from '../../../shared/api/int-or-percent.js';
import { matchesLabels } from '../../../shared/api/label-selector.js';
import type { RolloutPolicy } from './rollout-policy.js';

export interface Stage {
  name: string;
  nodes: string[];
}

export type NodeRolloutState =
  /** An updated pod, available. */
  | 'updated'
  /** An updated pod not yet available (or about to be created), within the progress deadline. */
  | 'updating'
  /** An updated pod still not available after the progress deadline. */
  | 'failed'
  /** Unreachable and not updated: deferred until it is back. */
  | 'waiting-offline'
  /** Still on an old revision: its turn has not come. */
  | 'pending'
  /** No pod and none can be placed (resources). */
  | 'unplaced';

const DONE: ReadonlySet<NodeRolloutState> = new Set(['updated', 'failed', 'waiting-offline', 'unplaced']);

export function planStages(nodes: readonly { name: string; labels: Readonly<Record<string, string>> }[], policy: RolloutPolicy): Stage[] {
  const ordered = [...nodes].sort((a, b) => a.name.localeCompare(b.name));
  const total = ordered.length;
  let canary: string[] = [];
  const c = policy.canary;
  if (c && 'selector' in c) canary = ordered.filter((n) => matchesLabels(c.selector, n.labels)).map((n) => n.name);
  else if (c) canary = ordered.slice(0, Math.max(1, scaledValue(c.size, total, true))).map((n) => n.name);
  const inCanary = new Set(canary);
  const rest = ordered.filter((n) => !inCanary.has(n.name)).map((n) => n.name);
  const size = policy.batchSize === undefined ? rest.length : Math.max(1, scaledValue(policy.batchSize, total, true));
  const stages: Stage[] = canary.length > 0 ? [{ name: 'canary', nodes: canary }] : [];
  for (let i = 0; i < rest.length; i += size) {
    stages.push({ name: stages.length === 0 && size >= rest.length ? 'all' : `batch-${Math.floor(i / size) + 1}`, nodes: rest.slice(i, i + size) });
  }
  return stages;
}

export interface Release {
  /** How many stages (from the first) may be updated. */
  released: number;
  /** The index of the stage waiting for `rollout promote`, if any. */
  awaitingPromotion?: number;
}

export function stageDone(stage: Stage, states: ReadonlyMap<string, NodeRolloutState>): boolean {
  return stage.nodes.every((n) => DONE.has(states.get(n) ?? 'unplaced'));
}

export function releasedStages(stages: readonly Stage[], states: ReadonlyMap<string, NodeRolloutState>, policy: RolloutPolicy, hash: string): Release {
  let released = stages.length > 0 ? 1 : 0;
  while (released < stages.length) {
    const prev = stages[released - 1];
    if (!prev || !stageDone(prev, states)) break;
    const promoted = policy.promoted !== undefined && policy.promoted.hash === hash && policy.promoted.stage >= released;
    if (policy.promotion === 'manual' && !promoted) return { released, awaitingPromotion: released };
    released++;
  }
  return { released };
}

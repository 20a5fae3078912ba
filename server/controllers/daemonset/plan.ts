/**
 * The DaemonSet planner: `planDaemonSet(input) → { steps, events, status, fleet, … }`. Pure — no
 * I/O, no clock; the controller reads fresh state, calls it, carries the plan out. Steps, in order:
 *
 *   1. revisions: create the current ControllerRevision (`<ds>-<hash>`), renumber it to the top,
 *      relabel pods of duplicate revisions, delete duplicates and history beyond the limit;
 *   2. the manage loop: create a pod on every node that should run one and has none; delete pods
 *      on nodes that may not keep them (misscheduled), duplicates, failed pods (per-node
 *      backoff; the next reconcile recreates them), pods bound to nodes that no longer exist;
 *      a node without a pod whose turn has not come (halted, paused, stage not released) gets
 *      the last good revision (stable-revision.ts), not the one the rollout holds back;
 *   3. RollingUpdate: delete old pods / create surge pods within maxUnavailable / maxSurge, only
 *      on reachable nodes of released stages, not while halted (failure budget), paused or the
 *      rollout annotations are invalid. OnDelete: nothing (the manage loop recreates deleted pods).
 * A pod is deleted at most once per plan. Executors create before they delete within a kind
 * as they see fit; Kubernetes creates in slow-start batches (1, 2, 4, …).
 *
 * What the wiring provides (see view.ts):
 * - `ds`: the DaemonSet (template as stored, strategy with defaults applied, annotations, the
 *   `deprecated.daemonset.template.generation` annotation as `templateGeneration`, status
 *   collisionCount / conditions);
 * - `nodes`: every Node: labels, taints, spec.unschedulable, allocatable (quantities →
 *   numbers), reachable (Ready is not Unknown), and the non-terminal, non-deleting pods bound to
 *   it with their controller uid and summed requests (resources.ts `podRequests`);
 * - `pods`: the pods this DaemonSet controls, after adoption / release (including terminal
 *   pods being deleted: they keep their revision in the history);
 * - `revisions`: the ControllerRevisions it controls;
 * - `backoff`: what the last plan returned in `backoff` (per node; in memory is enough);
 * - `now` in epoch ms.
 * Then: execute the steps (a createPod step's pod is `daemonPodFor(ds, node, hash)`), emit
 * `events` on the DaemonSet plus SuccessfulCreate / SuccessfulDelete / FailedCreate /
 * FailedDelete per pod (steps.ts), write `status` through /status (observedGeneration only
 * when every step succeeded, as Kubernetes does), publish `fleet` (JSON in the
 * `flotilla.io/rollout-status` annotation for `flotctl rollout status`), keep `backoff`, and
 * requeue after `requeueAfterMs` (availability, progress deadlines, failed-pod backoff).
 */
import { daemonPodScheduling, nodeEligibility, type Eligibility } from './eligibility.js';
import { judgeFailures, nodeRolloutState } from './failure-budget.js';
import { planManage, type BackoffEntry } from './manage.js';
import { availableAt, podsByNode, updatedAndOld } from './pods.js';
import { planRevisions, type RevisionPlan } from './revisions.js';
import { allowsSurge, planRollingUpdate, surgeAndUnavailable, type RollingNode } from './rolling-update.js';
import { DEFAULT_ROLLOUT_POLICY, parseRolloutPolicy } from './rollout-policy.js';
import { stableRevision } from './stable-revision.js';
import { planStages, releasedStages, type NodeRolloutState, type Stage } from './stages.js';
import { CONDITION_HALTED, CONDITION_PROGRESSING, fleetView, mergeConditions, rolloutConditions, statusCounts, type DaemonSetStatusCounts } from './status.js';
import type { FleetView } from '../../../shared/api/rollout-status.js';
import type { DaemonSetStep, PlannedEvent } from './steps.js';
import type { Condition, DaemonPodView, DaemonSetView, NodeView, RevisionView } from './view.js';
import { rfc3339 } from '../../../shared/util/clock.js';

export { ROLLOUT_STATUS_ANNOTATION } from '../../../shared/api/rollout-status.js';

export interface DaemonSetPlanInput {
  ds: DaemonSetView;
  nodes: readonly NodeView[];
  pods: readonly DaemonPodView[];
  revisions: readonly RevisionView[];
  backoff: ReadonlyMap<string, BackoffEntry>;
  now: number;
}

export interface DaemonSetStatusPlan extends DaemonSetStatusCounts {
  observedGeneration: number;
  collisionCount?: number;
  conditions: Condition[];
}

export interface DaemonSetPlan {
  hash: string;
  steps: DaemonSetStep[];
  events: PlannedEvent[];
  status: DaemonSetStatusPlan;
  fleet: FleetView;
  backoff: Map<string, BackoffEntry>;
  requeueAfterMs?: number;
}

function revisionSteps(r: RevisionPlan): DaemonSetStep[] {
  const steps: DaemonSetStep[] = [];
  if (r.create) steps.push({ kind: 'createRevision', revision: r.create });
  if (r.current?.renumber !== undefined) steps.push({ kind: 'renumberRevision', name: r.current.name, revision: r.current.renumber });
  for (const l of r.relabel) steps.push({ kind: 'relabelPods', fromHash: l.from, toHash: l.to });
  for (const name of r.delete) steps.push({ kind: 'deleteRevision', name });
  return steps;
}

/** Events for condition transitions: halted, halt lifted, waiting for promotion, done. */
function transitionEvents(previous: readonly Condition[], next: readonly Condition[]): PlannedEvent[] {
  const find = (list: readonly Condition[], type: string): Condition | undefined => list.find((c) => c.type === type);
  const events: PlannedEvent[] = [];
  const [wasHalted, halted] = [find(previous, CONDITION_HALTED), find(next, CONDITION_HALTED)];
  if (halted?.status === 'True' && wasHalted?.status !== 'True') events.push({ type: 'Warning', reason: 'RolloutHalted', message: halted.message ?? '' });
  if (halted?.status !== 'True' && wasHalted?.status === 'True') events.push({ type: 'Normal', reason: 'RolloutHaltLifted', message: 'failed devices are within the failure budget again' });
  const [was, now] = [find(previous, CONDITION_PROGRESSING), find(next, CONDITION_PROGRESSING)];
  if (now && now.reason !== was?.reason) {
    if (now.reason === 'RolloutComplete' || now.reason === 'AwaitingPromotion') events.push({ type: 'Normal', reason: now.reason, message: now.message ?? '' });
    if (now.reason === 'InvalidRolloutPolicy') events.push({ type: 'Warning', reason: now.reason, message: now.message ?? '' });
  }
  return events;
}

/**
 * The nodes the rolling update looks at, in rollout order: stage members, then nodes that only
 * keep a pod (misscheduled), which are released with the last stage.
 */
function rollingNodes(
  stages: readonly Stage[],
  releasedNodes: ReadonlySet<string>,
  states: ReadonlyMap<string, NodeRolloutState>,
  byNode: ReadonlyMap<string, readonly DaemonPodView[]>,
  nodeByName: ReadonlyMap<string, NodeView>,
  eligibility: ReadonlyMap<string, Eligibility>,
): RollingNode[] {
  const allReleased = stages.every((s) => s.nodes.every((n) => releasedNodes.has(n)));
  const order = [...stages.flatMap((s) => s.nodes), ...[...byNode.keys()].filter((n) => n !== '' && !states.has(n)).sort()];
  return order.flatMap((name) => {
    const node = nodeByName.get(name);
    const e = eligibility.get(name);
    if (!node || !e) return [];
    const r: RollingNode = {
      name, pods: (byNode.get(name) ?? []).filter((p) => !p.deleting), wantToRun: e.wantToRun, shouldRun: e.shouldRun,
      reachable: node.reachable, released: states.has(name) ? releasedNodes.has(name) : allReleased,
    };
    const st = states.get(name);
    if (st) r.state = st;
    return [r];
  });
}

export function planDaemonSet(input: DaemonSetPlanInput): DaemonSetPlan {
  const { ds, now } = input;
  const parsed = parseRolloutPolicy(ds.annotations);
  const policy = parsed.policy ?? DEFAULT_ROLLOUT_POLICY;
  const policyErrors = parsed.errors.map((e) => `${e.field}: ${e.message}`);
  const scheduling = daemonPodScheduling(ds.template, ds.uid);
  const eligibility = new Map<string, Eligibility>();
  for (const n of input.nodes) eligibility.set(n.name, nodeEligibility(n, scheduling));
  const nodeByName = new Map(input.nodes.map((n) => [n.name, n]));

  const liveHashes = new Set(input.pods.flatMap((p) => (p.revisionHash ? [p.revisionHash] : [])));
  const revisions = planRevisions(ds.name, ds.template, ds.status.collisionCount, input.revisions, ds.revisionHistoryLimit, liveHashes);
  const hash = revisions.hash;

  // Pods being deleted that already stopped are gone as far as placement is concerned.
  const pods = input.pods.filter((p) => !(p.deleting && (p.phase === 'Failed' || p.phase === 'Succeeded')));
  const byNode = podsByNode(pods);
  const strategy = ds.updateStrategy;
  const manage = planManage({
    namespace: ds.namespace, nodes: eligibility, podsByNode: byNode, hash, allowsSurge: allowsSurge(strategy),
    minReadySeconds: ds.minReadySeconds, backoff: input.backoff, now,
  });

  // The rollout: per-node state, stages, failure budget. An unreachable node carries the
  // unreachable NoSchedule taint, which daemons do not tolerate, so Kubernetes stops counting
  // it as desired; the rollout keeps it as a member (waiting offline) while its pod may stay.
  const wanted = input.nodes.filter((n) => eligibility.get(n.name)?.wantToRun);
  const members = input.nodes.filter((n) => {
    const e = eligibility.get(n.name);
    return e !== undefined && (e.wantToRun || (!n.reachable && e.shouldContinueRunning));
  });
  const states = new Map<string, NodeRolloutState>();
  const updatedPods = new Map<string, DaemonPodView>();
  for (const n of members) {
    const pair = updatedAndOld(byNode.get(n.name) ?? [], hash, ds.templateGeneration) ?? {};
    if (pair.updated) updatedPods.set(n.name, pair.updated);
    states.set(n.name, nodeRolloutState(pair, n.reachable, eligibility.get(n.name)?.shouldRun ?? false, policy, ds.minReadySeconds, now));
  }
  const stages = planStages(members, policy);
  const release = releasedStages(stages, states, policy, hash);
  const releasedNodes = new Set(stages.slice(0, release.released).flatMap((s) => s.nodes));
  const verdict = judgeFailures(policy, states, updatedPods);
  const frozen = verdict.halted || policy.paused || policyErrors.length > 0;

  const rolling: DaemonSetStep[] = [];
  if (strategy.type === 'RollingUpdate') {
    const { maxSurge, maxUnavailable } = surgeAndUnavailable(strategy, wanted.length);
    const nodes = rollingNodes(stages, releasedNodes, states, byNode, nodeByName, eligibility);
    const rollingInput = { nodes, hash, maxSurge, maxUnavailable, desiredNumberScheduled: wanted.length, minReadySeconds: ds.minReadySeconds, frozen, now };
    rolling.push(...planRollingUpdate(ds.templateGeneration === undefined ? rollingInput : { ...rollingInput, templateGeneration: ds.templateGeneration }));
  }

  const stable = stableRevision(revisions.history, pods, hash, ds.minReadySeconds, now);
  const held = (node: string): boolean => frozen || !releasedNodes.has(node);
  const deleted = new Set<string>();
  const podSteps: DaemonSetStep[] = [];
  for (const s of [...manage.steps, ...rolling]) {
    if (s.kind === 'deletePod') {
      if (deleted.has(s.pod)) continue;
      deleted.add(s.pod);
    }
    podSteps.push(s.kind === 'createPod' && s.reason === 'missing' && stable && held(s.node) ? { ...s, hash: stable.hash, template: stable.template } : s);
  }

  const fleet = fleetView(hash, stages, release.released, states, verdict, release.awaitingPromotion === undefined ? { paused: policy.paused } : { paused: policy.paused, awaitingPromotion: release.awaitingPromotion });
  const nowText = rfc3339(new Date(now));
  const next = rolloutConditions(fleet, ds.name, policyErrors);
  const status: DaemonSetStatusPlan = {
    ...statusCounts(eligibility, byNode, hash, ds.templateGeneration, ds.minReadySeconds, now),
    observedGeneration: ds.generation,
    conditions: mergeConditions(ds.status.conditions, next, nowText),
  };
  const collisionCount = revisions.collisionCount ?? ds.status.collisionCount;
  if (collisionCount !== undefined) status.collisionCount = collisionCount;

  const events: PlannedEvent[] = [];
  for (const [node, e] of eligibility) {
    if (e.insufficient && (byNode.get(node) ?? []).length === 0) {
      events.push({ type: 'Warning', reason: 'FailedPlacement', message: `failed to place pod on "${node}": ${e.insufficient.join(', ')}` });
    }
  }
  events.push(...manage.events, ...transitionEvents(ds.status.conditions, next));

  const plan: DaemonSetPlan = { hash, steps: [...revisionSteps(revisions), ...podSteps], events, status, fleet, backoff: manage.backoff };
  const wakeAt: number[] = [];
  if (manage.requeueAfterMs !== undefined) wakeAt.push(now + manage.requeueAfterMs);
  for (const p of pods) {
    const at = availableAt(p, ds.minReadySeconds, now);
    if (at !== undefined) wakeAt.push(at);
  }
  for (const [node, p] of updatedPods) if (states.get(node) === 'updating') wakeAt.push(p.createdAt + policy.progressDeadlineMs);
  if (wakeAt.length > 0) plan.requeueAfterMs = Math.max(1, Math.min(...wakeAt) - now);
  return plan;
}

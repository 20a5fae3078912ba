/**
 * The node-lifecycle planner: from a Node, when its agent was last heard from and the time,
 * decides the Node's conditions (only when it went silent) and the taints the lifecycle owns.
 * Pure: no I/O, no clock; the controller carries the plan out.
 *
 * Silence is measured from the last heartbeat the hub saw. Leases live in memory, so for a
 * node not heard from since the hub started it is measured from the later of the hub's start
 * and the node's creation: a hub restart never marks the fleet Unknown at once; every node
 * gets a full grace period to report in. The exception is a node whose Ready condition is
 * already Unknown in the store (it went silent before the restart, or never posted status):
 * it stays unreachable until it is heard from, so its taints and their timeAdded (which
 * eviction deadlines count from) survive hub restarts instead of flapping.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
  taintsOf,
  type Taint,
  type TaintEffect,
} from '../../../shared/api/taints.js';
import { rfc3339 } from '../../../shared/util/clock.js';
import type { Node, NodeCondition } from '../../../shared/api/types/index.js';

export interface NodeLifecycleConfig {
  /** Silent for longer than this: the node's conditions go Unknown and it is tainted unreachable. */
  nodeMonitorGracePeriodMs: number;
  /**
   * The granularity of the checks: a node is looked at again on the first multiple of this
   * (epoch-aligned) after its grace period runs out, so expiries across a fleet share wake-ups
   * and a silence is noticed within (grace, grace + period], as in Kubernetes.
   */
  nodeMonitorPeriodMs: number;
}

export const DEFAULT_NODE_LIFECYCLE_CONFIG: NodeLifecycleConfig = { nodeMonitorGracePeriodMs: 40_000, nodeMonitorPeriodMs: 5_000 };

export interface NodeLifecyclePlanConfig extends NodeLifecycleConfig {
  /** When the hub (this controller) started: silence of never-heard nodes counts from here at the earliest. */
  startedAt: Date;
}

export type { NodeCondition } from '../../../shared/api/types/index.js';

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface NodeLifecyclePlan {
  /** Heard from within the grace period. */
  reachable: boolean;
  /** What silence is measured from: the last heartbeat, else the hub's start or the node's creation. */
  probeTime: Date;
  /** The Node's new `status.conditions`; undefined when they stay as they are. */
  conditions?: NodeCondition[];
  /** The Node's new `spec.taints`; undefined when they stay as they are. */
  taints?: Taint[];
  /** Transitions worth an Event on the Node. */
  events: PlannedEvent[];
  /** Look again after this long (when the grace period would run out); undefined = only on change. */
  requeueAfterMs?: number;
}

export const NODE_STATUS_UNKNOWN = 'NodeStatusUnknown';
export const NODE_STATUS_NEVER_UPDATED = 'NodeStatusNeverUpdated';
export const MESSAGE_STOPPED_POSTING = 'Agent stopped posting node status.';
export const MESSAGE_NEVER_POSTED = 'Agent never posted node status.';

/** Conditions the hub marks Unknown even when the agent never reported them (Kubernetes' list). */
const EXPECTED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** Condition True → NoSchedule taint (Kubernetes' taint-nodes-by-condition). */
const CONDITION_TAINTS: Record<string, string> = {
  MemoryPressure: TAINT_NODE_MEMORY_PRESSURE,
  DiskPressure: TAINT_NODE_DISK_PRESSURE,
  PIDPressure: TAINT_NODE_PID_PRESSURE,
  NetworkUnavailable: TAINT_NODE_NETWORK_UNAVAILABLE,
};

/**
 * The (key, effect) pairs this controller owns. Any other taint, including another effect
 * on one of these keys, belongs to users and is never touched.
 */
export const LIFECYCLE_TAINTS: readonly { key: string; effect: TaintEffect }[] = [
  { key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' },
  { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' },
  { key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' },
  { key: TAINT_NODE_NOT_READY, effect: 'NoExecute' },
  { key: TAINT_NODE_MEMORY_PRESSURE, effect: 'NoSchedule' },
  { key: TAINT_NODE_DISK_PRESSURE, effect: 'NoSchedule' },
  { key: TAINT_NODE_PID_PRESSURE, effect: 'NoSchedule' },
  { key: TAINT_NODE_NETWORK_UNAVAILABLE, effect: 'NoSchedule' },
  { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' },
];

function isLifecycleTaint(t: { key: string; effect: string }): boolean {
  return LIFECYCLE_TAINTS.some((l) => l.key === t.key && l.effect === t.effect);
}

/** A copy of the Node's conditions (the planner never changes the object it is given). */
export function conditionsOf(node: Node): NodeCondition[] {
  return (node.status?.conditions ?? []).map((c) => ({ ...c }));
}

export function probeTime(node: Node, lastHeartbeat: Date | undefined, startedAt: Date): Date {
  if (lastHeartbeat) return lastHeartbeat;
  const created = Date.parse(node.metadata.creationTimestamp ?? '');
  return new Date(Number.isNaN(created) ? startedAt.getTime() : Math.max(created, startedAt.getTime()));
}

/** Every condition the agent reported, and the expected ones it never did, set to Unknown. */
function markUnknown(current: NodeCondition[], node: Node, now: string): NodeCondition[] {
  const out = current.map((c) =>
    c.status === 'Unknown' ? c : { ...c, status: 'Unknown', reason: NODE_STATUS_UNKNOWN, message: MESSAGE_STOPPED_POSTING, lastTransitionTime: now },
  );
  for (const type of EXPECTED_CONDITIONS) {
    if (out.some((c) => c.type === type)) continue;
    const never: NodeCondition = { type, status: 'Unknown', reason: NODE_STATUS_NEVER_UPDATED, message: MESSAGE_NEVER_POSTED, lastTransitionTime: now };
    if (node.metadata.creationTimestamp) never.lastHeartbeatTime = node.metadata.creationTimestamp;
    out.push(never);
  }
  return out;
}

/** The lifecycle taints a node with these conditions should carry. */
function wantedTaints(reachable: boolean, conditions: NodeCondition[], unschedulable: boolean): { key: string; effect: TaintEffect }[] {
  const wanted: { key: string; effect: TaintEffect }[] = [];
  const status = (type: string): string | undefined => conditions.find((c) => c.type === type)?.status;
  if (!reachable) {
    wanted.push({ key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' }, { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' });
  } else if (status('Ready') === 'False') {
    wanted.push({ key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' }, { key: TAINT_NODE_NOT_READY, effect: 'NoExecute' });
  }
  for (const [type, key] of Object.entries(CONDITION_TAINTS)) {
    if (status(type) === 'True') wanted.push({ key, effect: 'NoSchedule' });
  }
  if (unschedulable) wanted.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
  return wanted;
}

/**
 * Users' taints stay as they are, in place; lifecycle taints that are no longer wanted go;
 * wanted ones already present keep their value and timeAdded; new ones are appended, with
 * `timeAdded` for NoExecute (eviction deadlines count from it).
 */
function mergeTaints(current: Taint[], wanted: { key: string; effect: TaintEffect }[], now: string): Taint[] {
  const kept = current.filter((t) => !isLifecycleTaint(t) || wanted.some((w) => w.key === t.key && w.effect === t.effect));
  for (const w of wanted) {
    if (kept.some((t) => t.key === w.key && t.effect === w.effect)) continue;
    kept.push(w.effect === 'NoExecute' ? { key: w.key, effect: w.effect, timeAdded: now } : { key: w.key, effect: w.effect });
  }
  return kept;
}

/** Rounds `t` up to a multiple of `period` (epoch-aligned), so expiries of many nodes share wake-ups. */
function roundUp(t: number, period: number): number {
  return period > 0 ? Math.ceil(t / period) * period : t;
}

export function planNodeLifecycle(node: Node, lastHeartbeat: Date | undefined, now: Date, cfg: NodeLifecyclePlanConfig): NodeLifecyclePlan {
  const probe = probeTime(node, lastHeartbeat, cfg.startedAt);
  const expiresAt = probe.getTime() + cfg.nodeMonitorGracePeriodMs;
  const current = conditionsOf(node);
  const silentBefore = lastHeartbeat === undefined && current.find((c) => c.type === 'Ready')?.status === 'Unknown';
  // Silent for longer than the grace period, as Kubernetes (now.After(probe + grace)) and the lease tracker count it.
  const reachable = !silentBefore && now.getTime() <= expiresAt;
  const nowText = rfc3339(now);
  const name = node.metadata.name ?? '';
  const plan: NodeLifecyclePlan = { reachable, probeTime: probe, events: [] };

  const conditions = reachable ? current : markUnknown(current, node, nowText);
  if (!isDeepStrictEqual(conditions, current)) {
    plan.conditions = conditions;
    if (current.find((c) => c.type === 'Ready')?.status === 'True') {
      plan.events.push({ type: 'Normal', reason: 'NodeNotReady', message: `Node ${name} status is now: NodeNotReady` });
    }
  }

  const currentTaints = taintsOf(node);
  const taints = mergeTaints(currentTaints, wantedTaints(reachable, conditions, node.spec?.unschedulable === true), nowText);
  if (!isDeepStrictEqual(taints, currentTaints)) plan.taints = taints;

  if (reachable) plan.requeueAfterMs = Math.max(1, roundUp(expiresAt + 1, cfg.nodeMonitorPeriodMs) - now.getTime());
  return plan;
}

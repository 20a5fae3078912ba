/**
 * The core loop (pkg/controller/daemon `manage` + `podsShouldBeOnNode`): a pod on every node that
 * should run one, none where it may not continue, one per node (surge: at most an old and an
 * updated one), failed pods deleted so they are recreated — with a per-node backoff, as
 * Kubernetes' failedPodsBackoff (1 s doubling to 15 min) — and pods bound to vanished nodes deleted.
 */
import type { Eligibility } from './eligibility.js';
import { isAvailable, oldestFirst } from './pods.js';
import type { DaemonSetStep, PlannedEvent } from './steps.js';
import type { DaemonPodView } from './view.js';

export interface BackoffEntry {
  /** When the last failed pod on this node was deleted. */
  lastAt: number;
  delayMs: number;
}

export const FAILED_POD_BACKOFF = { initialMs: 1_000, maxMs: 15 * 60_000 };

export interface ManageInput {
  namespace: string;
  /** Every node, by name, with its eligibility for this DaemonSet. */
  nodes: ReadonlyMap<string, Eligibility>;
  /** The DaemonSet's pods grouped by node ('' = unbound). */
  podsByNode: ReadonlyMap<string, readonly DaemonPodView[]>;
  hash: string;
  allowsSurge: boolean;
  minReadySeconds: number;
  backoff: ReadonlyMap<string, BackoffEntry>;
  now: number;
}

export interface ManageResult {
  steps: DaemonSetStep[];
  events: PlannedEvent[];
  /** The backoff entries to keep for the next reconcile (expired ones dropped). */
  backoff: Map<string, BackoffEntry>;
  requeueAfterMs?: number;
}

/** Kubernetes' flowcontrol.Backoff: the delay doubles while failures keep coming, restarts after 2×max of quiet. */
function nextBackoff(prev: BackoffEntry | undefined, now: number): BackoffEntry {
  if (!prev || now - prev.lastAt > 2 * FAILED_POD_BACKOFF.maxMs) return { lastAt: now, delayMs: FAILED_POD_BACKOFF.initialMs };
  return { lastAt: now, delayMs: Math.min(prev.delayMs * 2, FAILED_POD_BACKOFF.maxMs) };
}

/**
 * The node's running pods that must go: all but the oldest; when surging, all but the oldest
 * updated and the oldest old one, and that old one too once it is not Ready or the updated
 * one is available.
 */
function excessPods(running: DaemonPodView[], input: ManageInput): DaemonPodView[] {
  const sorted = [...running].sort(oldestFirst);
  if (!input.allowsSurge) return sorted.slice(1);
  const updated = sorted.filter((p) => p.revisionHash === input.hash);
  const old = sorted.filter((p) => p.revisionHash !== input.hash);
  const excess = [...updated.slice(1), ...old.slice(1)];
  const [newest, oldest] = [updated[0], old[0]];
  if (newest && oldest && (!oldest.ready || isAvailable(newest, input.minReadySeconds, input.now))) excess.push(oldest);
  return excess;
}

export function planManage(input: ManageInput): ManageResult {
  const out: ManageResult = { steps: [], events: [], backoff: new Map() };
  for (const [node, b] of input.backoff) if (input.now - b.lastAt <= 2 * FAILED_POD_BACKOFF.maxMs) out.backoff.set(node, b);
  const del = (p: DaemonPodView, reason: Extract<DaemonSetStep, { kind: 'deletePod' }>['reason']): void => {
    out.steps.push({ kind: 'deletePod', pod: p.name, node: p.nodeName, reason });
  };
  const wake = (ms: number): void => {
    out.requeueAfterMs = Math.min(out.requeueAfterMs ?? ms, ms);
  };

  for (const [node, e] of input.nodes) {
    const pods = input.podsByNode.get(node) ?? [];
    if (e.shouldRun && pods.length === 0) {
      out.steps.push({ kind: 'createPod', node, hash: input.hash, reason: 'missing' });
      continue;
    }
    if (!e.shouldContinueRunning) {
      for (const p of pods) if (!p.deleting) del(p, 'misscheduled');
      continue;
    }
    const running: DaemonPodView[] = [];
    for (const p of pods) {
      if (p.deleting) continue;
      if (p.phase === 'Failed') {
        const prev = input.backoff.get(node);
        if (prev && input.now - prev.lastAt < prev.delayMs) {
          wake(prev.lastAt + prev.delayMs - input.now);
          continue;
        }
        out.backoff.set(node, nextBackoff(prev, input.now));
        out.events.push({ type: 'Warning', reason: 'FailedDaemonPod', message: `Found failed daemon pod ${input.namespace}/${p.name} on node ${node}, will try to kill it` });
        del(p, 'failed');
      } else if (p.phase === 'Succeeded') {
        del(p, 'succeeded');
      } else {
        running.push(p);
      }
    }
    for (const p of running.length > 1 ? excessPods(running, input) : []) del(p, 'duplicate');
    if (input.allowsSurge && running.length === 0 && e.shouldRun) {
      // Surging: a node whose pods are all on their way out gets a new one at once.
      out.steps.push({ kind: 'createPod', node, hash: input.hash, reason: 'missing' });
    }
  }

  for (const [node, pods] of input.podsByNode) {
    if (input.nodes.has(node)) continue;
    for (const p of pods) if (!p.deleting) del(p, 'no-node');
  }
  return out;
}

/**
 * The pure planner: plan(desired, observed, memory, now) → steps (+ per-pod views for status,
 * conditions for events, and when to plan again). Three kinds of pod:
 *
 *   active       in the desired document, no deletionTimestamp: plan-pod.ts;
 *   terminating  deletionTimestamp set: stop every container with deletionGracePeriodSeconds,
 *                remove them and the pod's directory, then finalize (report `deleted: true`);
 *   removed      observed (containers or a pod directory) but no longer desired: stop with the
 *                grace period last known, remove.
 *
 * Only containers carrying the agent's labels are ever observed, so nothing else can appear
 * in a step.
 */
import type { ObservedContainer } from '../engine/types.js';
import { DEFAULT_GRACE_SECONDS, type PodRef } from './pod-model.js';
import type { DesiredPods } from './desired.js';
import { isRunning } from './instances.js';
import { SANDBOX_STOP_GRACE_SECONDS } from './naming.js';
import { PodOutput } from './plan-output.js';
import { planActivePod } from './plan-pod.js';
import type { MemoryView } from './memory.js';
import type { Observed, Plan, PodView } from './types.js';
import { hostPortRefusals, type PortClaimant } from '../network/host-ports.js';

export const DELETE_CHAIN = 'delete';

const ROLE_ORDER = { app: 0, init: 1, sandbox: 2 } as const;

function planTeardown(out: PodOutput, containers: readonly ObservedContainer[], graceSeconds: number, finalize: boolean, hasDir: boolean): void {
  const ref = out.ref;
  const ordered = [...containers].sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role]);
  for (const c of ordered) {
    if (!isRunning(c)) continue;
    const what = c.role === 'sandbox' ? 'pod sandbox' : `container ${c.container}`;
    out.step({
      kind: 'stop',
      pod: ref,
      chain: DELETE_CHAIN,
      container: c.container,
      id: c.id,
      graceSeconds: c.role === 'sandbox' ? Math.min(graceSeconds, SANDBOX_STOP_GRACE_SECONDS) : graceSeconds,
      reason: finalize ? 'pod-deleted' : 'pod-removed',
      message: `Stopping ${what}`,
      // App and init containers stop together; the sandbox after them.
      parallel: c.role !== 'sandbox',
    });
  }
  for (const c of ordered) {
    if (c.state !== 'removing') out.step({ kind: 'remove', pod: ref, chain: DELETE_CHAIN, container: c.container, id: c.id });
  }
  if (hasDir || finalize) out.step({ kind: 'removePodDir', pod: ref, chain: DELETE_CHAIN });
  if (finalize) out.step({ kind: 'finalize', pod: ref, chain: DELETE_CHAIN });
}

export function plan(desired: DesiredPods, observed: Observed, memory: MemoryView, now: Date): Plan {
  const t = now.getTime();
  const byPod = new Map<string, ObservedContainer[]>();
  for (const c of observed.containers) {
    const list = byPod.get(c.podUid) ?? [];
    list.push(c);
    byPod.set(c.podUid, list);
  }
  const result: Plan = { steps: [], views: new Map<string, PodView>(), conditions: [] };
  const take = (out: PodOutput, flags: { terminating: boolean; deleted: boolean } | undefined): void => {
    result.steps.push(...out.steps);
    result.conditions.push(...out.conditions);
    if (out.wakeAt !== undefined && (result.wakeAt === undefined || out.wakeAt < result.wakeAt)) result.wakeAt = out.wakeAt;
    if (flags) result.views.set(out.ref.uid, out.view(flags));
  };

  // hostPorts: pods that run keep theirs; a pod asking for a port another pod holds is refused.
  const claimants: PortClaimant[] = desired.pods
    .filter((p) => !p.model.deletion || (byPod.get(p.model.ref.uid) ?? []).some(isRunning))
    .map((p) => ({ model: p.model, holds: (byPod.get(p.model.ref.uid) ?? []).some(isRunning) }));
  const refusals = hostPortRefusals(claimants, desired.hostPorts);

  const desiredUids = new Set<string>();
  for (const pod of desired.pods) {
    const ref = pod.model.ref;
    desiredUids.add(ref.uid);
    const containers = byPod.get(ref.uid) ?? [];
    if (pod.model.deletion) {
      const out = new PodOutput(ref);
      const done = memory.finalized(ref.uid) && containers.length === 0;
      if (!done) planTeardown(out, containers, pod.model.deletion.graceSeconds, true, true);
      take(out, { terminating: true, deleted: done });
      continue;
    }
    take(planActivePod(pod, containers, observed, memory, t, refusals.get(ref.uid)), { terminating: false, deleted: false });
  }

  // Pods no longer desired: whatever of them is left on the device goes.
  const leftovers = new Set([...byPod.keys(), ...(observed.podDirs ?? [])]);
  for (const uid of leftovers) {
    if (desiredUids.has(uid)) continue;
    const containers = byPod.get(uid) ?? [];
    const known = memory.known(uid);
    const first = containers[0];
    const ref: PodRef = known?.ref ?? (first ? { uid, namespace: first.podNamespace, name: first.podName } : { uid, namespace: '', name: '' });
    const out = new PodOutput(ref);
    planTeardown(out, containers, known?.graceSeconds ?? DEFAULT_GRACE_SECONDS, false, observed.podDirs?.has(uid) ?? false);
    take(out, undefined);
  }
  return result;
}

/**
 * A Node change → the DaemonSets it may concern, not every DaemonSet: those with a pod bound to
 * the node, and those whose placement (pinned node name, node selector, required affinity,
 * taints against its tolerations) admits the node before or after the change — a DaemonSet
 * that admits it neither before nor after, and has no pod there, plans the same as before.
 * Resources are left out of the test on purpose: a node short of room still counts as
 * wanted (eligibility.ts), so they never decide whether a DaemonSet is concerned.
 * Each DaemonSet's placement is read from its template per change: O(DaemonSets), no pod scan.
 * Changes that touch nothing placement reads (heartbeats, status noise) map to none.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Node } from '../../../shared/api/types/index.js';
import { objectKey } from '../../store/keys.js';
import type { StoreEvent } from '../../store/watch-hub.js';
import { isKind, keyOf, type CacheReader } from '../runtime/index.js';
import { daemonPodScheduling, nodeEligibility } from './eligibility.js';
import { controllerRef, nodeView } from './observe.js';

/** What of a Node placement reads: labels, taints, cordon, allocatable, reachability. */
function placementFacts(n: Node): unknown {
  const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status;
  return [n.metadata.labels, n.spec?.taints, n.spec?.unschedulable, n.status?.allocatable, ready === 'Unknown'];
}

export function nodeKeys(e: StoreEvent, cache: CacheReader): string[] {
  const nodes = [e.object, e.prev].filter((o): o is Node => o !== undefined && isKind(o, 'Node'));
  const [next, prev] = nodes;
  if (!next) return [];
  if (e.type === 'MODIFIED' && prev && isDeepStrictEqual(placementFacts(prev), placementFacts(next))) return [];
  const keys = new Set<string>();
  for (const pod of cache.podsOnNode(next.metadata.name ?? '')) {
    const ref = controllerRef(pod.metadata);
    if (ref?.kind === 'DaemonSet') keys.add(objectKey(pod.metadata.namespace, ref.name));
  }
  const views = nodes.map((n) => nodeView(n, []));
  for (const ds of cache.list('DaemonSet')) {
    const key = keyOf(ds);
    if (keys.has(key)) continue;
    const scheduling = daemonPodScheduling(ds.spec.template, ds.metadata.uid ?? '');
    if (views.some((v) => {
      const el = nodeEligibility(v, scheduling);
      return el.wantToRun || el.shouldContinueRunning;
    })) keys.add(key);
  }
  return [...keys];
}

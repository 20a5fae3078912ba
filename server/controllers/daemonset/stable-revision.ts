/**
 * The revision a node with no pod gets while its turn in the rollout has not come — the rollout
 * is halted or paused, or the node's stage is not released yet: the last good revision, not the
 * one the rollout is holding back. Kubernetes has no such notion (a DaemonSet's new node always
 * gets the current template); for a fleet, a device that joins during a halted release must not
 * be handed the release that stopped itself.
 *
 * The last good revision is the old revision (one in the history, not the current one) that
 * the most available pods of the DaemonSet run, then the most live pods, then the newest. No
 * such pod → none: the node gets the current revision (nothing better is known).
 */
import { isAvailable } from './pods.js';
import type { DaemonPodView, RevisionView } from './view.js';
import type { PodTemplateSpec } from '../../../shared/api/types/index.js';

export interface StableRevision {
  hash: string;
  template: PodTemplateSpec;
}

export function stableRevision(
  history: readonly RevisionView[],
  pods: readonly DaemonPodView[],
  currentHash: string,
  minReadySeconds: number,
  now: number,
): StableRevision | undefined {
  const tally = new Map<string, { available: number; live: number }>();
  for (const p of pods) {
    if (p.deleting || p.revisionHash === undefined || p.revisionHash === currentHash || p.phase === 'Failed' || p.phase === 'Succeeded') continue;
    const t = tally.get(p.revisionHash) ?? { available: 0, live: 0 };
    t.live++;
    if (isAvailable(p, minReadySeconds, now)) t.available++;
    tally.set(p.revisionHash, t);
  }
  let best: { r: RevisionView; template: PodTemplateSpec; available: number; live: number } | undefined;
  for (const r of history) {
    const t = r.hash === undefined ? undefined : tally.get(r.hash);
    const template = r.template;
    if (!t || !template) continue;
    const better = !best || t.available > best.available || (t.available === best.available && (t.live > best.live || (t.live === best.live && r.revision > best.r.revision)));
    if (better) best = { r, template, ...t };
  }
  return best && best.r.hash !== undefined ? { hash: best.r.hash, template: best.template } : undefined;
}

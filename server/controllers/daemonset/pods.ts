/** Facts about daemon pods the planners share (pkg/controller/daemon/util and podutil). */
import type { DaemonPodView } from './view.js';

/** `podutil.IsPodAvailable`: Ready, and for longer than minReadySeconds (strictly). */
export function isAvailable(pod: DaemonPodView, minReadySeconds: number, now: number): boolean {
  if (!pod.ready) return false;
  if (minReadySeconds <= 0) return true;
  return pod.readySince !== undefined && pod.readySince + minReadySeconds * 1000 < now;
}

/** When a Ready pod becomes available; undefined when it is not Ready or already available. */
export function availableAt(pod: DaemonPodView, minReadySeconds: number, now: number): number | undefined {
  if (!pod.ready || minReadySeconds <= 0 || pod.readySince === undefined) return undefined;
  const at = pod.readySince + minReadySeconds * 1000 + 1;
  return at > now ? at : undefined;
}

/** `util.IsPodUpdated`: the current hash, or (older pods) the current template generation. */
export function isUpdated(pod: DaemonPodView, hash: string, templateGeneration: number | undefined): boolean {
  const generationMatches = templateGeneration !== undefined && pod.templateGeneration === String(templateGeneration);
  return (hash !== '' && pod.revisionHash === hash) || generationMatches;
}

/** `podByCreationTimestampAndPhase`: bound pods first, then oldest, then by name. */
export function oldestFirst(a: DaemonPodView, b: DaemonPodView): number {
  if ((a.nodeName === '') !== (b.nodeName === '')) return a.nodeName === '' ? 1 : -1;
  return a.createdAt - b.createdAt || a.name.localeCompare(b.name);
}

export function podsByNode(pods: readonly DaemonPodView[]): Map<string, DaemonPodView[]> {
  const out = new Map<string, DaemonPodView[]>();
  for (const p of pods) {
    const list = out.get(p.nodeName);
    if (list) list.push(p);
    else out.set(p.nodeName, [p]);
  }
  return out;
}

/**
 * `findUpdatedPodsOnNode`: the node's one updated and one old pod (not being deleted);
 * undefined when it has more than one of either (the manage step cleans that up first).
 */
export function updatedAndOld(pods: readonly DaemonPodView[], hash: string, generation: number | undefined): { updated?: DaemonPodView; old?: DaemonPodView } | undefined {
  const out: { updated?: DaemonPodView; old?: DaemonPodView } = {};
  for (const p of pods) {
    if (p.deleting) continue;
    const slot = isUpdated(p, hash, generation) ? 'updated' : 'old';
    if (out[slot]) return undefined;
    out[slot] = p;
  }
  return out;
}

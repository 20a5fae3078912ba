/**
 * What the Rollouts page reads from a DaemonSet: the controller's fleet view (annotation
 * `flotilla.io/rollout-status`), its conditions, its revisions; and the writes behind its
 * buttons — the same annotations and patches `flotctl rollout` uses (rollout-policy.ts).
 */
import type { ControllerRevision, DaemonSet, FleetView, StageProgress } from './types.js';

export const ROLLOUT_STATUS_ANNOTATION = 'flotilla.io/rollout-status';
export const ROLLOUT_PAUSED = 'flotilla.io/rollout-paused';
export const PROMOTED_STAGE = 'flotilla.io/promoted-stage';

export function fleetView(ds: DaemonSet): FleetView | undefined {
  const raw = ds.metadata.annotations?.[ROLLOUT_STATUS_ANNOTATION];
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as FleetView;
    return Array.isArray(v.stages) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Without a fleet view yet (the controller has not written one): one stage from status counts. */
export function stagesOf(ds: DaemonSet, view: FleetView | undefined): StageProgress[] {
  if (view) return view.stages;
  const s = ds.status ?? {};
  const desired = s.desiredNumberScheduled ?? 0;
  const updated = Math.min(desired, s.updatedNumberScheduled ?? 0);
  const available = Math.min(updated, s.numberAvailable ?? 0);
  return [{ name: 'all', nodes: desired, updated: available, updating: updated - available, waitingOffline: 0, failed: 0, pending: desired - updated, released: true }];
}

export function revisionsOf(ds: DaemonSet, all: Iterable<ControllerRevision>): ControllerRevision[] {
  const uid = ds.metadata.uid;
  return [...all]
    .filter((r) => r.metadata.namespace === ds.metadata.namespace && (r.metadata.ownerReferences ?? []).some((o) => o.uid === uid && o.kind === 'DaemonSet'))
    .sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0));
}

export function revisionImages(r: ControllerRevision): string {
  const data = r.data as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined;
  return (data?.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '').join(', ');
}

export function dsPath(ds: DaemonSet): string {
  return `/apis/apps/v1/namespaces/${encodeURIComponent(ds.metadata.namespace ?? 'default')}/daemonsets/${encodeURIComponent(ds.metadata.name)}`;
}

export const pausePatch = (paused: boolean): unknown => ({ metadata: { annotations: { [ROLLOUT_PAUSED]: paused ? 'true' : null } } });

/** Releases the stage waiting for promotion: `<revision hash>:<stage index>`. */
export function promotePatch(view: FleetView): object | undefined {
  const i = view.stages.findIndex((s) => s.name === view.awaitingPromotion);
  return i < 0 ? undefined : { metadata: { annotations: { [PROMOTED_STAGE]: `${view.revision}:${i}` } } };
}

/**
 * The revision `undo` returns to (the newest below the current one) and its strategic merge
 * patch: the revision's stored data, as `kubectl rollout undo` applies it.
 */
export function undoTarget(revisions: ControllerRevision[]): ControllerRevision | undefined {
  return revisions[1];
}

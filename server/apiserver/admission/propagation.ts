/**
 * DeleteOptions.propagationPolicy, as Kubernetes' generic registry applies it
 * (`deletionFinalizersForGarbageCollection`): Orphan puts the `orphan` finalizer on the object,
 * Foreground the `foregroundDeletion` one, so the object stays (with a deletionTimestamp) until
 * the garbage collector has orphaned or deleted its dependents and removed the finalizer.
 * Background (the default) removes the object at once; the collector then deletes dependents
 * whose owners are all gone. The deprecated `orphanDependents: true` means Orphan.
 */
import { ApiError } from '../../../shared/api/errors.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { isRecord } from '../../../shared/util/guards.js';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

const POLICIES: readonly string[] = ['Background', 'Foreground', 'Orphan'];

/**
 * The kinds the garbage collector tends (owners and dependents). Orphan and Foreground hold only
 * these: on any other kind nothing would ever remove the finalizer, so they delete as Background.
 */
export const COLLECTED_KINDS = ['Pod', 'DaemonSet', 'ControllerRevision', 'ConfigMap', 'Secret'] as const;

/** From the body (DeleteOptions) or the `propagationPolicy` query parameter; the body wins. */
export function propagationOption(params: URLSearchParams, body: unknown): { propagationPolicy?: PropagationPolicy } {
  const fromBody = isRecord(body) ? body['propagationPolicy'] : undefined;
  const orphan = isRecord(body) ? body['orphanDependents'] : params.get('orphanDependents') === 'true' ? true : undefined;
  const raw = fromBody ?? params.get('propagationPolicy') ?? undefined;
  if (raw === undefined || raw === null) return orphan === true ? { propagationPolicy: 'Orphan' } : {};
  if (typeof raw !== 'string' || !POLICIES.includes(raw)) {
    throw ApiError.badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(raw)}: supported values: "Background", "Foreground", "Orphan"`, 'propagationPolicy');
  }
  if (orphan !== undefined && orphan !== null) {
    throw ApiError.badRequest('orphanDependents and propagationPolicy cannot both be set', 'propagationPolicy');
  }
  return { propagationPolicy: raw as PropagationPolicy };
}

/**
 * Adds (or switches) the garbage-collection finalizer the policy asks for on `current` (a
 * private copy). Returns whether it changed anything. Background on an object already held by
 * one of the two finalizers leaves it, as Kubernetes does.
 */
export function applyPropagation(current: KubeObject, policy: PropagationPolicy | undefined): boolean {
  if (policy === undefined || policy === 'Background') return false;
  if (!(COLLECTED_KINDS as readonly string[]).includes(current.kind)) return false;
  const want = policy === 'Orphan' ? FINALIZER_ORPHAN : FINALIZER_FOREGROUND;
  const other = policy === 'Orphan' ? FINALIZER_FOREGROUND : FINALIZER_ORPHAN;
  const list = current.metadata.finalizers ?? [];
  if (list.includes(want) && !list.includes(other)) return false;
  current.metadata.finalizers = [...list.filter((f) => f !== other && f !== want), want];
  return true;
}

/**
 * Deterministic names and labels of everything the reconciler creates:
 *
 *   flotilla_<container>_<pod>_<namespace>_<pod uid>_<attempt>
 *
 * (the pod's sandbox is the container `POD`, which no Kubernetes container name can be, being
 * upper case). The labels (LABELS) are what observed state is listed by; names only make
 * `docker ps` readable and collisions impossible.
 */
import { LABELS, type ContainerRole } from '../engine/types.js';
import type { PodRef } from './pod-model.js';

export const SANDBOX_CONTAINER = 'POD';
/**
 * A sandbox holds no process worth a grace period (it is stopped after the pod's containers):
 * the pause image exits on SIGTERM at once, an infra command such as `sleep` as PID 1 ignores it.
 */
export const SANDBOX_STOP_GRACE_SECONDS = 1;
export const NAME_PREFIX = 'flotilla';

export function containerName(ref: PodRef, container: string, attempt: number): string {
  return `${NAME_PREFIX}_${container}_${ref.name}_${ref.namespace}_${ref.uid}_${attempt}`;
}

export function containerLabels(ref: PodRef, container: string, role: ContainerRole, specHash: string, attempt: number): Record<string, string> {
  return {
    [LABELS.managed]: 'true',
    [LABELS.podUid]: ref.uid,
    [LABELS.podNamespace]: ref.namespace,
    [LABELS.podName]: ref.name,
    [LABELS.container]: container,
    [LABELS.role]: role,
    [LABELS.specHash]: specHash,
    [LABELS.attempt]: String(attempt),
  };
}

/** The pod's host name: spec.hostname or the pod name, cut to 63 characters as the kubelet does. */
export function podHostname(name: string): string {
  return name.slice(0, 63).replace(/[-.]+$/, '');
}

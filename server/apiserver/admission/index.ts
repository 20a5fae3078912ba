/**
 * The API-side rules the lifecycle needs, as the hooks the resource service calls: admission on
 * create, graceful deletion, and the deletion rules of updates. Everything here is pure.
 */
import type { KubeObject } from '../../../shared/api/meta.js';
import { applyDefaultTolerationSeconds } from './default-toleration-seconds.js';

export { applyDefaultTolerationSeconds, DEFAULT_TOLERATION_SECONDS } from './default-toleration-seconds.js';
export { carryDeletionGracePeriod, gracePeriodOption, planDelete, shouldDeleteDuringUpdate, type GracefulDeleteOptions } from './graceful-deletion.js';

/** Mutating admission on CREATE: server-owned deletion fields cleared; Pods get default tolerations. */
export function admitOnCreate(obj: KubeObject): KubeObject {
  delete obj.metadata.deletionGracePeriodSeconds;
  return obj.kind === 'Pod' ? applyDefaultTolerationSeconds(obj) : obj;
}

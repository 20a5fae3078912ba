/**
 * DaemonSet rules the API server keeps, as Kubernetes' DaemonSet strategy does: the
 * `deprecated.daemonset.template.generation` annotation is 1 on create and goes up by one
 * whenever `spec.template` changes (pods carry it as `pod-template-generation`); and Flotilla's
 * rollout annotations are checked when written, so a bad value is refused at apply time.
 */
import { isDeepStrictEqual } from 'node:util';
import { ApiError } from '../../../shared/api/errors.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { isRecord } from '../../../shared/util/guards.js';
import { parseRolloutPolicy } from '../../controllers/daemonset/rollout-policy.js';

export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

const templateOf = (o: KubeObject): unknown => (isRecord(o['spec']) ? o['spec']['template'] : undefined);

function checkRolloutPolicy(obj: KubeObject): void {
  const { errors } = parseRolloutPolicy(obj.metadata.annotations ?? {});
  if (errors.length > 0) throw ApiError.invalid('DaemonSet', obj.metadata.name ?? '', errors);
}

export function admitDaemonSetCreate(obj: KubeObject): void {
  checkRolloutPolicy(obj);
  obj.metadata.annotations = { ...obj.metadata.annotations, [TEMPLATE_GENERATION_ANNOTATION]: '1' };
}

/** On update (not /status): carries the template generation, bumped when the template changed. */
export function admitDaemonSetUpdate(current: KubeObject, next: KubeObject): void {
  checkRolloutPolicy(next);
  const was = Number(current.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION] ?? '0');
  const base = Number.isSafeInteger(was) && was > 0 ? was : 0;
  const generation = isDeepStrictEqual(templateOf(current), templateOf(next)) ? Math.max(base, 1) : base + 1;
  next.metadata.annotations = { ...next.metadata.annotations, [TEMPLATE_GENERATION_ANNOTATION]: String(generation) };
}

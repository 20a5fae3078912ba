/**
 * Validation of served objects, as the API server checks them on create and update.
 * All problems are collected and returned; nothing is thrown.
 */
import type { FieldError } from '../errors.js';
import type { KindInfo } from '../kinds.js';
import { apiVersionOf } from '../kinds.js';
import { isRecord } from '../../util/guards.js';
import { notSupported, typeInvalid } from './field-errors.js';
import { FieldReader } from './reader.js';
import { validateObjectMeta } from './meta.js';
import { nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';
import { validatePod } from './pod.js';
import { validateDaemonSet } from './daemonset.js';
import { validateNode } from './node.js';
import { validateNamespace } from './namespace.js';
import { validateConfigMap } from './configmap.js';
import { validateSecret } from './secret.js';
import { validateEvent } from './event.js';
import { validateControllerRevision } from './controllerrevision.js';
import { validatePodDisruptionBudget } from './poddisruptionbudget.js';
import { shapeErrors } from '../schema/shape.js';

export { validateUpdate } from './update.js';
export * from './names.js';

const KIND_VALIDATORS: Record<string, (obj: FieldReader) => void> = {
  Pod: validatePod,
  DaemonSet: validateDaemonSet,
  Node: validateNode,
  Namespace: validateNamespace,
  ConfigMap: validateConfigMap,
  Secret: validateSecret,
  Event: validateEvent,
  ControllerRevision: validateControllerRevision,
  PodDisruptionBudget: validatePodDisruptionBudget,
};

/** Every problem with `obj` as an object of kind `info`; an empty list means it is valid. */
export function validateObject(obj: unknown, info: KindInfo): FieldError[] {
  if (!isRecord(obj)) return [typeInvalid('', 'object', obj)];
  const errs: FieldError[] = [];
  const r = new FieldReader(obj, '', errs);

  const apiVersion = r.requiredString('apiVersion');
  const expected = apiVersionOf(info);
  if (apiVersion !== undefined && apiVersion !== expected) errs.push(notSupported('apiVersion', apiVersion, [expected]));
  const kind = r.requiredString('kind');
  if (kind !== undefined && kind !== info.kind) errs.push(notSupported('kind', kind, [info.kind]));

  // Namespaces are DNS labels; every other served kind is named by a DNS subdomain.
  const nameCheck = info.kind === 'Namespace' ? nameIsDNSLabel : nameIsDNSSubdomain;
  validateObjectMeta(obj['metadata'], 'metadata', { namespaced: info.namespaced, nameCheck }, errs);

  KIND_VALIDATORS[info.kind]?.(r);
  // The JSON types of the fields no rule above reads, so that a valid object matches its type.
  const reported = new Set(errs.map((e) => e.field));
  for (const e of shapeErrors(obj, info.kind)) if (!reported.has(e.field)) errs.push(e);
  return errs;
}

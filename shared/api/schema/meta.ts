/** meta/v1 types and the small references core/v1 types share (Kubernetes v1.32). */
import { bool, fields, freeForm, int, list, str, strMap, strs, time } from './dsl.js';

const OwnerReference = fields({ apiVersion: str, kind: str, name: str, uid: str, controller: bool, blockOwnerDeletion: bool });

const ManagedFieldsEntry = fields({
  manager: str,
  operation: str,
  apiVersion: str,
  time,
  fieldsType: str,
  fieldsV1: freeForm,
  subresource: str,
});

export const ObjectMeta = fields({
  name: str,
  generateName: str,
  namespace: str,
  selfLink: str,
  uid: str,
  resourceVersion: str,
  generation: int,
  creationTimestamp: time,
  deletionTimestamp: time,
  deletionGracePeriodSeconds: int,
  labels: strMap,
  annotations: strMap,
  ownerReferences: list(OwnerReference),
  finalizers: strs,
  managedFields: list(ManagedFieldsEntry),
});

export const LabelSelector = fields({
  matchLabels: strMap,
  matchExpressions: list(fields({ key: str, operator: str, values: strs })),
});

export const LocalObjectReference = fields({ name: str });

export const ObjectReference = fields({
  kind: str,
  namespace: str,
  name: str,
  uid: str,
  apiVersion: str,
  resourceVersion: str,
  fieldPath: str,
});

/** The shape of NamespaceCondition, DaemonSetCondition and friends. */
export const Condition = fields({ type: str, status: str, lastTransitionTime: time, reason: str, message: str });

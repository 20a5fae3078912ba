/** k8s.io/apimachinery meta/v1 messages (field numbers from its generated.proto). */
import { b, fieldsV1, i32, i64, m, message, ms, opt, s, smap, ss, time, type Message } from './dsl.js';

export const OwnerReference: Message = message('OwnerReference', {
  apiVersion: s(5),
  kind: s(1),
  name: s(3),
  uid: s(4),
  controller: opt(b(6)),
  blockOwnerDeletion: opt(b(7)),
});

export const ManagedFieldsEntry: Message = message('ManagedFieldsEntry', {
  manager: s(1),
  operation: s(2),
  apiVersion: s(3),
  time: time(4),
  fieldsType: s(6),
  fieldsV1: fieldsV1(7),
  subresource: s(8),
});

export const ObjectMeta: Message = message('ObjectMeta', {
  name: s(1),
  generateName: s(2),
  namespace: s(3),
  selfLink: s(4),
  uid: s(5),
  resourceVersion: s(6),
  generation: i64(7),
  creationTimestamp: time(8),
  deletionTimestamp: time(9),
  deletionGracePeriodSeconds: opt(i64(10)),
  labels: smap(11),
  annotations: smap(12),
  ownerReferences: ms(13, () => OwnerReference),
  finalizers: ss(14),
  managedFields: ms(17, () => ManagedFieldsEntry),
});

export const ListMeta: Message = message('ListMeta', {
  selfLink: s(1),
  resourceVersion: s(2),
  continue: s(3),
  remainingItemCount: opt(i64(4)),
});

export const LabelSelectorRequirement: Message = message('LabelSelectorRequirement', { key: s(1), operator: s(2), values: ss(3) });

export const LabelSelector: Message = message('LabelSelector', {
  matchLabels: smap(1),
  matchExpressions: ms(2, () => LabelSelectorRequirement),
});

/** meta/v1 Condition (used by policy/v1 PodDisruptionBudgetStatus). */
export const Condition: Message = message('Condition', {
  type: s(1),
  status: s(2),
  observedGeneration: i64(3),
  lastTransitionTime: time(4),
  reason: s(5),
  message: s(6),
});

const StatusCause: Message = message('StatusCause', { reason: s(1), message: s(2), field: s(3) });

const StatusDetails: Message = message('StatusDetails', {
  name: s(1),
  group: s(2),
  kind: s(3),
  uid: s(6),
  causes: ms(4, () => StatusCause),
  retryAfterSeconds: i32(5),
});

export const Status: Message = message('Status', {
  metadata: m(1, () => ListMeta),
  status: s(2),
  message: s(3),
  reason: s(4),
  details: m(5, () => StatusDetails),
  code: i32(6),
});

const Preconditions: Message = message('Preconditions', { uid: opt(s(1)), resourceVersion: opt(s(2)) });

export const DeleteOptions: Message = message('DeleteOptions', {
  gracePeriodSeconds: opt(i64(1)),
  preconditions: m(2, () => Preconditions),
  orphanDependents: opt(b(3)),
  propagationPolicy: opt(s(4)),
  dryRun: ss(5),
});

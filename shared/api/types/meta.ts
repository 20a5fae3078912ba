/** meta/v1 types every kind shares (k8s.io/apimachinery meta/v1, Kubernetes v1.32). */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  selfLink?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  /** RFC 3339. */
  creationTimestamp?: string;
  /** Set when deletion was requested: the object goes once its finalizers are done. */
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
}

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  values?: string[];
}

/** metav1.LabelSelector as objects hold it (DaemonSet `spec.selector`, affinity terms). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface LocalObjectReference {
  name?: string;
}

/** The shape of NamespaceCondition, DaemonSetCondition and friends. */
export interface Condition {
  type?: string;
  status?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** A quantity as JSON holds it: `"500m"`, `"128Mi"` or a plain number. */
export type Quantity = string | number;
/** `map[ResourceName]Quantity`: limits, requests, capacity, allocatable. */
export type ResourceList = Record<string, Quantity>;
/** A port or percentage given as a number or a string (`8080`, `"http"`, `"25%"`). */
export type IntOrString = number | string;

/** What every served kind has; `K` is its `kind`. */
export type TypedObject<K extends string> = {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
};

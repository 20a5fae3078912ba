/** Kubernetes-shaped object metadata and the generic object every kind shares. */

import type { ObjectMeta } from './types/meta.js';

export type { ManagedFieldsEntry, ObjectMeta, OwnerReference } from './types/meta.js';

/** Any served object. Kind-specific fields stay `unknown` until a typed view narrows them. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface KubeList {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: KubeObject[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

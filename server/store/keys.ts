/** How objects are addressed and which scalar columns the store indexes. */
import type { KubeObject } from '../../shared/api/meta.js';
import { fromStore } from '../../shared/api/types/index.js';

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones. Sorts like etcd keys. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Columns stored beside the serialized object so queries can use nedb indexes. */
export interface IndexedColumns {
  ns: string;
  name: string;
  /** Pods: spec.nodeName ('' when unbound). */
  nodeName: string;
  /** The uid of the controlling owner ('' when none): pods and revisions of a DaemonSet. */
  ownerUid: string;
  /** Events: the uid of the object the event is about. */
  involvedUid: string;
}

export const INDEXED_FIELDS: readonly (keyof IndexedColumns)[] = ['ns', 'nodeName', 'ownerUid', 'involvedUid'];

export function indexedColumns(obj: KubeObject): IndexedColumns {
  const controller = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  return {
    ns: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
    nodeName: obj.kind === 'Pod' ? (fromStore('Pod', obj).spec.nodeName ?? '') : '',
    ownerUid: controller?.uid ?? '',
    involvedUid: obj.kind === 'Event' ? (fromStore('Event', obj).involvedObject.uid ?? '') : '',
  };
}

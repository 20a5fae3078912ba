/** How objects are addressed and which scalar columns the store indexes. */
import type { KubeObject } from '../../shared/api/meta.js';

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

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function indexedColumns(obj: KubeObject): IndexedColumns {
  const spec = obj['spec'];
  const involved = obj['involvedObject'];
  const controller = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  return {
    ns: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
    nodeName: typeof spec === 'object' && spec !== null && 'nodeName' in spec ? str(spec.nodeName) : '',
    ownerUid: controller?.uid ?? '',
    involvedUid: typeof involved === 'object' && involved !== null && 'uid' in involved ? str(involved.uid) : '',
  };
}

/** Watch mappings more than one controller uses. */
import { FLEET_NAMESPACE, identitySecretName } from '../../../shared/api/fleet-secrets.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { objectKey } from '../../store/keys.js';
import type { StoreEvent } from '../../store/watch-hub.js';
import { isKind, type CacheReader } from './cache.js';

/** An object's key: `name`, or `namespace/name` for namespaced kinds. */
export function keyOf(o: KubeObject): string {
  return objectKey(o.metadata.namespace, o.metadata.name ?? '');
}

/** The changed object's own key. */
export function ownKey(e: StoreEvent): string[] {
  return [keyOf(e.object)];
}

/** A Pod change → the node it is bound to (and the one it was bound to before). */
export function podNodes(e: StoreEvent): string[] {
  const names = new Set<string>();
  for (const o of [e.object, e.prev]) if (o && isKind(o, 'Pod') && o.spec.nodeName) names.add(o.spec.nodeName);
  return [...names];
}

/** A ConfigMap or Secret change → the nodes whose pods reference it. */
export function nodesReferencing(e: StoreEvent, cache: CacheReader): string[] {
  const kind = e.object.kind;
  if (kind !== 'ConfigMap' && kind !== 'Secret') return [];
  const pods = cache.podsReferencing(kind, e.object.metadata.namespace ?? '', e.object.metadata.name ?? '');
  return [...new Set(pods.flatMap((p) => (p.spec.nodeName ? [p.spec.nodeName] : [])))];
}

/** A node identity Secret change → that node (its box key seals the node's Secrets). */
export function identityNode(e: StoreEvent): string[] {
  const node = e.object.metadata.labels?.['flotilla.io/node'];
  return e.object.kind === 'Secret' && e.object.metadata.namespace === FLEET_NAMESPACE && node !== undefined && e.object.metadata.name === identitySecretName(node) ? [node] : [];
}

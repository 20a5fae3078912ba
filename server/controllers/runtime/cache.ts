/**
 * The controllers' in-memory view of the store, kept current from its watch, with the indexes
 * reconciles look things up by (pods by node, pods by referenced ConfigMap/Secret, pods by
 * label, objects by owner uid), so no reconcile scans every pod.
 *
 * The store calls its watchers before a write returns, so the cache is never behind a write
 * that has completed: reading it is reading fresh state. Objects handed out are shared: read
 * them, never mutate them (write through the API client instead).
 */
import type { KubeObject } from '../../../shared/api/meta.js';
import type { ConfigMap, ControllerRevision, DaemonSet, Event, Namespace, Node, Pod, PodDisruptionBudget, Secret } from '../../../shared/api/types/index.js';
import { objectKey } from '../../store/keys.js';
import type { StoreEvent } from '../../store/watch-hub.js';
import { podReferences } from './pod-references.js';

/** Objects grouped by a value computed from each (a node name, an owner uid, …). */
class Index {
  private readonly entries = new Map<string, Map<string, KubeObject>>();

  constructor(private readonly valuesOf: (o: KubeObject) => Iterable<string>) {}

  /** Moves `id` from the values of `prev` to those of `next` (either may be absent). */
  update(id: string, prev: KubeObject | undefined, next: KubeObject | undefined): void {
    if (prev) {
      for (const v of this.valuesOf(prev)) {
        const bucket = this.entries.get(v);
        bucket?.delete(id);
        if (bucket?.size === 0) this.entries.delete(v);
      }
    }
    if (next) {
      for (const v of this.valuesOf(next)) {
        let bucket = this.entries.get(v);
        if (!bucket) this.entries.set(v, (bucket = new Map<string, KubeObject>()));
        bucket.set(id, next);
      }
    }
  }

  /** Sorted by id, so what controllers do with the result does not depend on write order. */
  lookup(value: string): KubeObject[] {
    const bucket = this.entries.get(value);
    if (!bucket) return [];
    return [...bucket.keys()].sort().flatMap((id) => bucket.get(id) ?? []);
  }
}

/** The typed object of each kind the cache can hold. */
export interface KindMap {
  Pod: Pod;
  Node: Node;
  ConfigMap: ConfigMap;
  Secret: Secret;
  DaemonSet: DaemonSet;
  ControllerRevision: ControllerRevision;
  Namespace: Namespace;
  Event: Event;
  PodDisruptionBudget: PodDisruptionBudget;
}

export type CachedKind = keyof KindMap;

/**
 * Narrows a stored object by its kind. The store holds only objects the API server decoded and
 * validated, so the kind is all that is left to tell apart.
 */
export function isKind<K extends CachedKind>(o: KubeObject, kind: K): o is KindMap[K] {
  return o.kind === kind;
}

const onlyPods = (f: (pod: Pod) => Iterable<string>) => (o: KubeObject): Iterable<string> => (isKind(o, 'Pod') ? f(o) : []);
const inNamespace = (pod: Pod, names: Set<string>): string[] => [...names].map((n) => objectKey(pod.metadata.namespace, n));
/** A pod's label index values: `namespace/key` and `namespace/key=value` per label (namespaces hold no `/`, keys no `=`). */
const labelValues = (pod: Pod): string[] =>
  Object.entries(pod.metadata.labels ?? {}).flatMap(([k, v]) => [`${pod.metadata.namespace ?? ''}/${k}`, `${pod.metadata.namespace ?? ''}/${k}=${v}`]);
const ofKind = <K extends CachedKind>(kind: K) => (o: KubeObject): KindMap[K][] => (isKind(o, kind) ? [o] : []);

/** What controllers read: objects of the cached kinds by key, and the indexes. */
export interface CacheReader {
  get<K extends CachedKind>(kind: K, namespace: string | undefined, name: string): KindMap[K] | undefined;
  /** Every cached object of `kind` (in `namespace` when given), sorted by key. */
  list<K extends CachedKind>(kind: K, namespace?: string): KindMap[K][];
  /** Pods whose `spec.nodeName` is `node`. */
  podsOnNode(node: string): Pod[];
  /** Pods that read the ConfigMap or Secret `namespace/name` (volumes, env, envFrom, imagePullSecrets). */
  podsReferencing(kind: 'ConfigMap' | 'Secret', namespace: string, name: string): Pod[];
  /** Objects of `kind` with an ownerReference to `uid` (not only the controlling one). */
  ownedBy<K extends CachedKind>(uid: string, kind: K): KindMap[K][];
  /** Pods in `namespace` carrying the label `key`, with one of `values` when given. */
  podsLabelled(namespace: string, key: string, values?: readonly string[]): Pod[];
}

export class ObjectCache implements CacheReader {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  /** Each kind's keys in order, kept until a key comes or goes (updates keep them). */
  private readonly sortedKeys = new Map<string, string[]>();
  private readonly byNode = new Index(onlyPods((p) => (p.spec.nodeName ? [p.spec.nodeName] : [])));
  private readonly byConfigMap = new Index(onlyPods((p) => inNamespace(p, podReferences(p).configMaps)));
  private readonly bySecret = new Index(onlyPods((p) => inNamespace(p, podReferences(p).secrets)));
  private readonly byOwner = new Index((o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid));
  private readonly byLabel = new Index(onlyPods(labelValues));
  private readonly indexes = [this.byNode, this.byConfigMap, this.bySecret, this.byOwner, this.byLabel];

  /** `kinds`: what the cache holds; events and lists of other kinds are ignored. */
  constructor(readonly kinds: ReadonlySet<CachedKind>) {
    for (const k of kinds) this.objects.set(k, new Map());
  }

  /** Replaces everything held of `kind` by a fresh list. */
  replace(kind: string, items: KubeObject[]): void {
    const table = this.objects.get(kind);
    if (!table) return;
    for (const [key, old] of table) this.index(kind, key, old, undefined);
    table.clear();
    this.sortedKeys.delete(kind);
    // The list's objects are fresh (parsed for this list): kept as they are, not copied again.
    for (const item of items) this.put(item, false);
  }

  apply(e: StoreEvent): void {
    if (e.type === 'DELETED') this.remove(e.object);
    else this.put(e.object);
  }

  get<K extends CachedKind>(kind: K, namespace: string | undefined, name: string): KindMap[K] | undefined {
    const o = this.objects.get(kind)?.get(objectKey(namespace, name));
    return o && isKind(o, kind) ? o : undefined;
  }

  list<K extends CachedKind>(kind: K, namespace?: string): KindMap[K][] {
    const table = this.objects.get(kind);
    if (!table) return [];
    let keys = this.sortedKeys.get(kind);
    if (!keys) this.sortedKeys.set(kind, (keys = [...table.keys()].sort()));
    const all = keys.flatMap((k) => table.get(k) ?? []);
    return all.filter((o) => namespace === undefined || o.metadata.namespace === namespace).flatMap(ofKind(kind));
  }

  podsOnNode(node: string): Pod[] {
    return this.byNode.lookup(node).flatMap(ofKind('Pod'));
  }

  podsReferencing(kind: 'ConfigMap' | 'Secret', namespace: string, name: string): Pod[] {
    return (kind === 'ConfigMap' ? this.byConfigMap : this.bySecret).lookup(objectKey(namespace, name)).flatMap(ofKind('Pod'));
  }

  ownedBy<K extends CachedKind>(uid: string, kind: K): KindMap[K][] {
    return this.byOwner.lookup(uid).flatMap(ofKind(kind));
  }

  podsLabelled(namespace: string, key: string, values?: readonly string[]): Pod[] {
    const lookups = values === undefined ? [`${namespace}/${key}`] : [...new Set(values)].map((v) => `${namespace}/${key}=${v}`);
    return lookups.flatMap((l) => this.byLabel.lookup(l)).flatMap(ofKind('Pod'));
  }

  private put(obj: KubeObject, shared = true): void {
    const table = this.objects.get(obj.kind);
    if (!table) return;
    // A private copy of an event's object: the writer got the same object back from the store and may change it.
    const copy = shared ? structuredClone(obj) : obj;
    const key = objectKey(copy.metadata.namespace, copy.metadata.name ?? '');
    if (!table.has(key)) this.sortedKeys.delete(obj.kind);
    this.index(obj.kind, key, table.get(key), copy);
    table.set(key, copy);
  }

  private remove(obj: KubeObject): void {
    const table = this.objects.get(obj.kind);
    const key = objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
    const old = table?.get(key);
    if (!table || !old) return;
    this.index(obj.kind, key, old, undefined);
    table.delete(key);
    this.sortedKeys.delete(obj.kind);
  }

  private index(kind: string, key: string, prev: KubeObject | undefined, next: KubeObject | undefined): void {
    const id = `${kind}:${key}`;
    for (const i of this.indexes) i.update(id, prev, next);
  }
}

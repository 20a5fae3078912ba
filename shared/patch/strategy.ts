/**
 * How lists and maps of each served kind merge, transcribed from k8s.io/api: the
 * `patchStrategy`/`patchMergeKey` struct tags (strategic merge patch) and the
 * `+listType`/`+listMapKey`/`+structType`/`+mapType` markers (server-side apply).
 *
 * Paths are field names joined by "." with "[]" for "an item of this list", e.g.
 * `spec.template.spec.containers[].env`. Anything not listed is atomic: a list is
 * replaced whole (tolerations, envFrom, args, command, node spec.taints, …).
 */

export interface ListMapKey {
  readonly name: string;
  /** The schema default, used in an item's identity when the item omits the field. */
  readonly default?: string | number;
}

export interface KeyedListStrategy {
  /** patchMergeKey: strategic merge patch matches items on this one field. */
  readonly mergeKey: string;
  /** +listMapKey: server-side apply identifies items by these fields; [mergeKey] when absent. */
  readonly listMapKeys?: readonly ListMapKey[];
}

/** A keyed list, a set of primitives (patchStrategy merge without a key), or replaced whole. */
export type ListStrategy = KeyedListStrategy | 'merge-primitive' | 'atomic';

type ListTable = Record<string, ListStrategy>;

const byName: KeyedListStrategy = { mergeKey: 'name' };

const OBJECT_META_LISTS: ListTable = {
  ownerReferences: { mergeKey: 'uid' },
  finalizers: 'merge-primitive',
};

const CONTAINER_LISTS: ListTable = {
  env: byName,
  // Strategic merge keys ports on containerPort alone (Kubernetes issue 108255); apply adds protocol.
  ports: { mergeKey: 'containerPort', listMapKeys: [{ name: 'containerPort' }, { name: 'protocol', default: 'TCP' }] },
  volumeMounts: { mergeKey: 'mountPath' },
  volumeDevices: { mergeKey: 'devicePath' },
};

const POD_SPEC_LISTS: ListTable = {
  volumes: byName,
  imagePullSecrets: byName,
  hostAliases: { mergeKey: 'ip' },
  schedulingGates: byName,
  topologySpreadConstraints: {
    mergeKey: 'topologyKey',
    listMapKeys: [{ name: 'topologyKey' }, { name: 'whenUnsatisfiable' }],
  },
};

const CONTAINER_FIELDS = ['containers', 'initContainers', 'ephemeralContainers'];

/** Objects that apply treats as one value (`+structType=atomic`, `+mapType=atomic`). */
const OBJECT_META_ATOMIC = ['ownerReferences[]'];
const POD_SPEC_ATOMIC = [
  'nodeSelector',
  'imagePullSecrets[]',
  'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution',
  'topologySpreadConstraints[].labelSelector',
  ...CONTAINER_FIELDS.flatMap((c) =>
    ['configMapKeyRef', 'secretKeyRef', 'fieldRef', 'resourceFieldRef'].map((ref) => `${c}[].env[].valueFrom.${ref}`),
  ),
];

interface KindRules {
  lists: Map<string, ListStrategy>;
  atomicMaps: Set<string>;
}

/** Rules of one kind from (path prefix, table) pairs; the metadata rules hold for every kind. */
function kindRules(lists: [string, ListTable][], atomicMaps: [string, string[]][] = []): KindRules {
  const r: KindRules = { lists: new Map(), atomicMaps: new Set() };
  for (const [prefix, table] of [['metadata.', OBJECT_META_LISTS] as [string, ListTable], ...lists]) {
    for (const [field, s] of Object.entries(table)) r.lists.set(prefix + field, s);
  }
  for (const [prefix, paths] of [['metadata.', OBJECT_META_ATOMIC] as [string, string[]], ...atomicMaps]) {
    for (const p of paths) r.atomicMaps.add(prefix + p);
  }
  return r;
}

function podSpecLists(prefix: string): [string, ListTable][] {
  return [
    [prefix, POD_SPEC_LISTS],
    ...CONTAINER_FIELDS.flatMap((c): [string, ListTable][] => [
      [prefix, { [c]: byName }],
      [`${prefix}${c}[].`, CONTAINER_LISTS],
    ]),
  ];
}

const byType: KeyedListStrategy = { mergeKey: 'type' };

const KIND_RULES: Record<string, KindRules> = {
  Pod: kindRules(
    [...podSpecLists('spec.'), ['status.', { conditions: byType, podIPs: { mergeKey: 'ip' }, hostIPs: { mergeKey: 'ip' } }]],
    [['spec.', POD_SPEC_ATOMIC]],
  ),
  DaemonSet: kindRules(
    [
      ...podSpecLists('spec.template.spec.'),
      ['spec.template.metadata.', OBJECT_META_LISTS],
      ['status.', { conditions: byType }],
    ],
    [
      ['spec.template.spec.', POD_SPEC_ATOMIC],
      ['spec.template.metadata.', OBJECT_META_ATOMIC],
      ['spec.', ['selector']],
    ],
  ),
  Node: kindRules([
    ['spec.', { podCIDRs: 'merge-primitive' }],
    ['status.', { conditions: byType, addresses: byType }],
  ]),
  Namespace: kindRules([['status.', { conditions: byType }]]),
  Event: kindRules([], [['', ['involvedObject', 'related']]]),
  ControllerRevision: kindRules([], [['', ['data']]]),
};

const METADATA_ONLY = kindRules([]);

function rulesFor(kind: string): KindRules {
  return KIND_RULES[kind] ?? METADATA_ONLY;
}

/** The strategy of the list at `path` in an object of `kind` (atomic unless Kubernetes declares otherwise). */
export function listStrategy(kind: string, path: string): ListStrategy {
  return rulesFor(kind).lists.get(path) ?? 'atomic';
}

/** The fields that identify an item of a keyed list under server-side apply. */
export function listMapKeys(strategy: KeyedListStrategy): readonly ListMapKey[] {
  return strategy.listMapKeys ?? [{ name: strategy.mergeKey }];
}

/** True when server-side apply owns and replaces the object at `path` as a single value. */
export function isAtomicMap(kind: string, path: string): boolean {
  return rulesFor(kind).atomicMaps.has(path);
}

export function childPath(parent: string, field: string): string {
  return parent === '' ? field : `${parent}.${field}`;
}

export function itemPath(listPath: string): string {
  return `${listPath}[]`;
}

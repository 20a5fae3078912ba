/** The kinds the hub serves, and the ones it refuses with advice on what to use instead. */

export interface KindInfo {
  group: string; // '' for the core group
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** Has a `status` subresource; writes to the main resource leave status alone. */
  hasStatus: boolean;
  /** `metadata.generation` tracks changes to `spec`. */
  hasSpec: boolean;
  categories: string[];
}

function k(
  group: string,
  kind: string,
  plural: string,
  opts: { namespaced: boolean; shortNames?: string[]; hasStatus: boolean; hasSpec: boolean; categories?: string[] },
): KindInfo {
  return {
    group,
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced: opts.namespaced,
    shortNames: opts.shortNames ?? [],
    hasStatus: opts.hasStatus,
    hasSpec: opts.hasSpec,
    categories: opts.categories ?? [],
  };
}

export const SERVED_KINDS: readonly KindInfo[] = [
  k('', 'Namespace', 'namespaces', { namespaced: false, shortNames: ['ns'], hasStatus: true, hasSpec: true }),
  k('', 'Node', 'nodes', { namespaced: false, shortNames: ['no'], hasStatus: true, hasSpec: true }),
  k('', 'Pod', 'pods', { namespaced: true, shortNames: ['po'], hasStatus: true, hasSpec: true, categories: ['all'] }),
  k('', 'ConfigMap', 'configmaps', { namespaced: true, shortNames: ['cm'], hasStatus: false, hasSpec: false }),
  k('', 'Secret', 'secrets', { namespaced: true, hasStatus: false, hasSpec: false }),
  k('', 'Event', 'events', { namespaced: true, shortNames: ['ev'], hasStatus: false, hasSpec: false }),
  k('apps', 'DaemonSet', 'daemonsets', { namespaced: true, shortNames: ['ds'], hasStatus: true, hasSpec: true, categories: ['all'] }),
  k('apps', 'ControllerRevision', 'controllerrevisions', { namespaced: true, hasStatus: false, hasSpec: false }),
  k('policy', 'PodDisruptionBudget', 'poddisruptionbudgets', { namespaced: true, shortNames: ['pdb'], hasStatus: true, hasSpec: true }),
];

export function apiVersionOf(info: KindInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** `pods`, `daemonsets.apps`: how Kubernetes names a resource in messages; also the store's table name. */
export function resourceName(info: KindInfo): string {
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}

export function kindByPlural(group: string, version: string, plural: string): KindInfo | undefined {
  return SERVED_KINDS.find((i) => i.group === group && i.version === version && i.plural === plural);
}

export function kindByApiVersion(apiVersion: string, kind: string): KindInfo | undefined {
  return SERVED_KINDS.find((i) => apiVersionOf(i) === apiVersion && i.kind === kind);
}

export function kindByName(kind: string): KindInfo | undefined {
  return SERVED_KINDS.find((i) => i.kind === kind);
}

/** Resolves what a user types (`ds`, `daemonset`, `daemonsets`, `DaemonSet`, `daemonsets.apps`). */
export function kindByUserName(name: string): KindInfo | undefined {
  const [base = '', group] = name.toLowerCase().split(/\.(.*)/s);
  return SERVED_KINDS.find(
    (i) =>
      (group === undefined || i.group === group) &&
      (i.plural === base || i.singular === base || i.shortNames.includes(base)),
  );
}

/** Kinds users commonly send that Flotilla does not serve, with what to do instead. */
const UNSERVED_ADVICE: Record<string, string> = {
  Service: 'pods reach each other through hostNetwork and hostPort on each device',
  Endpoints: 'pods reach each other through hostNetwork and hostPort on each device',
  EndpointSlice: 'pods reach each other through hostNetwork and hostPort on each device',
  Ingress: 'expose a pod with hostPort or hostNetwork on the device',
  PersistentVolumeClaim: 'use a hostPath or emptyDir volume on the device',
  PersistentVolume: 'use a hostPath or emptyDir volume on the device',
  StorageClass: 'use a hostPath or emptyDir volume on the device',
  Deployment: 'run one copy per device with apps/v1 DaemonSet (select devices with nodeSelector), or a Pod with spec.nodeName',
  ReplicaSet: 'run one copy per device with apps/v1 DaemonSet, or a Pod with spec.nodeName',
  StatefulSet: 'run one copy per device with apps/v1 DaemonSet and a hostPath volume',
  ReplicationController: 'use apps/v1 DaemonSet',
  Job: 'use a Pod with restartPolicy OnFailure or Never',
  CronJob: 'use a Pod with restartPolicy OnFailure or Never',
  ServiceAccount: 'the hub has no in-cluster API access for pods',
  Role: 'the hub authenticates users with the admin token from its kubeconfig',
  ClusterRole: 'the hub authenticates users with the admin token from its kubeconfig',
  RoleBinding: 'the hub authenticates users with the admin token from its kubeconfig',
  ClusterRoleBinding: 'the hub authenticates users with the admin token from its kubeconfig',
  CustomResourceDefinition: 'the hub serves a fixed set of kinds',
  HorizontalPodAutoscaler: 'use apps/v1 DaemonSet: one pod per matching device',
  NetworkPolicy: 'device networking is the host network',
  LimitRange: 'set resources.limits on each container',
  ResourceQuota: 'set resources.limits on each container',
};

/** Old apiVersions Kubernetes retired, for kinds the hub serves at their current apiVersion. */
const RETIRED_API_VERSIONS: Record<string, string> = {
  'extensions/v1beta1': 'apps/v1',
  'apps/v1beta1': 'apps/v1',
  'apps/v1beta2': 'apps/v1',
};

const SERVED_LIST = SERVED_KINDS.map((i) => `${apiVersionOf(i)} ${i.kind}`).join(', ');

/**
 * Explains why (apiVersion, kind) is not served, or returns undefined when it is.
 * The message says what to use instead.
 */
export function unservedKindMessage(apiVersion: string, kind: string): string | undefined {
  if (kindByApiVersion(apiVersion, kind)) return undefined;
  const current = kindByName(kind);
  const retiredTo = RETIRED_API_VERSIONS[apiVersion];
  if (current && retiredTo) {
    return `${apiVersion} ${kind} was retired by Kubernetes: use apiVersion ${apiVersionOf(current)}`;
  }
  if (current) {
    return `${kind} is served as apiVersion ${apiVersionOf(current)}, not ${apiVersion}`;
  }
  const advice = UNSERVED_ADVICE[kind];
  if (advice) return `Flotilla does not serve kind ${kind}: ${advice}`;
  return `Flotilla does not serve ${apiVersion} ${kind}; it serves ${SERVED_LIST}`;
}

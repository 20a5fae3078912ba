/** Discovery documents, complete enough for kubectl and client libraries to find every served kind. */
import { apiVersionOf, SERVED_KINDS, type KindInfo } from '../../shared/api/kinds.js';
import { KUBE_COMPAT } from '../../shared/version.js';
import { LEASE_DISCOVERY, LEASE_GROUP_VERSION } from './leases.js';
import { METRICS_DISCOVERY, METRICS_GROUP_VERSION } from './metrics-api.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUB_VERBS = ['get', 'patch', 'update'];
/**
 * Listed so `kubectl cluster-info` can resolve the name: only the kube-system list it makes
 * is answered (empty, cluster-info.ts); every other Service request gets the hub's clear 404.
 */
const CLUSTER_INFO_SERVICES = { name: 'services', singularName: 'service', namespaced: true, kind: 'Service', verbs: ['list'], shortNames: ['svc'] };


export function versionInfo(flotillaVersion: string): Record<string, string> {
  return {
    major: KUBE_COMPAT.major,
    minor: KUBE_COMPAT.minor,
    gitVersion: `v${KUBE_COMPAT.major}.${KUBE_COMPAT.minor}.0-flotilla.${flotillaVersion}`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

export function coreVersions(): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [],
  };
}

function groups(): Map<string, KindInfo[]> {
  const out = new Map<string, KindInfo[]>();
  for (const k of SERVED_KINDS) {
    if (!k.group) continue;
    const key = apiVersionOf(k);
    out.set(key, [...(out.get(key) ?? []), k]);
  }
  return out;
}

export function groupList(): Record<string, unknown> {
  const list = [...groups().keys(), LEASE_GROUP_VERSION, METRICS_GROUP_VERSION].map((gv) => {
    const [name = '', version = ''] = gv.split('/');
    const v = { groupVersion: gv, version };
    return { name, versions: [v], preferredVersion: v };
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: list };
}

/** `/apis/GROUP`: the one version served for a group, or undefined. */
export function apiGroup(group: string): Record<string, unknown> | undefined {
  const gl = groupList()['groups'] as { name: string }[];
  const g = gl.find((x) => x.name === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...g } : undefined;
}

/** `/api/v1`, `/apis/apps/v1`: the resources of one group version, or undefined. */
export function resourceList(groupVersion: string): Record<string, unknown> | undefined {
  if (groupVersion === LEASE_GROUP_VERSION) return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: [LEASE_DISCOVERY] };
  if (groupVersion === METRICS_GROUP_VERSION) return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: METRICS_DISCOVERY };
  const kinds = SERVED_KINDS.filter((k) => apiVersionOf(k) === groupVersion);
  if (kinds.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const k of kinds) {
    resources.push({
      name: k.plural,
      singularName: k.singular,
      namespaced: k.namespaced,
      kind: k.kind,
      verbs: VERBS,
      ...(k.shortNames.length ? { shortNames: k.shortNames } : {}),
      ...(k.categories.length ? { categories: k.categories } : {}),
      storageVersionHash: '',
    });
    if (k.hasStatus) {
      resources.push({ name: `${k.plural}/status`, singularName: '', namespaced: k.namespaced, kind: k.kind, verbs: SUB_VERBS });
    }
    if (k.kind === 'Pod' && groupVersion === 'v1') {
      resources.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
      // kubectl drain evicts only when discovery lists this, with its group and version.
      resources.push({ name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
    }
  }
  if (groupVersion === 'v1') resources.push(CLUSTER_INFO_SERVICES);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

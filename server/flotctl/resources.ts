/** What users type for kinds (`ds`, `nodes`, `pods/NAME`) and the API paths they map to. */
import { apiVersionOf, kindByApiVersion, kindByUserName, unservedKindMessage, type KindInfo } from '../../shared/api/kinds.js';
import { CliError } from './errors.js';

/** kubectl names of kinds the hub does not serve, so the refusal can say what to use instead. */
const UNSERVED_NAMES: Record<string, [apiVersion: string, kind: string]> = {};

function unserved(apiVersion: string, kind: string, ...names: string[]): void {
  for (const n of names) UNSERVED_NAMES[n] = [apiVersion, kind];
}
unserved('v1', 'Service', 'service', 'services', 'svc');
unserved('v1', 'Endpoints', 'endpoints', 'ep');
unserved('discovery.k8s.io/v1', 'EndpointSlice', 'endpointslice', 'endpointslices');
unserved('networking.k8s.io/v1', 'Ingress', 'ingress', 'ingresses', 'ing');
unserved('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicy', 'networkpolicies', 'netpol');
unserved('v1', 'PersistentVolumeClaim', 'persistentvolumeclaim', 'persistentvolumeclaims', 'pvc');
unserved('v1', 'PersistentVolume', 'persistentvolume', 'persistentvolumes', 'pv');
unserved('storage.k8s.io/v1', 'StorageClass', 'storageclass', 'storageclasses', 'sc');
unserved('apps/v1', 'Deployment', 'deployment', 'deployments', 'deploy');
unserved('apps/v1', 'ReplicaSet', 'replicaset', 'replicasets', 'rs');
unserved('apps/v1', 'StatefulSet', 'statefulset', 'statefulsets', 'sts');
unserved('v1', 'ReplicationController', 'replicationcontroller', 'replicationcontrollers', 'rc');
unserved('batch/v1', 'Job', 'job', 'jobs');
unserved('batch/v1', 'CronJob', 'cronjob', 'cronjobs', 'cj');
unserved('v1', 'ServiceAccount', 'serviceaccount', 'serviceaccounts', 'sa');
unserved('rbac.authorization.k8s.io/v1', 'Role', 'role', 'roles');
unserved('rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterrole', 'clusterroles');
unserved('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebinding', 'rolebindings');
unserved('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'clusterrolebinding', 'clusterrolebindings');
unserved('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinition', 'customresourcedefinitions', 'crd', 'crds');
unserved('autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscaler', 'horizontalpodautoscalers', 'hpa');
unserved('v1', 'LimitRange', 'limitrange', 'limitranges', 'limits');
unserved('v1', 'ResourceQuota', 'resourcequota', 'resourcequotas', 'quota');

/** Resolves a kind as kubectl accepts it; unknown kinds throw with advice or kubectl's message. */
export function resolveKind(userName: string): KindInfo {
  const info = kindByUserName(userName);
  if (info) return info;
  const base = userName.toLowerCase().split('.')[0] ?? '';
  const known = UNSERVED_NAMES[base];
  if (known) {
    const message = unservedKindMessage(known[0], known[1]);
    if (message) throw new CliError(message);
  }
  throw new CliError(`the server doesn't have a resource type "${userName}"`);
}

/** The served kind of a manifest's (apiVersion, kind), or an error saying what to use instead. */
export function kindOfManifest(apiVersion: string, kind: string): KindInfo {
  const info = kindByApiVersion(apiVersion, kind);
  if (info) return info;
  throw new CliError(unservedKindMessage(apiVersion, kind) ?? `no matches for kind "${kind}" in version "${apiVersion}"`);
}

/** `daemonset.apps`, `pod`: how kubectl names a kind in messages (`daemonset.apps/x created`). */
export function kindLabel(info: KindInfo): string {
  return info.group ? `${info.singular}.${info.group}` : info.singular;
}

/** `/api/v1/namespaces/NS/pods/NAME` and friends; no namespace on a namespaced kind = all namespaces. */
export function resourcePath(info: KindInfo, namespace: string | undefined, name?: string): string {
  const prefix = info.group ? `/apis/${apiVersionOf(info)}` : `/api/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const tail = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `${prefix}${ns}/${info.plural}${tail}`;
}

export interface ResourceRef {
  info: KindInfo;
  name: string;
}

export interface ResourceArgs {
  /** `get KIND` with no names (list). */
  info?: KindInfo;
  refs: ResourceRef[];
}

/**
 * `KIND [NAME...]` or `KIND/NAME [KIND/NAME...]`, as kubectl accepts them.
 * Mixing the two forms is refused, as kubectl does.
 */
export function parseResourceArgs(args: string[]): ResourceArgs {
  const [first, ...rest] = args;
  if (first === undefined) throw new CliError('you must specify the type of resource');
  if (first.includes('/')) {
    const refs = args.map((a) => {
      const slash = a.indexOf('/');
      if (slash < 0) throw new CliError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'flotctl get resource/<resource_name>' instead of 'flotctl get resource resource/<resource_name>')`);
      const name = a.slice(slash + 1);
      if (!name) throw new CliError(`arguments in resource/name form must have a single resource and name: "${a}"`);
      return { info: resolveKind(a.slice(0, slash)), name };
    });
    return { refs };
  }
  if (first.includes(',')) throw new CliError(`one resource type at a time: "${first}" names several`);
  const info = resolveKind(first);
  for (const r of rest) {
    if (r.includes('/')) {
      throw new CliError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'flotctl get resource/<resource_name>' instead of 'flotctl get resource resource/<resource_name>')`);
    }
  }
  return rest.length === 0 ? { info, refs: [] } : { info, refs: rest.map((name) => ({ info, name })) };
}

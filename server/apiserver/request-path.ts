/** Maps Kubernetes REST paths onto (kind, namespace, name, subresource). */
import { ApiError } from '../../shared/api/errors.js';
import { kindByPlural, kindByUserName, unservedKindMessage, type KindInfo } from '../../shared/api/kinds.js';

export interface ResourcePath {
  info: KindInfo;
  namespace?: string;
  name?: string;
  /**
   * `log`: a Pod's container log (pod-log.ts); `eviction`: policy/v1 Eviction (eviction.ts);
   * `exec`, `attach`, `portforward`: streams (pod-stream.ts).
   */
  subresource?: 'status' | 'log' | 'eviction' | StreamSubresource;
}

/** Subresources beyond `status`, per kind. */
const EXTRA_SUBRESOURCES: Record<string, readonly string[]> = { Pod: ['log', 'eviction', 'exec', 'attach', 'portforward'] };

/** Pod subresources reached only by an HTTP upgrade. */
export const STREAM_SUBRESOURCES = ['exec', 'attach', 'portforward'] as const;
export type StreamSubresource = (typeof STREAM_SUBRESOURCES)[number];

export function isStreamSubresource(s: string | undefined): s is StreamSubresource {
  return (STREAM_SUBRESOURCES as readonly (string | undefined)[]).includes(s);
}

/** Plurals of kinds users commonly ask for that are not served, for a message that says so. */
const UNSERVED_PLURALS: Record<string, { apiVersion: string; kind: string }> = {
  services: { apiVersion: 'v1', kind: 'Service' },
  endpoints: { apiVersion: 'v1', kind: 'Endpoints' },
  persistentvolumeclaims: { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  persistentvolumes: { apiVersion: 'v1', kind: 'PersistentVolume' },
  replicationcontrollers: { apiVersion: 'v1', kind: 'ReplicationController' },
  serviceaccounts: { apiVersion: 'v1', kind: 'ServiceAccount' },
  deployments: { apiVersion: 'apps/v1', kind: 'Deployment' },
  replicasets: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  statefulsets: { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  ingresses: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  jobs: { apiVersion: 'batch/v1', kind: 'Job' },
  cronjobs: { apiVersion: 'batch/v1', kind: 'CronJob' },
};

function notServed(groupVersion: string, plural: string): ApiError {
  // A served kind asked for under another group version (e.g. extensions/v1beta1 daemonsets).
  const kind = UNSERVED_PLURALS[plural]?.kind ?? kindByUserName(plural)?.kind;
  const message =
    (kind && unservedKindMessage(groupVersion, kind)) ??
    `the server could not find the requested resource: ${groupVersion} ${plural} is not served`;
  return new ApiError(404, 'NotFound', message);
}

/**
 * Parses `/api/v1/...` and `/apis/GROUP/VERSION/...` resource paths.
 * Returns undefined for paths that are not resource paths (discovery, health).
 */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] ?? '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    version = parts[2] ?? '';
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  const groupVersion = group ? `${group}/${version}` : version;

  let namespace: string | undefined;
  // `namespaces/NAME/PLURAL...` addresses namespaced objects, except the namespace's own subresources.
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural = '', name, sub, ...extra] = rest;
  const info = kindByPlural(group, version, plural);
  if (!info) throw notServed(groupVersion, plural);
  const served = sub === undefined || sub === 'status' || (EXTRA_SUBRESOURCES[info.kind] ?? []).includes(sub);
  if (extra.length > 0 || !served) {
    throw new ApiError(404, 'NotFound', `the server could not find the requested resource: ${pathname}`);
  }
  if (namespace !== undefined && !info.namespaced) {
    throw new ApiError(404, 'NotFound', `${info.kind} is cluster-scoped: address it without a namespace`);
  }
  const out: ResourcePath = { info };
  if (namespace !== undefined) out.namespace = namespace;
  if (name !== undefined) out.name = name;
  if (sub === 'status' || sub === 'log' || sub === 'eviction' || isStreamSubresource(sub)) out.subresource = sub;
  return out;
}

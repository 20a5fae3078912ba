/**
 * OpenAPI v3 documents. kubectl reads them to learn that the hub validates fields server-side
 * (the `fieldValidation` query parameter on PATCH), so `--validate=strict` leaves validation to
 * the hub, and `kubectl explain` reads their component schemas.
 */
import { apiVersionOf, SERVED_KINDS, type KindInfo } from '../../shared/api/kinds.js';
import { LEASE_KIND } from './leases.js';
import { componentSchemas } from './openapi-schemas.js';

/** The kinds the documents describe: the stored ones and the Lease view. */
const DOCUMENTED_KINDS: readonly KindInfo[] = [...SERVED_KINDS, LEASE_KIND];

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'];

function gvPath(groupVersion: string): string {
  return groupVersion.includes('/') ? `apis/${groupVersion}` : `api/${groupVersion}`;
}

export function openApiIndex(): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of new Set(DOCUMENTED_KINDS.map(apiVersionOf))) {
    paths[gvPath(gv)] = { serverRelativeURL: `/openapi/v3/${gvPath(gv)}` };
  }
  return { paths };
}

function itemPath(k: KindInfo): string {
  const base = `/${gvPath(apiVersionOf(k))}`;
  return k.namespaced ? `${base}/namespaces/{namespace}/${k.plural}/{name}` : `${base}/${k.plural}/{name}`;
}

function operation(k: KindInfo, action: string): Record<string, unknown> {
  return {
    operationId: `${action}${k.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: k.group, version: k.version, kind: k.kind },
    parameters: QUERY_PARAMS.map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
    responses: { '200': { description: 'OK' } },
  };
}

/** The document for one group version (`api/v1`, `apis/apps/v1`), or undefined. */
export function openApiGroupVersion(path: string): Record<string, unknown> | undefined {
  const kinds = DOCUMENTED_KINDS.filter((k) => gvPath(apiVersionOf(k)) === path);
  if (kinds.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const k of kinds) {
    paths[itemPath(k)] = { patch: operation(k, 'patch'), put: operation(k, 'put') };
  }
  return { openapi: '3.0.0', info: { title: 'Flotilla', version: 'v1' }, paths, components: { schemas: componentSchemas() } };
}

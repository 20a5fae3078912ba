/** Reading and writing objects of a served kind through the API client. */
import type { KindInfo } from '../../shared/api/kinds.js';
import { apiVersionOf } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { isRecord } from '../../shared/util/guards.js';
import type { ApiClient, Query } from './client.js';
import { CliError } from './errors.js';
import { resourcePath } from './resources.js';

export interface ListResult {
  resourceVersion: string;
  items: KubeObject[];
}

export interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
}

/** Narrows a JSON answer to an object with metadata, filling apiVersion/kind the way kubectl does for list items. */
export function asKubeObject(v: unknown, info?: KindInfo): KubeObject {
  if (!isRecord(v) || !isRecord(v.metadata)) throw new CliError(`the server sent something that is not an object: ${JSON.stringify(v).slice(0, 200)}`);
  const obj = v as KubeObject;
  if (info) {
    if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') obj.apiVersion = apiVersionOf(info);
    if (typeof obj.kind !== 'string' || obj.kind === '') obj.kind = info.kind;
  }
  return obj;
}

export function asList(v: unknown, info: KindInfo): ListResult {
  if (!isRecord(v) || !Array.isArray(v.items)) throw new CliError(`the server sent something that is not a ${info.listKind}: ${JSON.stringify(v).slice(0, 200)}`);
  const meta = isRecord(v.metadata) ? v.metadata : {};
  return {
    resourceVersion: typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '',
    items: v.items.map((i: unknown) => asKubeObject(i, info)),
  };
}

export function selectorQuery(s: Selectors): Query {
  const q: Query = {};
  if (s.labelSelector) q.labelSelector = s.labelSelector;
  if (s.fieldSelector) q.fieldSelector = s.fieldSelector;
  return q;
}

export async function getObject(client: ApiClient, info: KindInfo, namespace: string | undefined, name: string): Promise<KubeObject> {
  return asKubeObject(await client.request({ path: resourcePath(info, namespace, name) }), info);
}

/** Lists a kind; `namespace` undefined lists across all namespaces. */
export async function listObjects(client: ApiClient, info: KindInfo, namespace: string | undefined, s: Selectors = {}): Promise<ListResult> {
  return asList(await client.request({ path: resourcePath(info, namespace), query: selectorQuery(s) }), info);
}

/** `metadata.namespace` for a request on this kind: the given namespace for namespaced kinds, none otherwise. */
export function namespaceFor(info: KindInfo, namespace: string): string | undefined {
  return info.namespaced ? namespace : undefined;
}

/** Query parameters of list and watch requests, parsed and checked once. */
import { ApiError } from '../../shared/api/errors.js';
import type { KindInfo } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { fieldSelectorIndexHint, matchesFields, parseFieldSelector } from '../../shared/api/field-selector.js';
import { matchesLabels, parseLabelSelector } from '../../shared/api/label-selector.js';
import type { ListQuery } from '../store/object-store.js';
import type { IndexedColumns } from '../store/keys.js';

export interface ListOptions {
  matches: (obj: KubeObject) => boolean;
  /** A label or field selector was given (Kubernetes then gives no remainingItemCount). */
  selective: boolean;
  query: ListQuery;
  limit?: number;
  continueKey?: string;
  /** For watches: resume after this resourceVersion; undefined means "current state first". */
  resourceVersion?: number;
  timeoutSeconds?: number;
  allowBookmarks: boolean;
}

const INDEX_FOR_FIELD: Record<string, keyof IndexedColumns> = {
  'metadata.name': 'name',
  'metadata.namespace': 'ns',
  'spec.nodeName': 'nodeName',
};

function nonNegativeInt(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw ApiError.badRequest(`must be a non-negative integer, got "${raw}"`, name);
  return Number(raw);
}

interface ContinueToken {
  k: string;
}

export function encodeContinue(lastKey: string): string {
  return Buffer.from(JSON.stringify({ k: lastKey } satisfies ContinueToken)).toString('base64url');
}

function decodeContinue(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<ContinueToken>;
    if (typeof parsed.k === 'string') return parsed.k;
  } catch {
    // fall through to the error below
  }
  throw ApiError.badRequest('continue key is not valid', 'continue');
}

export function parseListOptions(params: URLSearchParams, info: KindInfo, namespace: string | undefined): ListOptions {
  const labels = parseLabelSelector(params.get('labelSelector') ?? '');
  const fields = parseFieldSelector(params.get('fieldSelector') ?? '', info.kind);
  const query: ListQuery = {};
  if (namespace) query.namespace = namespace;
  const hint = fieldSelectorIndexHint(fields);
  const column = hint ? INDEX_FOR_FIELD[hint.field] : undefined;
  if (hint && column) query.index = { column, value: hint.value };

  const opts: ListOptions = {
    matches: (obj) => matchesLabels(labels, obj.metadata.labels) && matchesFields(fields, obj),
    selective: labels.requirements.length > 0 || labels.nothing === true || fields.length > 0,
    query,
    allowBookmarks: params.get('allowWatchBookmarks') === 'true',
  };
  const limit = nonNegativeInt(params, 'limit');
  if (limit !== undefined && limit > 0) opts.limit = limit;
  const cont = params.get('continue');
  if (cont) opts.continueKey = decodeContinue(cont);
  const rv = params.get('resourceVersion');
  if (rv !== null && rv !== '' && rv !== '0') {
    if (!/^\d+$/.test(rv)) throw ApiError.badRequest(`must be a resourceVersion number, got "${rv}"`, 'resourceVersion');
    opts.resourceVersion = Number(rv);
  }
  const timeout = nonNegativeInt(params, 'timeoutSeconds');
  if (timeout !== undefined) opts.timeoutSeconds = timeout;
  return opts;
}

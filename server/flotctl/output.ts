/** `-o yaml|json|name` output of objects, as kubectl prints them. */
import { stringify as toYaml } from 'yaml';
import type { KindInfo } from '../../shared/api/kinds.js';
import { kindByApiVersion } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { CliError } from './errors.js';
import { kindLabel } from './resources.js';

export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json' | 'name';

export function parseOutputFormat(v: string | undefined): OutputFormat {
  if (v === undefined || v === '') return 'table';
  if (v === 'wide' || v === 'yaml' || v === 'json' || v === 'name') return v;
  throw new CliError(`unable to match a printer suitable for the output format "${v}", allowed formats are: json,name,wide,yaml`);
}

/** Drops metadata.managedFields, as kubectl does unless --show-managed-fields. */
export function withoutManagedFields(o: KubeObject): KubeObject {
  if (!o.metadata.managedFields) return o;
  const { managedFields: _dropped, ...metadata } = o.metadata;
  return { ...o, metadata };
}

export function formatYaml(v: unknown): string {
  return toYaml(v, { sortMapEntries: true, lineWidth: 0, indentSeq: false, aliasDuplicateObjects: false });
}

export function formatJson(v: unknown): string {
  return JSON.stringify(v, null, 4) + '\n';
}

/** A single object, or a `kind: List` wrapping several, as `kubectl get -o yaml|json` prints them. */
export function formatObjects(objects: KubeObject[], format: 'yaml' | 'json', single: boolean): string {
  const value: unknown =
    single && objects.length === 1 ? objects[0] : { apiVersion: 'v1', items: objects, kind: 'List', metadata: { resourceVersion: '' } };
  return format === 'yaml' ? formatYaml(value) : formatJson(value);
}

/** `daemonset.apps/NAME`, `pod/NAME`. */
export function objectName(o: KubeObject, info?: KindInfo): string {
  const kind = info ?? kindByApiVersion(o.apiVersion, o.kind);
  const label = kind ? kindLabel(kind) : o.kind.toLowerCase();
  return `${label}/${o.metadata.name ?? ''}`;
}

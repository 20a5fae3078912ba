/** Container `env` and `envFrom`. */
import type { FieldReader } from './reader.js';
import { invalid, invalidEach, notSupported } from './field-errors.js';
import { isConfigMapKey, isEnvVarName, isQualifiedName, nameIsDNSSubdomain } from './names.js';
import { parseQuantity } from '../quantity.js';

/** Pod fields a container can read through `valueFrom.fieldRef`. */
const FIELD_REF_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'metadata.labels', 'metadata.annotations',
  'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
] as const;
const SUBSCRIPTED_FIELD_REF = /^metadata\.(labels|annotations)\['(.*)'\]$/;

const RESOURCE_FIELD_REFS = [
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
] as const;

const ONE_FIELD = 'may not have more than one field specified at a time';

function validateRefName(r: FieldReader): void {
  const name = r.requiredString('name');
  if (name) r.errs.push(...invalidEach(r.at('name'), name, nameIsDNSSubdomain(name)));
  r.bool('optional');
}

function validateKeySelector(r: FieldReader): void {
  validateRefName(r);
  const key = r.requiredString('key');
  if (key) r.errs.push(...invalidEach(r.at('key'), key, isConfigMapKey(key)));
}

function validateFieldRef(r: FieldReader): void {
  const apiVersion = r.string('apiVersion');
  if (apiVersion && apiVersion !== 'v1') r.errs.push(notSupported(r.at('apiVersion'), apiVersion, ['v1']));
  const path = r.requiredString('fieldPath');
  if (!path) return;
  const sub = SUBSCRIPTED_FIELD_REF.exec(path);
  if (sub) {
    const k = sub[2] ?? '';
    const checked = sub[1] === 'annotations' ? k.toLowerCase() : k;
    r.errs.push(...invalidEach(r.at('fieldPath'), path, isQualifiedName(checked)));
  } else if (!(FIELD_REF_PATHS as readonly string[]).includes(path)) {
    r.errs.push(notSupported(r.at('fieldPath'), path, FIELD_REF_PATHS));
  }
}

function validateResourceFieldRef(r: FieldReader): void {
  r.string('containerName');
  const resource = r.requiredString('resource');
  if (resource && !(RESOURCE_FIELD_REFS as readonly string[]).includes(resource)) {
    r.errs.push(notSupported(r.at('resource'), resource, RESOURCE_FIELD_REFS));
  }
  if (r.has('divisor')) {
    const q = parseQuantity(r.raw('divisor'), r.at('divisor'));
    if (typeof q !== 'number') r.errs.push(q);
  }
}

const VALUE_FROM_SOURCES: Record<string, (r: FieldReader) => void> = {
  fieldRef: validateFieldRef,
  resourceFieldRef: validateResourceFieldRef,
  configMapKeyRef: validateKeySelector,
  secretKeyRef: validateKeySelector,
};

function validateValueFrom(from: FieldReader, value: string | undefined): void {
  const present = Object.keys(VALUE_FROM_SOURCES).filter((s) => from.has(s));
  if (present.length === 0) {
    from.errs.push(invalid(from.path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  } else if (present.length > 1) {
    from.errs.push(invalid(from.path, '', ONE_FIELD));
  } else {
    const s = present[0] ?? '';
    const src = from.record(s);
    if (src) VALUE_FROM_SOURCES[s]?.(src);
  }
  if (value) from.errs.push(invalid(from.path, '', 'may not be specified when `value` is not empty'));
}

export function validateEnv(ctr: FieldReader): void {
  for (const { item } of ctr.records('env') ?? []) {
    const name = item.requiredString('name');
    if (name) item.errs.push(...invalidEach(item.at('name'), name, isEnvVarName(name)));
    const value = item.string('value');
    const from = item.record('valueFrom');
    if (from) validateValueFrom(from, value);
  }
}

export function validateEnvFrom(ctr: FieldReader): void {
  for (const { item } of ctr.records('envFrom') ?? []) {
    const prefix = item.string('prefix');
    if (prefix) item.errs.push(...invalidEach(item.at('prefix'), prefix, isEnvVarName(prefix)));
    const sources = ['configMapRef', 'secretRef'].filter((s) => item.has(s));
    if (sources.length === 0) {
      item.errs.push(invalid(item.path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    } else if (sources.length > 1) {
      item.errs.push(invalid(item.path, '', ONE_FIELD));
    } else {
      const src = item.record(sources[0] ?? '');
      if (src) validateRefName(src);
    }
  }
}

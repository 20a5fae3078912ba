/**
 * What an update may not change. Checks only the transition from `old` to `obj`; the new
 * object itself is checked with validateObject. Both should already carry defaults.
 */
import type { FieldError } from '../errors.js';
import type { KindInfo } from '../kinds.js';
import type { KubeObject } from '../meta.js';
import { isRecord } from '../../util/guards.js';
import type { JsonObject } from '../../util/guards.js';
import { child, forbidden, invalid } from './field-errors.js';
import { diffPaths, jsonEqual } from './equal.js';
import { validateOnlyAddedTolerations } from './tolerations.js';

const IMMUTABLE = 'field is immutable';
const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';

export const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,' +
  '`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)';

function field(obj: unknown, name: string): unknown {
  return isRecord(obj) ? obj[name] : undefined;
}

function immutable(path: string, oldValue: unknown, newValue: unknown, errs: FieldError[]): void {
  if (!jsonEqual(oldValue, newValue)) errs.push(invalid(path, newValue ?? null, IMMUTABLE));
}

function validateMetaUpdate(old: KubeObject, obj: KubeObject, errs: FieldError[]): void {
  const o = old.metadata;
  const n = obj.metadata;
  immutable('metadata.name', o.name ?? '', n.name ?? '', errs);
  immutable('metadata.namespace', o.namespace ?? '', n.namespace ?? '', errs);
  // An update that leaves uid or creationTimestamp out keeps the stored ones.
  if (n.uid) immutable('metadata.uid', o.uid ?? '', n.uid, errs);
  if (n.creationTimestamp && o.creationTimestamp) immutable('metadata.creationTimestamp', o.creationTimestamp, n.creationTimestamp, errs);
}

/** Puts the images of `from`'s containers into `into`'s containers at the same positions. */
function copyImages(into: JsonObject, from: JsonObject, list: string): void {
  const a = into[list];
  const b = from[list];
  if (!Array.isArray(a) || !Array.isArray(b)) return;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const ca: unknown = a[i];
    const cb: unknown = b[i];
    if (!isRecord(ca) || !isRecord(cb)) continue;
    if (cb['image'] === undefined) delete ca['image'];
    else ca['image'] = cb['image'];
  }
}

function validatePodSpecUpdate(oldSpec: unknown, newSpec: unknown, errs: FieldError[]): void {
  if (!isRecord(oldSpec) || !isRecord(newSpec)) {
    if (!jsonEqual(oldSpec, newSpec)) errs.push(forbidden('spec', POD_UPDATE_FORBIDDEN));
    return;
  }
  const oldDeadline = oldSpec['activeDeadlineSeconds'];
  const newDeadline = newSpec['activeDeadlineSeconds'];
  const deadlinePath = 'spec.activeDeadlineSeconds';
  if (typeof newDeadline === 'number') {
    if (typeof oldDeadline === 'number' && newDeadline > oldDeadline) {
      errs.push(invalid(deadlinePath, newDeadline, 'must be less than or equal to previous value'));
    }
  } else if (typeof oldDeadline === 'number') {
    errs.push(invalid(deadlinePath, null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...validateOnlyAddedTolerations(oldSpec['tolerations'], newSpec['tolerations'], 'spec.tolerations'));

  // Everything else must stay: take the new spec, put back the old values of what may change, compare.
  const munged = structuredClone(newSpec);
  copyImages(munged, oldSpec, 'containers');
  copyImages(munged, oldSpec, 'initContainers');
  for (const f of ['activeDeadlineSeconds', 'tolerations']) {
    if (oldSpec[f] === undefined) delete munged[f];
    else munged[f] = oldSpec[f];
  }
  const changed = diffPaths(oldSpec, munged, 'spec');
  if (changed.length > 0) errs.push(forbidden('spec', `${POD_UPDATE_FORBIDDEN}; changed: ${changed.join(', ')}`));
}

/** Secret data as stored: `stringData` folded into `data` as base64. */
function effectiveSecretData(obj: KubeObject): Record<string, unknown> {
  const data: Record<string, unknown> = { ...(isRecord(obj['data']) ? obj['data'] : {}) };
  const stringData = obj['stringData'];
  if (isRecord(stringData)) {
    for (const [k, v] of Object.entries(stringData)) data[k] = typeof v === 'string' ? Buffer.from(v, 'utf8').toString('base64') : v;
  }
  return data;
}

function validateDataUpdate(old: KubeObject, obj: KubeObject, dataFields: Record<string, (o: KubeObject) => unknown>, errs: FieldError[]): void {
  if (old['immutable'] !== true) return;
  if (obj['immutable'] !== true) errs.push(forbidden('immutable', IMMUTABLE_WHEN_SET));
  for (const [name, read] of Object.entries(dataFields)) {
    if (!jsonEqual(read(old), read(obj))) errs.push(forbidden(name, IMMUTABLE_WHEN_SET));
  }
}

/** Every rule `obj` breaks by replacing `old`; an empty list means the update may proceed. */
export function validateUpdate(old: KubeObject, obj: KubeObject, info: KindInfo): FieldError[] {
  const errs: FieldError[] = [];
  validateMetaUpdate(old, obj, errs);
  switch (info.kind) {
    case 'Pod':
      validatePodSpecUpdate(old['spec'], obj['spec'], errs);
      break;
    case 'DaemonSet':
      immutable(child('spec', 'selector'), field(old['spec'], 'selector'), field(obj['spec'], 'selector'), errs);
      break;
    case 'ConfigMap':
      validateDataUpdate(old, obj, { data: (o) => o['data'] ?? {}, binaryData: (o) => o['binaryData'] ?? {} }, errs);
      break;
    case 'Secret': {
      validateDataUpdate(old, obj, { data: effectiveSecretData }, errs);
      const type = (o: KubeObject): unknown => o['type'] || 'Opaque';
      immutable('type', type(old), type(obj), errs);
      break;
    }
    case 'ControllerRevision':
      immutable('data', old['data'], obj['data'], errs);
      break;
  }
  return errs;
}

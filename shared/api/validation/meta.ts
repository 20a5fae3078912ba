/** ObjectMeta checks every kind shares: name, namespace, labels, annotations, owners, finalizers. */
import type { FieldError } from '../errors.js';
import type { FieldReader } from './reader.js';
import { readerFor } from './reader.js';
import { forbidden, index, invalid, invalidEach, required, tooLong } from './field-errors.js';
import { isQualifiedName, isValidLabelValue, nameIsDNSLabel } from './names.js';

/** Kubernetes' limit on the summed size of annotation keys and values. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export type NameCheck = (name: string, prefix: boolean) => string[];

/** Label keys and values; format errors are reported at the map's path, as Kubernetes does. */
export function validateLabels(labels: Record<string, string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...invalidEach(path, k, isQualifiedName(k)));
    errs.push(...invalidEach(path, v, isValidLabelValue(v)));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    // Kubernetes lower-cases annotation keys before checking them.
    errs.push(...invalidEach(path, k, isQualifiedName(k.toLowerCase())));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

function validateOwnerReferences(meta: FieldReader): void {
  const refs = meta.records('ownerReferences');
  if (!refs) return;
  const controllers: string[] = [];
  for (const { item } of refs) {
    const apiVersion = item.requiredString('apiVersion', 'version must not be empty');
    item.requiredString('kind', 'kind must not be empty');
    const name = item.requiredString('name', 'name must not be empty');
    item.requiredString('uid', 'uid must not be empty');
    if (item.bool('controller') === true) controllers.push(name ?? '');
    item.bool('blockOwnerDeletion');
    if (apiVersion !== undefined && apiVersion.split('/').length > 2) {
      meta.errs.push(invalid(item.at('apiVersion'), apiVersion, 'must be of the form group/version or version'));
    }
  }
  if (controllers.length > 1) {
    meta.errs.push(
      invalid(
        meta.at('ownerReferences'),
        controllers,
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`,
      ),
    );
  }
}

export interface MetaRules {
  namespaced: boolean;
  /** How the kind's names are checked: DNS label for Namespace, DNS subdomain for the rest. */
  nameCheck: NameCheck;
}

/**
 * Validates `metadata` of a top-level object (or of a template when `template` is set:
 * then name and namespace are not required).
 */
export function validateObjectMeta(value: unknown, path: string, rules: MetaRules, errs: FieldError[], template = false): FieldReader | undefined {
  if (value === undefined || value === null) {
    if (!template) errs.push(required(path));
    return undefined;
  }
  const meta = readerFor(value, path, errs);
  if (!meta) return undefined;

  if (!template) {
    const generateName = meta.string('generateName');
    if (generateName) errs.push(...invalidEach(meta.at('generateName'), generateName, rules.nameCheck(generateName, true)));
    const name = meta.string('name');
    if (name) {
      errs.push(...invalidEach(meta.at('name'), name, rules.nameCheck(name, false)));
    } else if (!generateName && (name === '' || !meta.has('name'))) {
      // (a name of the wrong type was reported already)
      errs.push(required(meta.at('name'), 'name or generateName is required'));
    }

    const namespace = meta.string('namespace');
    if (rules.namespaced) {
      if (namespace) errs.push(...invalidEach(meta.at('namespace'), namespace, nameIsDNSLabel(namespace)));
      else if (namespace === '' || !meta.has('namespace')) errs.push(required(meta.at('namespace')));
    } else if (namespace) {
      errs.push(forbidden(meta.at('namespace'), 'not allowed on this type'));
    }
  }

  for (const f of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp']) meta.string(f);
  meta.nonNegativeInt('generation');
  meta.nonNegativeInt('deletionGracePeriodSeconds');

  const labels = meta.stringMap('labels');
  if (labels) errs.push(...validateLabels(labels, meta.at('labels')));
  const annotations = meta.stringMap('annotations');
  if (annotations) errs.push(...validateAnnotations(annotations, meta.at('annotations')));

  validateOwnerReferences(meta);

  const finalizers = meta.stringArray('finalizers');
  finalizers?.forEach((f, i) => errs.push(...invalidEach(index(meta.at('finalizers'), i), f, isQualifiedName(f))));

  meta.records('managedFields');
  return meta;
}

/** A `metav1.LabelSelector` in an object (DaemonSet `spec.selector`). */
import type { FieldReader } from './reader.js';
import { forbidden, index, invalidEach, notSupported, required } from './field-errors.js';
import { isQualifiedName, isValidLabelValue } from './names.js';
import { validateLabels } from './meta.js';

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/** Returns true when the selector is well formed (so it can be converted and matched). */
export function validateLabelSelector(sel: FieldReader): boolean {
  const before = sel.errs.length;
  const matchLabels = sel.stringMap('matchLabels');
  if (matchLabels) sel.errs.push(...validateLabels(matchLabels, sel.at('matchLabels')));
  for (const { item } of sel.records('matchExpressions') ?? []) {
    const key = item.requiredString('key');
    if (key) item.errs.push(...invalidEach(item.at('key'), key, isQualifiedName(key)));
    const values = item.stringArray('values') ?? [];
    const operator = item.requiredString('operator');
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) item.errs.push(required(item.at('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) item.errs.push(forbidden(item.at('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else if (operator !== undefined) {
      item.errs.push(notSupported(item.at('operator'), operator, OPERATORS));
    }
    values.forEach((v, i) => item.errs.push(...invalidEach(index(item.at('values'), i), v, isValidLabelValue(v))));
  }
  return sel.errs.length === before;
}

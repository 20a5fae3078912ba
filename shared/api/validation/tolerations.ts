/** Pod tolerations and Node taints. */
import type { FieldError } from '../errors.js';
import { isRecord } from '../../util/guards.js';
import type { FieldReader } from './reader.js';
import { duplicate, forbidden, invalid, invalidEach, notSupported } from './field-errors.js';
import { jsonEqual } from './equal.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
const TOLERATION_OPERATORS = ['Equal', 'Exists'] as const;

function isOneOf<T extends string>(v: string, list: readonly T[]): v is T {
  return (list as readonly string[]).includes(v);
}

export function validateTolerations(owner: FieldReader, name = 'tolerations'): void {
  const errs = owner.errs;
  for (const { item } of owner.records(name) ?? []) {
    const key = item.string('key');
    const operator = item.string('operator');
    const value = item.string('value');
    const effect = item.string('effect');
    const seconds = item.int('tolerationSeconds');

    if (key) errs.push(...invalidEach(item.at('key'), key, isQualifiedName(key)));
    if (!key && operator !== 'Exists') {
      errs.push(
        invalid(item.at('operator'), operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'),
      );
    }
    if (seconds !== undefined && effect !== 'NoExecute') {
      errs.push(invalid(item.at('effect'), effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === undefined || operator === '' || operator === 'Equal') {
      if (value !== undefined) errs.push(...invalidEach(item.at('value'), value, isValidLabelValue(value)));
    } else if (operator === 'Exists') {
      if (value) errs.push(invalid(item.at('value'), value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(item.at('operator'), operator, TOLERATION_OPERATORS));
    }
    if (effect && !isOneOf(effect, TAINT_EFFECTS)) errs.push(notSupported(item.at('effect'), effect, TAINT_EFFECTS));
  }
}

/** Node `spec.taints`: key and effect required, unique by (key, effect). */
export function validateTaints(spec: FieldReader): void {
  const errs = spec.errs;
  const seen = new Set<string>();
  for (const { item } of spec.records('taints') ?? []) {
    const key = item.requiredString('key');
    if (key) errs.push(...invalidEach(item.at('key'), key, isQualifiedName(key)));
    const value = item.string('value');
    if (value !== undefined) errs.push(...invalidEach(item.at('value'), value, isValidLabelValue(value)));
    const effect = item.requiredString('effect');
    if (effect && !isOneOf(effect, TAINT_EFFECTS)) errs.push(notSupported(item.at('effect'), effect, TAINT_EFFECTS));
    item.string('timeAdded');
    if (key && effect) {
      const id = `${key}\u0000${effect}`;
      if (seen.has(id)) errs.push(duplicate(item.path, { key, effect }, 'taints must be unique by key and effect pair'));
      seen.add(id);
    }
  }
}

/** Pod update rule: existing tolerations stay, except that their tolerationSeconds may change. */
export function validateOnlyAddedTolerations(oldList: unknown, newList: unknown, path: string): FieldError[] {
  const olds = Array.isArray(oldList) ? oldList : [];
  const news = Array.isArray(newList) ? newList : [];
  const strip = (t: unknown): unknown => {
    if (!isRecord(t)) return t;
    const { tolerationSeconds: _seconds, ...rest } = t;
    return rest;
  };
  for (const old of olds) {
    if (!news.some((n) => jsonEqual(strip(old), strip(n)))) {
      return [forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
    }
  }
  return [];
}

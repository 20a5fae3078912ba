/** apps/v1 DaemonSet: selector, template (a pod spec that always restarts), update strategy. */
import type { FieldReader } from './reader.js';
import { NON_NEGATIVE, invalid, invalidEach, notSupported, required, typeInvalid } from './field-errors.js';
import { isValidPercent, nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta } from './meta.js';
import { validatePodSpec } from './pod.js';
import { validateLabelSelector } from './selector.js';
import { labelSelectorFromSpec, matchesLabels } from '../label-selector.js';

const STRATEGY_TYPES = ['RollingUpdate', 'OnDelete'] as const;

/** maxUnavailable / maxSurge: an integer ≥ 0 or a percentage ≤ 100%. Returns its value (percent or count). */
export function validateIntOrPercent(r: FieldReader, name: string): number | undefined {
  const v = r.raw(name);
  const path = r.at(name);
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) r.errs.push(typeInvalid(path, 'integer or percent string', v));
    else if (v < 0) r.errs.push(invalid(path, v, NON_NEGATIVE));
    else return v;
    return undefined;
  }
  if (typeof v !== 'string') {
    r.errs.push(typeInvalid(path, 'integer or percent string', v));
    return undefined;
  }
  const msgs = isValidPercent(v);
  if (msgs.length > 0) {
    r.errs.push(...invalidEach(path, v, msgs));
    return undefined;
  }
  const pct = Number(v.slice(0, -1));
  if (pct > 100) r.errs.push(invalid(path, v, 'must not be greater than 100%'));
  return pct;
}

function validateUpdateStrategy(spec: FieldReader): void {
  const strategy = spec.record('updateStrategy');
  if (!strategy) return;
  const type = strategy.string('type');
  if (type !== undefined && type !== '' && !(STRATEGY_TYPES as readonly string[]).includes(type)) {
    strategy.errs.push(notSupported(strategy.at('type'), type, STRATEGY_TYPES));
  }
  const rolling = strategy.record('rollingUpdate');
  if (!rolling) return;
  const unavailable = validateIntOrPercent(rolling, 'maxUnavailable');
  const surge = validateIntOrPercent(rolling, 'maxSurge');
  // Absent values default to maxUnavailable 1, maxSurge 0.
  const effectiveUnavailable = rolling.has('maxUnavailable') ? unavailable : 1;
  const effectiveSurge = rolling.has('maxSurge') ? surge : 0;
  if (effectiveUnavailable === 0 && effectiveSurge === 0) {
    rolling.errs.push(invalid(rolling.at('maxUnavailable'), rolling.raw('maxUnavailable'), 'may not be 0 when `maxSurge` is 0'));
  }
}

export function validateDaemonSet(obj: FieldReader): void {
  const errs = obj.errs;
  const spec = obj.record('spec');
  if (!spec) {
    if (!obj.has('spec')) errs.push(required('spec.selector'), required('spec.template'));
    return;
  }

  let selectorOk = false;
  const selector = spec.record('selector');
  if (!selector) {
    if (!spec.has('selector')) errs.push(required(spec.at('selector')));
  } else {
    selectorOk = validateLabelSelector(selector);
    if (!selector.has('matchLabels') && !selector.has('matchExpressions')) {
      errs.push(invalid(selector.path, selector.obj, 'empty selector is invalid for daemonset'));
      selectorOk = false;
    }
  }

  const template = spec.record('template');
  if (!template) {
    if (!spec.has('template')) errs.push(required(spec.at('template')));
  } else {
    const meta = validateObjectMeta(template.raw('metadata'), template.at('metadata'), { namespaced: true, nameCheck: nameIsDNSSubdomain }, errs, true);
    const labels = meta?.stringMap('labels');
    if (selectorOk && selector && !matchesLabels(labelSelectorFromSpec(selector.obj), labels)) {
      errs.push(invalid(template.at('metadata.labels'), labels ?? {}, '`selector` does not match template `labels`'));
    }
    const podSpec = template.record('spec');
    if (podSpec) {
      validatePodSpec(podSpec, { restartPolicies: ['Always'] });
      if (podSpec.has('activeDeadlineSeconds')) {
        errs.push(invalid(podSpec.at('activeDeadlineSeconds'), podSpec.raw('activeDeadlineSeconds'), 'activeDeadlineSeconds in DaemonSet is not Supported'));
      }
    } else if (!template.has('spec')) {
      errs.push(required(template.at('spec.containers')));
    }
  }

  validateUpdateStrategy(spec);
  spec.nonNegativeInt('minReadySeconds');
  spec.nonNegativeInt('revisionHistoryLimit');
  spec.nonNegativeInt('templateGeneration');

  const status = obj.record('status');
  if (status) {
    for (const f of [
      'currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration',
      'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount',
    ]) {
      status.nonNegativeInt(f);
    }
    status.records('conditions');
  }
}

/** policy/v1 PodDisruptionBudget: minAvailable xor maxUnavailable (each a count or a percentage), selector, status counts. */
import type { FieldReader } from './reader.js';
import { invalid, notSupported } from './field-errors.js';
import { validateIntOrPercent } from './daemonset.js';
import { validateLabelSelector } from './selector.js';

const EVICTION_POLICIES = ['IfHealthyBudget', 'AlwaysAllow'] as const;
const STATUS_COUNTS = ['observedGeneration', 'disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] as const;

export function validatePodDisruptionBudget(obj: FieldReader): void {
  const spec = obj.record('spec');
  if (spec) {
    if (spec.has('minAvailable') && spec.has('maxUnavailable')) {
      spec.errs.push(invalid(spec.path, spec.obj, 'minAvailable and maxUnavailable cannot be both set'));
    }
    validateIntOrPercent(spec, 'minAvailable');
    validateIntOrPercent(spec, 'maxUnavailable');
    const selector = spec.record('selector');
    if (selector) validateLabelSelector(selector);
    const policy = spec.string('unhealthyPodEvictionPolicy');
    if (policy !== undefined && !(EVICTION_POLICIES as readonly string[]).includes(policy)) {
      spec.errs.push(notSupported(spec.at('unhealthyPodEvictionPolicy'), policy, EVICTION_POLICIES));
    }
  }
  const status = obj.record('status');
  if (status) {
    for (const f of STATUS_COUNTS) status.nonNegativeInt(f);
    status.stringMap('disruptedPods');
    status.records('conditions');
  }
}

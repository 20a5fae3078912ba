/** policy/v1 kinds (Kubernetes v1.32). */
import { fields, int, intOrStr, list, str, strMap, time } from './dsl.js';
import { LabelSelector, ObjectMeta } from './meta.js';

/** metav1.Condition, which also records the generation it was set for. */
const MetaCondition = fields({ type: str, status: str, observedGeneration: int, lastTransitionTime: time, reason: str, message: str });

export const PodDisruptionBudget = fields({
  apiVersion: str,
  kind: str,
  metadata: ObjectMeta,
  spec: fields({ minAvailable: intOrStr, selector: LabelSelector, maxUnavailable: intOrStr, unhealthyPodEvictionPolicy: str }),
  status: fields({
    observedGeneration: int,
    disruptedPods: strMap,
    disruptionsAllowed: int,
    currentHealthy: int,
    desiredHealthy: int,
    expectedPods: int,
    conditions: list(MetaCondition),
  }),
});

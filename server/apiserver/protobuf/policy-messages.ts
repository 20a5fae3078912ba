/** policy/v1 PodDisruptionBudget (k8s.io/api/policy/v1/generated.proto). */
import { i32, i64, ios, m, map, message, ms, opt, s, type Message } from './dsl.js';
import { Condition, LabelSelector, ObjectMeta } from './meta-messages.js';

const PodDisruptionBudgetSpec: Message = message('PodDisruptionBudgetSpec', {
  minAvailable: ios(1),
  selector: m(2, () => LabelSelector),
  maxUnavailable: ios(3),
  unhealthyPodEvictionPolicy: s(4),
});

const PodDisruptionBudgetStatus: Message = message('PodDisruptionBudgetStatus', {
  observedGeneration: i64(1),
  disruptedPods: map(2, 'time'),
  disruptionsAllowed: opt(i32(3)),
  currentHealthy: opt(i32(4)),
  desiredHealthy: opt(i32(5)),
  expectedPods: opt(i32(6)),
  conditions: ms(7, () => Condition),
});

export const PodDisruptionBudget: Message = message('PodDisruptionBudget', {
  metadata: m(1, () => ObjectMeta),
  spec: m(2, () => PodDisruptionBudgetSpec),
  status: m(3, () => PodDisruptionBudgetStatus),
});

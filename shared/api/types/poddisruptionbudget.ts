/** policy/v1 PodDisruptionBudget (Kubernetes v1.32). */
import type { IntOrString, LabelSelector, TypedObject } from './meta.js';

export type UnhealthyPodEvictionPolicy = 'IfHealthyBudget' | 'AlwaysAllow';

export interface PodDisruptionBudgetSpec {
  /** A count or a percentage of the expected pods; at most one of minAvailable and maxUnavailable. */
  minAvailable?: IntOrString;
  /** Absent (null): matches no pod; empty: matches every pod of the namespace. */
  selector?: LabelSelector;
  maxUnavailable?: IntOrString;
  unhealthyPodEvictionPolicy?: UnhealthyPodEvictionPolicy;
}

/** metav1.Condition: every field is set by the writer. */
export interface PdbCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  /** Pods evicted whose deletion the controller has not seen yet: pod name → eviction time (RFC 3339). */
  disruptedPods?: Record<string, string>;
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  expectedPods?: number;
  conditions?: PdbCondition[];
}

export type PodDisruptionBudget = TypedObject<'PodDisruptionBudget'> & {
  spec: PodDisruptionBudgetSpec;
  status?: PodDisruptionBudgetStatus;
};

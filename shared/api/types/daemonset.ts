/** apps/v1 DaemonSet (Kubernetes v1.32). */
import type { Condition, IntOrString, LabelSelector, TypedObject } from './meta.js';
import type { PodTemplateSpec } from './pod.js';

export type DaemonSetUpdateStrategyType = 'RollingUpdate' | 'OnDelete';

export interface RollingUpdateDaemonSet {
  /** A count or a percentage; defaulted to 1. */
  maxUnavailable?: IntOrString;
  /** A count or a percentage; defaulted to 0. */
  maxSurge?: IntOrString;
}

export interface DaemonSetUpdateStrategy {
  /** Defaulted to RollingUpdate. */
  type?: DaemonSetUpdateStrategyType;
  /** Defaulted when type is RollingUpdate. */
  rollingUpdate?: RollingUpdateDaemonSet;
}

export interface DaemonSetSpec {
  /** Non-empty; matches the template's labels. */
  selector: LabelSelector;
  /** Its restartPolicy is Always. */
  template: PodTemplateSpec;
  /** Defaulted to `{ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }`. */
  updateStrategy?: DaemonSetUpdateStrategy;
  minReadySeconds?: number;
  /** Defaulted to 10. */
  revisionHistoryLimit?: number;
}

export interface DaemonSetStatus {
  currentNumberScheduled?: number;
  numberMisscheduled?: number;
  desiredNumberScheduled?: number;
  numberReady?: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: Condition[];
}

export type DaemonSet = TypedObject<'DaemonSet'> & {
  spec: DaemonSetSpec;
  status?: DaemonSetStatus;
};

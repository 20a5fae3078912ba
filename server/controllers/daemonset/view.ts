/**
 * What the DaemonSet planners read: small views the wiring builds from the store's objects
 * (Node, Pod, DaemonSet, ControllerRevision). Times are epoch milliseconds.
 */
import type { IntOrPercent } from '../../../shared/api/int-or-percent.js';
import type { Taint } from '../../../shared/api/taints.js';
import type { PodTemplateSpec } from '../../../shared/api/types/index.js';

/** Resource name → amount in base units (cores, bytes, count), as `quantityValue` gives them. */
export type Resources = Readonly<Record<string, number>>;

/** A pod bound to a node, as the resource fit sees it (any owner). */
export interface ResidentPod {
  /** The uid of its controlling owner, if any: pods of the DaemonSet itself are left out of the fit. */
  controllerUid?: string;
  requests: Resources;
}

export interface NodeView {
  name: string;
  labels: Readonly<Record<string, string>>;
  taints: readonly Taint[];
  /** `spec.unschedulable` (cordoned). */
  unschedulable: boolean;
  /** `status.allocatable`; a resource missing here is not checked. */
  allocatable: Resources;
  /** Heard from within the grace period (Ready is not Unknown). */
  reachable: boolean;
  /** Non-terminal pods bound to this node and not being deleted. */
  residents: readonly ResidentPod[];
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** A pod the DaemonSet controls (after adoption). */
export interface DaemonPodView {
  name: string;
  /** `spec.nodeName`; '' when unbound. */
  nodeName: string;
  createdAt: number;
  /** Label `controller-revision-hash`. */
  revisionHash?: string;
  /** Label `pod-template-generation`. */
  templateGeneration?: string;
  phase: PodPhase;
  /** Condition Ready is True. */
  ready: boolean;
  /** When Ready last turned True (its lastTransitionTime). */
  readySince?: number;
  /** Has a deletionTimestamp. */
  deleting: boolean;
  /** Why it is not running well: container waiting/terminated reasons, failing probes ("CrashLoopBackOff", "ImagePullBackOff"…). */
  failureReasons: readonly string[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}

export interface RevisionView {
  name: string;
  revision: number;
  /** Label `controller-revision-hash`. */
  hash?: string;
  /** The template its `data` holds, decoded (observe.ts); absent when the data does not decode. */
  template?: PodTemplateSpec;
}

export type UpdateStrategy =
  | { type: 'OnDelete' }
  | { type: 'RollingUpdate'; maxUnavailable: IntOrPercent; maxSurge: IntOrPercent };

export interface DaemonSetView {
  name: string;
  namespace: string;
  uid: string;
  generation: number;
  annotations: Readonly<Record<string, string>>;
  /** `spec.template` as stored (defaulted): hashed and snapshotted into revisions. */
  template: PodTemplateSpec;
  updateStrategy: UpdateStrategy;
  minReadySeconds: number;
  revisionHistoryLimit: number;
  /** The `deprecated.daemonset.template.generation` annotation, when set. */
  templateGeneration?: number;
  /** `status` fields the planner carries forward or compares. */
  status: {
    collisionCount?: number;
    observedGeneration?: number;
    conditions: readonly Condition[];
  };
}

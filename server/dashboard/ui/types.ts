/** The few fields of Kubernetes objects the dashboard reads (everything else passes through). */
import type { ObjectMeta, WatchEventType } from '../../../shared/api/meta.js';
export type { FleetView, StageProgress } from '../../../shared/api/rollout-status.js';
/** Served objects always carry a name. */
export type Meta = ObjectMeta & { name: string };

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastHeartbeatTime?: string;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Node extends KObject {
  spec?: { unschedulable?: boolean; taints?: Taint[] };
  status?: {
    conditions?: Condition[];
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    nodeInfo?: { architecture?: string; kubeletVersion?: string; osImage?: string; kernelVersion?: string };
    addresses?: { type: string; address: string }[];
  };
}

export interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: { reason?: string; exitCode?: number; message?: string };
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  image?: string;
  state?: ContainerState;
}

export interface Pod extends KObject {
  spec?: { nodeName?: string; containers?: { name: string; image?: string }[] };
  status?: { phase?: string; reason?: string; message?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[] };
}

export interface KEvent extends KObject {
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  source?: { component?: string; host?: string };
}

export interface DaemonSet extends KObject {
  spec?: { template?: { spec?: { containers?: { name: string; image?: string }[] } } };
  status?: {
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
    numberUnavailable?: number;
    observedGeneration?: number;
    conditions?: Condition[];
  };
}

export interface ControllerRevision extends KObject {
  revision?: number;
  data?: unknown;
}

export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

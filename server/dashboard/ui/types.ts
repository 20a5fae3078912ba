/** The few fields of Kubernetes objects the dashboard reads (everything else passes through). */
export interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
}

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

export interface StageProgress {
  name: string;
  nodes: number;
  updated: number;
  updating: number;
  waitingOffline: number;
  failed: number;
  pending: number;
  released: boolean;
}

/** The `flotilla.io/rollout-status` annotation the DaemonSet controller writes. */
export interface FleetView {
  revision: string;
  stages: StageProgress[];
  updated: number;
  waitingOffline: number;
  failed: number;
  complete: boolean;
  paused: boolean;
  awaitingPromotion?: string;
  halted?: { allowed: number; updatedSoFar: number; failed: { node: string; pod: string; reasons: string[] }[] };
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
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

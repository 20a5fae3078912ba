/**
 * Kubernetes `v1.NodeStatus` shapes as the agent reports them. shared/api has no typed Node
 * yet; these follow k8s.io/api/core/v1 field names exactly so they can move there unchanged.
 */

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface NodeCondition {
  type: string;
  status: ConditionStatus;
  /** RFC 3339, second precision. */
  lastHeartbeatTime: string;
  /** RFC 3339, second precision; changes only when `status` changes. */
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** A condition as observed now, before transition times are merged in. */
export interface Observed {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  /**
   * How bad this observation is, for holding it through the transition period: default 1 when
   * True, 0 otherwise. Not reported.
   */
  severity?: number;
}

export type NodeAddressType = 'InternalIP' | 'ExternalIP' | 'Hostname' | 'InternalDNS' | 'ExternalDNS';

export interface NodeAddress {
  type: NodeAddressType;
  address: string;
}

export interface NodeSystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  /** Deprecated in Kubernetes; always empty, kept because the field is required in v1. */
  kubeProxyVersion: string;
  operatingSystem: string;
  architecture: string;
}

/** Resource name → canonical quantity string ("4", "3884844Ki", "110"). */
export type ResourceList = Record<string, string>;

export interface NodeStatus {
  capacity: ResourceList;
  allocatable: ResourceList;
  conditions: NodeCondition[];
  addresses: NodeAddress[];
  nodeInfo: NodeSystemInfo;
}

/** The top-level schema of every served kind (Kubernetes v1.32), by kind name. */
import type { Schema } from './dsl.js';
import { bool, fields, freeForm, int, intOrStr, list, resourceList, str, strMap, strs, time } from './dsl.js';
import { Condition, LabelSelector, ObjectMeta, ObjectReference } from './meta.js';
import { Pod, PodTemplateSpec } from './pod.js';
import { PodDisruptionBudget } from './policy.js';

const DaemonSet = fields({
  apiVersion: str,
  kind: str,
  metadata: ObjectMeta,
  spec: fields({
    selector: LabelSelector,
    template: PodTemplateSpec,
    updateStrategy: fields({ type: str, rollingUpdate: fields({ maxUnavailable: intOrStr, maxSurge: intOrStr }) }),
    minReadySeconds: int,
    revisionHistoryLimit: int,
  }),
  status: fields({
    currentNumberScheduled: int,
    numberMisscheduled: int,
    desiredNumberScheduled: int,
    numberReady: int,
    observedGeneration: int,
    updatedNumberScheduled: int,
    numberAvailable: int,
    numberUnavailable: int,
    collisionCount: int,
    conditions: list(Condition),
  }),
});

const ControllerRevision = fields({ apiVersion: str, kind: str, metadata: ObjectMeta, data: freeForm, revision: int });

const ConfigMapNodeConfigSource = fields({ namespace: str, name: str, uid: str, resourceVersion: str, kubeletConfigKey: str });
const NodeConfigSource = fields({ configMap: ConfigMapNodeConfigSource });

const NodeSystemInfo = fields({
  machineID: str,
  systemUUID: str,
  bootID: str,
  kernelVersion: str,
  osImage: str,
  containerRuntimeVersion: str,
  kubeletVersion: str,
  kubeProxyVersion: str,
  operatingSystem: str,
  architecture: str,
});

const Node = fields({
  apiVersion: str,
  kind: str,
  metadata: ObjectMeta,
  spec: fields({
    podCIDR: str,
    podCIDRs: strs,
    providerID: str,
    unschedulable: bool,
    taints: list(fields({ key: str, value: str, effect: str, timeAdded: time })),
    configSource: NodeConfigSource,
    externalID: str,
  }),
  status: fields({
    capacity: resourceList,
    allocatable: resourceList,
    phase: str,
    conditions: list(fields({ type: str, status: str, lastHeartbeatTime: time, lastTransitionTime: time, reason: str, message: str })),
    addresses: list(fields({ type: str, address: str })),
    daemonEndpoints: fields({ kubeletEndpoint: fields({ Port: int }) }),
    nodeInfo: NodeSystemInfo,
    images: list(fields({ names: strs, sizeBytes: int })),
    volumesInUse: strs,
    volumesAttached: list(fields({ name: str, devicePath: str })),
    config: fields({ assigned: NodeConfigSource, active: NodeConfigSource, lastKnownGood: NodeConfigSource, error: str }),
    runtimeHandlers: list(fields({ name: str, features: fields({ recursiveReadOnlyMounts: bool, userNamespaces: bool }) })),
    features: fields({ supplementalGroupsPolicy: bool }),
  }),
});

const Namespace = fields({
  apiVersion: str,
  kind: str,
  metadata: ObjectMeta,
  spec: fields({ finalizers: strs }),
  status: fields({ phase: str, conditions: list(Condition) }),
});

const ConfigMap = fields({ apiVersion: str, kind: str, metadata: ObjectMeta, immutable: bool, data: strMap, binaryData: strMap });

const Secret = fields({ apiVersion: str, kind: str, metadata: ObjectMeta, immutable: bool, data: strMap, stringData: strMap, type: str });

const Event = fields({
  apiVersion: str,
  kind: str,
  metadata: ObjectMeta,
  involvedObject: ObjectReference,
  reason: str,
  message: str,
  source: fields({ component: str, host: str }),
  firstTimestamp: time,
  lastTimestamp: time,
  count: int,
  type: str,
  eventTime: time,
  series: fields({ count: int, lastObservedTime: time }),
  action: str,
  related: ObjectReference,
  reportingComponent: str,
  reportingInstance: str,
});

export const KIND_SCHEMAS: ReadonlyMap<string, Schema> = new Map(
  Object.entries({ Pod, DaemonSet, ControllerRevision, Node, Namespace, ConfigMap, Secret, Event, PodDisruptionBudget }),
);

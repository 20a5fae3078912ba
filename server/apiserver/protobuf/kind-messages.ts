/** Top-level kinds of core/v1 and apps/v1 besides Pod (field numbers from k8s.io/api generated.proto). */
import { b, i32, i64, ios, m, map, message, microTime, ms, opt, qmap, raw, s, smap, ss, time, type Message } from './dsl.js';
import { LabelSelector, ObjectMeta } from './meta-messages.js';
import { PodTemplateSpec } from './pod-messages.js';

const meta = { metadata: m(1, () => ObjectMeta) };

const Taint: Message = message('Taint', { key: s(1), value: s(2), effect: s(3), timeAdded: time(4) });
const ConfigMapNodeConfigSource: Message = message('ConfigMapNodeConfigSource', {
  namespace: s(1),
  name: s(2),
  uid: s(3),
  resourceVersion: s(4),
  kubeletConfigKey: s(5),
});
const NodeConfigSource: Message = message('NodeConfigSource', { configMap: m(2, () => ConfigMapNodeConfigSource) });
const NodeSpec: Message = message('NodeSpec', {
  podCIDR: s(1),
  podCIDRs: ss(7),
  providerID: s(3),
  unschedulable: b(4),
  taints: ms(5, () => Taint),
  configSource: m(6, () => NodeConfigSource),
  externalID: s(2),
});
const NodeCondition: Message = message('NodeCondition', {
  type: s(1),
  status: s(2),
  lastHeartbeatTime: time(3),
  lastTransitionTime: time(4),
  reason: s(5),
  message: s(6),
});
const NodeAddress: Message = message('NodeAddress', { type: s(1), address: s(2) });
const DaemonEndpoint: Message = message('DaemonEndpoint', { Port: opt(i32(1)) });
const NodeDaemonEndpoints: Message = message('NodeDaemonEndpoints', { kubeletEndpoint: m(1, () => DaemonEndpoint) });
const NodeSystemInfo: Message = message('NodeSystemInfo', {
  machineID: s(1),
  systemUUID: s(2),
  bootID: s(3),
  kernelVersion: s(4),
  osImage: s(5),
  containerRuntimeVersion: s(6),
  kubeletVersion: s(7),
  kubeProxyVersion: s(8),
  operatingSystem: s(9),
  architecture: s(10),
});
const ContainerImage: Message = message('ContainerImage', { names: ss(1), sizeBytes: i64(2) });
const AttachedVolume: Message = message('AttachedVolume', { name: s(1), devicePath: s(2) });
const NodeConfigStatus: Message = message('NodeConfigStatus', {
  assigned: m(1, () => NodeConfigSource),
  active: m(2, () => NodeConfigSource),
  lastKnownGood: m(3, () => NodeConfigSource),
  error: s(4),
});
const NodeRuntimeHandlerFeatures: Message = message('NodeRuntimeHandlerFeatures', {
  recursiveReadOnlyMounts: opt(b(1)),
  userNamespaces: opt(b(2)),
});
const NodeRuntimeHandler: Message = message('NodeRuntimeHandler', { name: s(1), features: m(2, () => NodeRuntimeHandlerFeatures) });
const NodeFeatures: Message = message('NodeFeatures', { supplementalGroupsPolicy: opt(b(1)) });
const NodeStatus: Message = message('NodeStatus', {
  capacity: qmap(1),
  allocatable: qmap(2),
  phase: s(3),
  conditions: ms(4, () => NodeCondition),
  addresses: ms(5, () => NodeAddress),
  daemonEndpoints: m(6, () => NodeDaemonEndpoints),
  nodeInfo: m(7, () => NodeSystemInfo),
  images: ms(8, () => ContainerImage),
  volumesInUse: ss(9),
  volumesAttached: ms(10, () => AttachedVolume),
  config: m(11, () => NodeConfigStatus),
  runtimeHandlers: ms(12, () => NodeRuntimeHandler),
  features: m(13, () => NodeFeatures),
});
export const Node: Message = message('Node', { ...meta, spec: m(2, () => NodeSpec), status: m(3, () => NodeStatus) });

const NamespaceCondition: Message = message('NamespaceCondition', {
  type: s(1),
  status: s(2),
  lastTransitionTime: time(4),
  reason: s(5),
  message: s(6),
});
const NamespaceSpec: Message = message('NamespaceSpec', { finalizers: ss(1) });
const NamespaceStatus: Message = message('NamespaceStatus', { phase: s(1), conditions: ms(2, () => NamespaceCondition) });
export const Namespace: Message = message('Namespace', { ...meta, spec: m(2, () => NamespaceSpec), status: m(3, () => NamespaceStatus) });

export const ConfigMap: Message = message('ConfigMap', { ...meta, immutable: opt(b(4)), data: smap(2), binaryData: map(3, 'bytes') });
export const Secret: Message = message('Secret', { ...meta, immutable: opt(b(5)), data: map(2, 'bytes'), stringData: smap(4), type: s(3) });

export const ObjectReference: Message = message('ObjectReference', {
  kind: s(1),
  namespace: s(2),
  name: s(3),
  uid: s(4),
  apiVersion: s(5),
  resourceVersion: s(6),
  fieldPath: s(7),
});
const EventSource: Message = message('EventSource', { component: s(1), host: s(2) });
const EventSeries: Message = message('EventSeries', { count: i32(1), lastObservedTime: microTime(2) });
export const Event: Message = message('Event', {
  ...meta,
  involvedObject: m(2, () => ObjectReference),
  reason: s(3),
  message: s(4),
  source: m(5, () => EventSource),
  firstTimestamp: time(6),
  lastTimestamp: time(7),
  count: i32(8),
  type: s(9),
  eventTime: microTime(10),
  series: m(11, () => EventSeries),
  action: s(12),
  related: m(13, () => ObjectReference),
  reportingComponent: s(14),
  reportingInstance: s(15),
});

const RollingUpdateDaemonSet: Message = message('RollingUpdateDaemonSet', { maxUnavailable: ios(1), maxSurge: ios(2) });
const DaemonSetUpdateStrategy: Message = message('DaemonSetUpdateStrategy', { type: s(1), rollingUpdate: m(2, () => RollingUpdateDaemonSet) });
const DaemonSetSpec: Message = message('DaemonSetSpec', {
  selector: m(1, () => LabelSelector),
  template: m(2, () => PodTemplateSpec),
  updateStrategy: m(3, () => DaemonSetUpdateStrategy),
  minReadySeconds: i32(4),
  revisionHistoryLimit: opt(i32(6)),
});
const DaemonSetCondition: Message = message('DaemonSetCondition', {
  type: s(1),
  status: s(2),
  lastTransitionTime: time(3),
  reason: s(4),
  message: s(5),
});
const DaemonSetStatus: Message = message('DaemonSetStatus', {
  currentNumberScheduled: opt(i32(1)),
  numberMisscheduled: opt(i32(2)),
  desiredNumberScheduled: opt(i32(3)),
  numberReady: opt(i32(4)),
  observedGeneration: i64(5),
  updatedNumberScheduled: i32(6),
  numberAvailable: i32(7),
  numberUnavailable: i32(8),
  collisionCount: opt(i32(9)),
  conditions: ms(10, () => DaemonSetCondition),
});
export const DaemonSet: Message = message('DaemonSet', { ...meta, spec: m(2, () => DaemonSetSpec), status: m(3, () => DaemonSetStatus) });

export const ControllerRevision: Message = message('ControllerRevision', { ...meta, data: raw(2), revision: opt(i64(3)) });

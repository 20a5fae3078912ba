/** core/v1 Pod, PodSpec, PodStatus and volumes (field numbers from k8s.io/api core/v1 generated.proto). */
import {
  Container,
  ContainerStatus,
  EphemeralContainer,
  LocalObjectReference,
  ResourceRequirements,
  SELinuxOptions,
  SecurityProfile,
  WindowsSecurityContextOptions,
} from './container-messages.js';
import { b, i32, i64, i64s, inline, m, message, ms, opt, qmap, qty, s, smap, ss, time, type Message } from './dsl.js';
import { LabelSelector, ObjectMeta } from './meta-messages.js';

const KeyToPath: Message = message('KeyToPath', { key: s(1), path: s(2), mode: opt(i32(3)) });
const HostPathVolumeSource: Message = message('HostPathVolumeSource', { path: s(1), type: opt(s(2)) });
const EmptyDirVolumeSource: Message = message('EmptyDirVolumeSource', { medium: s(1), sizeLimit: qty(2) });
const SecretVolumeSource: Message = message('SecretVolumeSource', {
  secretName: s(1),
  items: ms(2, () => KeyToPath),
  defaultMode: opt(i32(3)),
  optional: opt(b(4)),
});
const ConfigMapVolumeSource: Message = message('ConfigMapVolumeSource', {
  '~ref': inline(1, () => LocalObjectReference),
  items: ms(2, () => KeyToPath),
  defaultMode: opt(i32(3)),
  optional: opt(b(4)),
});
/** Only the sources a device runs; the others are refused (by number on decode, by name on encode). */
const VolumeSource: Message = message('VolumeSource', {
  hostPath: m(1, () => HostPathVolumeSource),
  emptyDir: m(2, () => EmptyDirVolumeSource),
  secret: m(6, () => SecretVolumeSource),
  configMap: m(19, () => ConfigMapVolumeSource),
});
const Volume: Message = message('Volume', { name: s(1), '~source': inline(2, () => VolumeSource) });

const NodeSelectorRequirement: Message = message('NodeSelectorRequirement', { key: s(1), operator: s(2), values: ss(3) });
const NodeSelectorTerm: Message = message('NodeSelectorTerm', {
  matchExpressions: ms(1, () => NodeSelectorRequirement),
  matchFields: ms(2, () => NodeSelectorRequirement),
});
const NodeSelector: Message = message('NodeSelector', { nodeSelectorTerms: ms(1, () => NodeSelectorTerm) });
const PreferredSchedulingTerm: Message = message('PreferredSchedulingTerm', { weight: i32(1), preference: m(2, () => NodeSelectorTerm) });
const NodeAffinity: Message = message('NodeAffinity', {
  requiredDuringSchedulingIgnoredDuringExecution: m(1, () => NodeSelector),
  preferredDuringSchedulingIgnoredDuringExecution: ms(2, () => PreferredSchedulingTerm),
});
const PodAffinityTerm: Message = message('PodAffinityTerm', {
  labelSelector: m(1, () => LabelSelector),
  namespaces: ss(2),
  topologyKey: s(3),
  namespaceSelector: m(4, () => LabelSelector),
  matchLabelKeys: ss(5),
  mismatchLabelKeys: ss(6),
});
const WeightedPodAffinityTerm: Message = message('WeightedPodAffinityTerm', { weight: i32(1), podAffinityTerm: m(2, () => PodAffinityTerm) });
const PodAffinity: Message = message('PodAffinity', {
  requiredDuringSchedulingIgnoredDuringExecution: ms(1, () => PodAffinityTerm),
  preferredDuringSchedulingIgnoredDuringExecution: ms(2, () => WeightedPodAffinityTerm),
});
const Affinity: Message = message('Affinity', {
  nodeAffinity: m(1, () => NodeAffinity),
  podAffinity: m(2, () => PodAffinity),
  podAntiAffinity: m(3, () => PodAffinity),
});

const Toleration: Message = message('Toleration', { key: s(1), operator: s(2), value: s(3), effect: s(4), tolerationSeconds: opt(i64(5)) });
const Sysctl: Message = message('Sysctl', { name: s(1), value: s(2) });
const PodSecurityContext: Message = message('PodSecurityContext', {
  seLinuxOptions: m(1, () => SELinuxOptions),
  windowsOptions: m(8, () => WindowsSecurityContextOptions),
  runAsUser: opt(i64(2)),
  runAsGroup: opt(i64(6)),
  runAsNonRoot: opt(b(3)),
  supplementalGroups: i64s(4),
  supplementalGroupsPolicy: opt(s(12)),
  fsGroup: opt(i64(5)),
  sysctls: ms(7, () => Sysctl),
  fsGroupChangePolicy: opt(s(9)),
  seccompProfile: m(10, () => SecurityProfile),
  appArmorProfile: m(11, () => SecurityProfile),
  seLinuxChangePolicy: opt(s(13)),
});
const HostAlias: Message = message('HostAlias', { ip: s(1), hostnames: ss(2) });
const PodDNSConfigOption: Message = message('PodDNSConfigOption', { name: s(1), value: opt(s(2)) });
const PodDNSConfig: Message = message('PodDNSConfig', { nameservers: ss(1), searches: ss(2), options: ms(3, () => PodDNSConfigOption) });
const PodReadinessGate: Message = message('PodReadinessGate', { conditionType: s(1) });
const TopologySpreadConstraint: Message = message('TopologySpreadConstraint', {
  maxSkew: i32(1),
  topologyKey: s(2),
  whenUnsatisfiable: s(3),
  labelSelector: m(4, () => LabelSelector),
  minDomains: opt(i32(5)),
  nodeAffinityPolicy: opt(s(6)),
  nodeTaintsPolicy: opt(s(7)),
  matchLabelKeys: ss(8),
});
const Named: Message = message('Named', { name: s(1) });
const PodResourceClaim: Message = message('PodResourceClaim', { name: s(1), resourceClaimName: opt(s(3)), resourceClaimTemplateName: opt(s(4)) });

export const PodSpec: Message = message('PodSpec', {
  volumes: ms(1, () => Volume),
  initContainers: ms(20, () => Container),
  containers: ms(2, () => Container),
  ephemeralContainers: ms(34, () => EphemeralContainer),
  restartPolicy: s(3),
  terminationGracePeriodSeconds: opt(i64(4)),
  activeDeadlineSeconds: opt(i64(5)),
  dnsPolicy: s(6),
  nodeSelector: smap(7),
  serviceAccountName: s(8),
  serviceAccount: s(9),
  automountServiceAccountToken: opt(b(21)),
  nodeName: s(10),
  hostNetwork: b(11),
  hostPID: b(12),
  hostIPC: b(13),
  shareProcessNamespace: opt(b(27)),
  securityContext: m(14, () => PodSecurityContext),
  imagePullSecrets: ms(15, () => LocalObjectReference),
  hostname: s(16),
  subdomain: s(17),
  affinity: m(18, () => Affinity),
  schedulerName: s(19),
  tolerations: ms(22, () => Toleration),
  hostAliases: ms(23, () => HostAlias),
  priorityClassName: s(24),
  priority: opt(i32(25)),
  dnsConfig: m(26, () => PodDNSConfig),
  readinessGates: ms(28, () => PodReadinessGate),
  runtimeClassName: opt(s(29)),
  enableServiceLinks: opt(b(30)),
  preemptionPolicy: opt(s(31)),
  overhead: qmap(32),
  topologySpreadConstraints: ms(33, () => TopologySpreadConstraint),
  setHostnameAsFQDN: opt(b(35)),
  os: m(36, () => Named),
  hostUsers: opt(b(37)),
  schedulingGates: ms(38, () => Named),
  resourceClaims: ms(39, () => PodResourceClaim),
  resources: m(40, () => ResourceRequirements),
});

export const PodTemplateSpec: Message = message('PodTemplateSpec', { metadata: m(1, () => ObjectMeta), spec: m(2, () => PodSpec) });

const PodCondition: Message = message('PodCondition', {
  type: s(1),
  observedGeneration: i64(7),
  status: s(2),
  lastProbeTime: time(3),
  lastTransitionTime: time(4),
  reason: s(5),
  message: s(6),
});
const PodIP: Message = message('PodIP', { ip: s(1) });
const PodResourceClaimStatus: Message = message('PodResourceClaimStatus', { name: s(1), resourceClaimName: opt(s(2)) });

const PodStatus: Message = message('PodStatus', {
  observedGeneration: i64(17),
  phase: s(1),
  conditions: ms(2, () => PodCondition),
  message: s(3),
  reason: s(4),
  nominatedNodeName: s(11),
  hostIP: s(5),
  hostIPs: ms(16, () => PodIP),
  podIP: s(6),
  podIPs: ms(12, () => PodIP),
  startTime: time(7),
  initContainerStatuses: ms(10, () => ContainerStatus),
  containerStatuses: ms(8, () => ContainerStatus),
  qosClass: s(9),
  ephemeralContainerStatuses: ms(13, () => ContainerStatus),
  resize: s(14),
  resourceClaimStatuses: ms(15, () => PodResourceClaimStatus),
});

export const Pod: Message = message('Pod', { metadata: m(1, () => ObjectMeta), spec: m(2, () => PodSpec), status: m(3, () => PodStatus) });

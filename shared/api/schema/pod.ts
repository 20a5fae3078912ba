/** core/v1 Pod, PodSpec and PodStatus (Kubernetes v1.32). */
import { bool, fields, int, ints, list, resourceList, str, strMap, strs, time } from './dsl.js';
import { Container, ContainerStatus, EphemeralContainer, ResourceRequirements, SELinuxOptions, SecurityProfile, WindowsSecurityContextOptions } from './container.js';
import { LabelSelector, LocalObjectReference, ObjectMeta } from './meta.js';
import { Volume } from './volume.js';

const NodeSelectorRequirement = fields({ key: str, operator: str, values: strs });
const NodeSelectorTerm = fields({ matchExpressions: list(NodeSelectorRequirement), matchFields: list(NodeSelectorRequirement) });

const PodAffinityTerm = fields({
  labelSelector: LabelSelector,
  namespaces: strs,
  topologyKey: str,
  namespaceSelector: LabelSelector,
  matchLabelKeys: strs,
  mismatchLabelKeys: strs,
});

const PodAffinity = fields({
  requiredDuringSchedulingIgnoredDuringExecution: list(PodAffinityTerm),
  preferredDuringSchedulingIgnoredDuringExecution: list(fields({ weight: int, podAffinityTerm: PodAffinityTerm })),
});

const Affinity = fields({
  nodeAffinity: fields({
    requiredDuringSchedulingIgnoredDuringExecution: fields({ nodeSelectorTerms: list(NodeSelectorTerm) }),
    preferredDuringSchedulingIgnoredDuringExecution: list(fields({ weight: int, preference: NodeSelectorTerm })),
  }),
  podAffinity: PodAffinity,
  podAntiAffinity: PodAffinity,
});

const Toleration = fields({ key: str, operator: str, value: str, effect: str, tolerationSeconds: int });

const TopologySpreadConstraint = fields({
  maxSkew: int,
  topologyKey: str,
  whenUnsatisfiable: str,
  labelSelector: LabelSelector,
  minDomains: int,
  nodeAffinityPolicy: str,
  nodeTaintsPolicy: str,
  matchLabelKeys: strs,
});

const PodSecurityContext = fields({
  seLinuxOptions: SELinuxOptions,
  windowsOptions: WindowsSecurityContextOptions,
  runAsUser: int,
  runAsGroup: int,
  runAsNonRoot: bool,
  supplementalGroups: ints,
  supplementalGroupsPolicy: str,
  fsGroup: int,
  sysctls: list(fields({ name: str, value: str })),
  fsGroupChangePolicy: str,
  seccompProfile: SecurityProfile,
  appArmorProfile: SecurityProfile,
  seLinuxChangePolicy: str,
});

const PodDNSConfig = fields({ nameservers: strs, searches: strs, options: list(fields({ name: str, value: str })) });

export const PodSpec = fields({
  volumes: list(Volume),
  initContainers: list(Container),
  containers: list(Container),
  ephemeralContainers: list(EphemeralContainer),
  restartPolicy: str,
  terminationGracePeriodSeconds: int,
  activeDeadlineSeconds: int,
  dnsPolicy: str,
  nodeSelector: strMap,
  serviceAccountName: str,
  serviceAccount: str,
  automountServiceAccountToken: bool,
  nodeName: str,
  hostNetwork: bool,
  hostPID: bool,
  hostIPC: bool,
  shareProcessNamespace: bool,
  securityContext: PodSecurityContext,
  imagePullSecrets: list(LocalObjectReference),
  hostname: str,
  subdomain: str,
  affinity: Affinity,
  schedulerName: str,
  tolerations: list(Toleration),
  hostAliases: list(fields({ ip: str, hostnames: strs })),
  priorityClassName: str,
  priority: int,
  dnsConfig: PodDNSConfig,
  readinessGates: list(fields({ conditionType: str })),
  runtimeClassName: str,
  enableServiceLinks: bool,
  preemptionPolicy: str,
  overhead: resourceList,
  topologySpreadConstraints: list(TopologySpreadConstraint),
  setHostnameAsFQDN: bool,
  os: fields({ name: str }),
  hostUsers: bool,
  schedulingGates: list(fields({ name: str })),
  resourceClaims: list(fields({ name: str, resourceClaimName: str, resourceClaimTemplateName: str })),
  resources: ResourceRequirements,
});

export const PodTemplateSpec = fields({ metadata: ObjectMeta, spec: PodSpec });

const PodIP = fields({ ip: str });

const PodStatus = fields({
  phase: str,
  conditions: list(fields({ type: str, status: str, lastProbeTime: time, lastTransitionTime: time, reason: str, message: str })),
  message: str,
  reason: str,
  nominatedNodeName: str,
  hostIP: str,
  hostIPs: list(PodIP),
  podIP: str,
  podIPs: list(PodIP),
  startTime: time,
  initContainerStatuses: list(ContainerStatus),
  containerStatuses: list(ContainerStatus),
  qosClass: str,
  ephemeralContainerStatuses: list(ContainerStatus),
  resize: str,
  resourceClaimStatuses: list(fields({ name: str, resourceClaimName: str })),
});

export const Pod = fields({ apiVersion: str, kind: str, metadata: ObjectMeta, spec: PodSpec, status: PodStatus });

/** core/v1 Container and what it holds, except probes (handlers.ts) and security (security.ts). */
import type { Lifecycle, Probe } from './handlers.js';
import type { ResourceList } from './meta.js';
import type { SecurityContext } from './security.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type TerminationMessagePolicy = 'File' | 'FallbackToLogsOnError';
export type MountPropagationMode = 'None' | 'HostToContainer' | 'Bidirectional';

export interface ContainerPort {
  name?: string;
  /** 0 or absent: not exposed on the host (with hostNetwork, defaulted to containerPort). */
  hostPort?: number;
  containerPort: number;
  /** Defaulted to TCP. */
  protocol?: Protocol;
  hostIP?: string;
}

/** A pod field a container reads (`metadata.name`, `spec.nodeName`, `metadata.labels['x']`, …). */
export interface ObjectFieldSelector {
  apiVersion?: string;
  fieldPath: string;
}

export interface ResourceFieldSelector {
  containerName?: string;
  /** `limits.cpu`, `requests.memory`, … */
  resource: string;
  divisor?: string | number;
}

/** configMapKeyRef and secretKeyRef. */
export interface KeySelector {
  name: string;
  key: string;
  optional?: boolean;
}

/** Exactly one source is set. */
export interface EnvVarSource {
  fieldRef?: ObjectFieldSelector;
  resourceFieldRef?: ResourceFieldSelector;
  configMapKeyRef?: KeySelector;
  secretKeyRef?: KeySelector;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: EnvVarSource;
}

/** configMapRef and secretRef of envFrom. */
export interface EnvSource {
  name: string;
  optional?: boolean;
}

/** Exactly one of configMapRef and secretRef is set. */
export interface EnvFromSource {
  prefix?: string;
  configMapRef?: EnvSource;
  secretRef?: EnvSource;
}

export interface ResourceClaim {
  name?: string;
  request?: string;
}

export interface ResourceRequirements {
  limits?: ResourceList;
  /** Defaulted from limits for every resource with a limit and no request. */
  requests?: ResourceList;
  claims?: ResourceClaim[];
}

export interface VolumeMount {
  name: string;
  readOnly?: boolean;
  recursiveReadOnly?: string;
  mountPath: string;
  /** Relative, no `..`. */
  subPath?: string;
  mountPropagation?: MountPropagationMode;
  subPathExpr?: string;
}

export interface ContainerResizePolicy {
  resourceName?: string;
  restartPolicy?: string;
}

/** Validation refuses raw block devices; the type is here for completeness. */
export interface VolumeDevice {
  name?: string;
  devicePath?: string;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  ports?: ContainerPort[];
  envFrom?: EnvFromSource[];
  env?: EnvVar[];
  resources?: ResourceRequirements;
  resizePolicy?: ContainerResizePolicy[];
  /** Init containers only: `Always` makes a sidecar. */
  restartPolicy?: 'Always';
  volumeMounts?: VolumeMount[];
  volumeDevices?: VolumeDevice[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: Lifecycle;
  /** Defaulted to /dev/termination-log. */
  terminationMessagePath?: string;
  /** Defaulted to File. */
  terminationMessagePolicy?: TerminationMessagePolicy;
  /** Defaulted from the image's tag: Always for latest, else IfNotPresent. */
  imagePullPolicy?: PullPolicy;
  securityContext?: SecurityContext;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
}

export interface EphemeralContainer extends Container {
  targetContainerName?: string;
}

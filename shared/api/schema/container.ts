/** core/v1 Container, EphemeralContainer and what they hold (Kubernetes v1.32). */
import type { FieldList } from './dsl.js';
import { bool, fields, int, intOrStr, ints, list, quantity, resourceList, str, strs, time } from './dsl.js';

const KeySelector = fields({ name: str, key: str, optional: bool });
export const ObjectFieldSelector = fields({ apiVersion: str, fieldPath: str });
export const ResourceFieldSelector = fields({ containerName: str, resource: str, divisor: quantity });

const EnvVar = fields({
  name: str,
  value: str,
  valueFrom: fields({
    fieldRef: ObjectFieldSelector,
    resourceFieldRef: ResourceFieldSelector,
    configMapKeyRef: KeySelector,
    secretKeyRef: KeySelector,
  }),
});

const EnvSource = fields({ name: str, optional: bool });
const EnvFromSource = fields({ prefix: str, configMapRef: EnvSource, secretRef: EnvSource });

const ContainerPort = fields({ name: str, hostPort: int, containerPort: int, protocol: str, hostIP: str });

export const ResourceRequirements = fields({
  limits: resourceList,
  requests: resourceList,
  claims: list(fields({ name: str, request: str })),
});

const VolumeMount = fields({
  name: str,
  readOnly: bool,
  recursiveReadOnly: str,
  mountPath: str,
  subPath: str,
  mountPropagation: str,
  subPathExpr: str,
});

const ExecAction = fields({ command: strs });
const HTTPGetAction = fields({
  path: str,
  port: intOrStr,
  host: str,
  scheme: str,
  httpHeaders: list(fields({ name: str, value: str })),
});
const TCPSocketAction = fields({ port: intOrStr, host: str });
const GRPCAction = fields({ port: int, service: str });

const Probe = fields({
  exec: ExecAction,
  httpGet: HTTPGetAction,
  tcpSocket: TCPSocketAction,
  grpc: GRPCAction,
  initialDelaySeconds: int,
  timeoutSeconds: int,
  periodSeconds: int,
  successThreshold: int,
  failureThreshold: int,
  terminationGracePeriodSeconds: int,
});

const LifecycleHandler = fields({ exec: ExecAction, httpGet: HTTPGetAction, tcpSocket: TCPSocketAction, sleep: fields({ seconds: int }) });

export const SELinuxOptions = fields({ user: str, role: str, type: str, level: str });
export const WindowsSecurityContextOptions = fields({
  gmsaCredentialSpecName: str,
  gmsaCredentialSpec: str,
  runAsUserName: str,
  hostProcess: bool,
});
/** SeccompProfile and AppArmorProfile. */
export const SecurityProfile = fields({ type: str, localhostProfile: str });

const SecurityContext = fields({
  capabilities: fields({ add: strs, drop: strs }),
  privileged: bool,
  seLinuxOptions: SELinuxOptions,
  windowsOptions: WindowsSecurityContextOptions,
  runAsUser: int,
  runAsGroup: int,
  runAsNonRoot: bool,
  readOnlyRootFilesystem: bool,
  allowPrivilegeEscalation: bool,
  procMount: str,
  seccompProfile: SecurityProfile,
  appArmorProfile: SecurityProfile,
});

const containerFields: FieldList = {
  name: str,
  image: str,
  command: strs,
  args: strs,
  workingDir: str,
  ports: list(ContainerPort),
  envFrom: list(EnvFromSource),
  env: list(EnvVar),
  resources: ResourceRequirements,
  resizePolicy: list(fields({ resourceName: str, restartPolicy: str })),
  restartPolicy: str,
  volumeMounts: list(VolumeMount),
  volumeDevices: list(fields({ name: str, devicePath: str })),
  livenessProbe: Probe,
  readinessProbe: Probe,
  startupProbe: Probe,
  lifecycle: fields({ postStart: LifecycleHandler, preStop: LifecycleHandler }),
  terminationMessagePath: str,
  terminationMessagePolicy: str,
  imagePullPolicy: str,
  securityContext: SecurityContext,
  stdin: bool,
  stdinOnce: bool,
  tty: bool,
};

/** Containers and init containers. */
export const Container = fields(containerFields);
export const EphemeralContainer = fields({ ...containerFields, targetContainerName: str });

const ContainerState = fields({
  waiting: fields({ reason: str, message: str }),
  running: fields({ startedAt: time }),
  terminated: fields({
    exitCode: int,
    signal: int,
    reason: str,
    message: str,
    startedAt: time,
    finishedAt: time,
    containerID: str,
  }),
});

export const ContainerStatus = fields({
  name: str,
  state: ContainerState,
  lastState: ContainerState,
  ready: bool,
  restartCount: int,
  image: str,
  imageID: str,
  containerID: str,
  started: bool,
  allocatedResources: resourceList,
  resources: ResourceRequirements,
  volumeMounts: list(fields({ name: str, mountPath: str, readOnly: bool, recursiveReadOnly: str })),
  user: fields({ linux: fields({ uid: int, gid: int, supplementalGroups: ints }) }),
  allocatedResourcesStatus: list(fields({ name: str, resources: list(fields({ resourceID: str, health: str })) })),
});

/** core/v1 Container and what it holds (field numbers from k8s.io/api core/v1 generated.proto). */
import { b, i32, i64, i64s, inline, ios, m, message, ms, opt, qmap, qty, s, ss, time, type Message } from './dsl.js';

export const LocalObjectReference: Message = message('LocalObjectReference', { name: s(1) });

const KeySelector = (name: string): Message =>
  message(name, { '~ref': inline(1, () => LocalObjectReference), key: s(2), optional: opt(b(3)) });
const EnvSource = (name: string): Message => message(name, { '~ref': inline(1, () => LocalObjectReference), optional: opt(b(2)) });

const ObjectFieldSelector: Message = message('ObjectFieldSelector', { apiVersion: s(1), fieldPath: s(2) });
const ResourceFieldSelector: Message = message('ResourceFieldSelector', { containerName: s(1), resource: s(2), divisor: qty(3) });
const ConfigMapKeySelector = KeySelector('ConfigMapKeySelector');
const SecretKeySelector = KeySelector('SecretKeySelector');

const EnvVarSource: Message = message('EnvVarSource', {
  fieldRef: m(1, () => ObjectFieldSelector),
  resourceFieldRef: m(2, () => ResourceFieldSelector),
  configMapKeyRef: m(3, () => ConfigMapKeySelector),
  secretKeyRef: m(4, () => SecretKeySelector),
});
const EnvVar: Message = message('EnvVar', { name: s(1), value: s(2), valueFrom: m(3, () => EnvVarSource) });
const ConfigMapEnvSource = EnvSource('ConfigMapEnvSource');
const SecretEnvSource = EnvSource('SecretEnvSource');
const EnvFromSource: Message = message('EnvFromSource', {
  prefix: s(1),
  configMapRef: m(2, () => ConfigMapEnvSource),
  secretRef: m(3, () => SecretEnvSource),
});

const ContainerPort: Message = message('ContainerPort', { name: s(1), hostPort: i32(2), containerPort: opt(i32(3)), protocol: s(4), hostIP: s(5) });
const ResourceClaim: Message = message('ResourceClaim', { name: s(1), request: s(2) });
export const ResourceRequirements: Message = message('ResourceRequirements', {
  limits: qmap(1),
  requests: qmap(2),
  claims: ms(3, () => ResourceClaim),
});
const ContainerResizePolicy: Message = message('ContainerResizePolicy', { resourceName: s(1), restartPolicy: s(2) });
const VolumeMount: Message = message('VolumeMount', {
  name: s(1),
  readOnly: b(2),
  recursiveReadOnly: opt(s(7)),
  mountPath: s(3),
  subPath: s(4),
  mountPropagation: opt(s(5)),
  subPathExpr: s(6),
});
const VolumeDevice: Message = message('VolumeDevice', { name: s(1), devicePath: s(2) });

const ExecAction: Message = message('ExecAction', { command: ss(1) });
const HTTPHeader: Message = message('HTTPHeader', { name: s(1), value: s(2) });
const HTTPGetAction: Message = message('HTTPGetAction', {
  path: s(1),
  port: ios(2),
  host: s(3),
  scheme: s(4),
  httpHeaders: ms(5, () => HTTPHeader),
});
const TCPSocketAction: Message = message('TCPSocketAction', { port: ios(1), host: s(2) });
const GRPCAction: Message = message('GRPCAction', { port: opt(i32(1)), service: opt(s(2)) });
const SleepAction: Message = message('SleepAction', { seconds: opt(i64(1)) });
const ProbeHandler: Message = message('ProbeHandler', {
  exec: m(1, () => ExecAction),
  httpGet: m(2, () => HTTPGetAction),
  tcpSocket: m(3, () => TCPSocketAction),
  grpc: m(4, () => GRPCAction),
});
const Probe: Message = message('Probe', {
  '~handler': inline(1, () => ProbeHandler),
  initialDelaySeconds: i32(2),
  timeoutSeconds: i32(3),
  periodSeconds: i32(4),
  successThreshold: i32(5),
  failureThreshold: i32(6),
  terminationGracePeriodSeconds: opt(i64(7)),
});
const LifecycleHandler: Message = message('LifecycleHandler', {
  exec: m(1, () => ExecAction),
  httpGet: m(2, () => HTTPGetAction),
  tcpSocket: m(3, () => TCPSocketAction),
  sleep: m(4, () => SleepAction),
});
const Lifecycle: Message = message('Lifecycle', {
  postStart: m(1, () => LifecycleHandler),
  preStop: m(2, () => LifecycleHandler),
  stopSignal: opt(s(3)),
});

export const SELinuxOptions: Message = message('SELinuxOptions', { user: s(1), role: s(2), type: s(3), level: s(4) });
export const WindowsSecurityContextOptions: Message = message('WindowsSecurityContextOptions', {
  gmsaCredentialSpecName: opt(s(1)),
  gmsaCredentialSpec: opt(s(2)),
  runAsUserName: opt(s(3)),
  hostProcess: opt(b(4)),
});
/** SeccompProfile and AppArmorProfile share their shape. */
export const SecurityProfile: Message = message('SecurityProfile', { type: s(1), localhostProfile: opt(s(2)) });
const Capabilities: Message = message('Capabilities', { add: ss(1), drop: ss(2) });
const SecurityContext: Message = message('SecurityContext', {
  capabilities: m(1, () => Capabilities),
  privileged: opt(b(2)),
  seLinuxOptions: m(3, () => SELinuxOptions),
  windowsOptions: m(10, () => WindowsSecurityContextOptions),
  runAsUser: opt(i64(4)),
  runAsGroup: opt(i64(8)),
  runAsNonRoot: opt(b(5)),
  readOnlyRootFilesystem: opt(b(6)),
  allowPrivilegeEscalation: opt(b(7)),
  procMount: opt(s(9)),
  seccompProfile: m(11, () => SecurityProfile),
  appArmorProfile: m(12, () => SecurityProfile),
});

const containerFields = {
  name: s(1),
  image: s(2),
  command: ss(3),
  args: ss(4),
  workingDir: s(5),
  ports: ms(6, () => ContainerPort),
  envFrom: ms(19, () => EnvFromSource),
  env: ms(7, () => EnvVar),
  resources: m(8, () => ResourceRequirements),
  resizePolicy: ms(23, () => ContainerResizePolicy),
  restartPolicy: opt(s(24)),
  volumeMounts: ms(9, () => VolumeMount),
  volumeDevices: ms(21, () => VolumeDevice),
  livenessProbe: m(10, () => Probe),
  readinessProbe: m(11, () => Probe),
  startupProbe: m(22, () => Probe),
  lifecycle: m(12, () => Lifecycle),
  terminationMessagePath: s(13),
  terminationMessagePolicy: s(20),
  imagePullPolicy: s(14),
  securityContext: m(15, () => SecurityContext),
  stdin: b(16),
  stdinOnce: b(17),
  tty: b(18),
};

export const Container: Message = message('Container', containerFields);
const EphemeralContainerCommon: Message = message('EphemeralContainerCommon', containerFields);
export const EphemeralContainer: Message = message('EphemeralContainer', {
  '~common': inline(1, () => EphemeralContainerCommon),
  targetContainerName: s(2),
});

const ContainerStateWaiting: Message = message('ContainerStateWaiting', { reason: s(1), message: s(2) });
const ContainerStateRunning: Message = message('ContainerStateRunning', { startedAt: time(1) });
const ContainerStateTerminated: Message = message('ContainerStateTerminated', {
  exitCode: opt(i32(1)),
  signal: i32(2),
  reason: s(3),
  message: s(4),
  startedAt: time(5),
  finishedAt: time(6),
  containerID: s(7),
});
const ContainerState: Message = message('ContainerState', {
  waiting: m(1, () => ContainerStateWaiting),
  running: m(2, () => ContainerStateRunning),
  terminated: m(3, () => ContainerStateTerminated),
});
const VolumeMountStatus: Message = message('VolumeMountStatus', { name: s(1), mountPath: s(2), readOnly: b(3), recursiveReadOnly: opt(s(4)) });
const LinuxContainerUser: Message = message('LinuxContainerUser', { uid: opt(i64(1)), gid: opt(i64(2)), supplementalGroups: i64s(3) });
const ContainerUser: Message = message('ContainerUser', { linux: m(1, () => LinuxContainerUser) });
const ResourceHealth: Message = message('ResourceHealth', { resourceID: s(1), health: s(2) });
const ResourceStatus: Message = message('ResourceStatus', { name: s(1), resources: ms(2, () => ResourceHealth) });

export const ContainerStatus: Message = message('ContainerStatus', {
  name: s(1),
  state: m(2, () => ContainerState),
  lastState: m(3, () => ContainerState),
  ready: opt(b(4)),
  restartCount: opt(i32(5)),
  image: s(6),
  imageID: s(7),
  containerID: s(8),
  started: opt(b(9)),
  allocatedResources: qmap(10),
  resources: m(11, () => ResourceRequirements),
  volumeMounts: ms(12, () => VolumeMountStatus),
  user: m(13, () => ContainerUser),
  allocatedResourcesStatus: ms(14, () => ResourceStatus),
});

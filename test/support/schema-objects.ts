// Valid objects of every served kind, as users and kubelets write them, for the schema tests.
import type { JsonObject } from '../../shared/util/guards.js';

export function pod(): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'sensor-reader',
      namespace: 'edge',
      labels: { app: 'sensor-reader' },
      annotations: { 'example.com/owner': 'team-iot' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'reader', uid: 'u1', controller: true, blockOwnerDeletion: true }],
      managedFields: [
        { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2025-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:anything': {} } } },
      ],
      finalizers: ['example.com/keep'],
    },
    spec: {
      nodeName: 'pi-kitchen',
      restartPolicy: 'OnFailure',
      terminationGracePeriodSeconds: 10,
      nodeSelector: { 'kubernetes.io/arch': 'arm64' },
      hostNetwork: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      dnsConfig: { nameservers: ['1.1.1.1'], searches: ['lan'], options: [{ name: 'ndots', value: '2' }] },
      hostAliases: [{ ip: '10.0.0.1', hostnames: ['hub.lan'] }],
      imagePullSecrets: [{ name: 'registry' }],
      tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, supplementalGroups: [20], sysctls: [{ name: 'net.ipv4.ping_group_range', value: '0 1' }], seccompProfile: { type: 'RuntimeDefault' } },
      overhead: { cpu: '10m' },
      readinessGates: [{ conditionType: 'example.com/ready' }],
      schedulingGates: [{ name: 'example.com/wait' }],
      os: { name: 'linux' },
      hostUsers: false,
      resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 'gpu-template' }],
      initContainers: [{ name: 'wait', image: 'busybox:1.36', command: ['sh', '-c', 'true'], restartPolicy: 'Always', startupProbe: { grpc: { port: 9000, service: 'health' } } }],
      ephemeralContainers: [{ name: 'debug', image: 'busybox:1.36', targetContainerName: 'reader', stdin: true, tty: true }],
      containers: [
        {
          name: 'reader',
          image: 'registry.lan/reader:1.2',
          imagePullPolicy: 'IfNotPresent',
          args: ['--bus', '/dev/i2c-1'],
          workingDir: '/app',
          ports: [{ name: 'http', containerPort: 8080, hostPort: 8080, protocol: 'TCP', hostIP: '0.0.0.0' }],
          env: [
            { name: 'MODE', value: 'edge' },
            { name: 'NODE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
            { name: 'MEM', valueFrom: { resourceFieldRef: { containerName: 'reader', resource: 'limits.memory', divisor: '1Mi' } } },
            { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'level', optional: true } } },
            { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
          ],
          envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'cfg' } }, { secretRef: { name: 'creds', optional: false } }],
          resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m' } },
          volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: false, subPath: 'reader', mountPropagation: 'None' }],
          livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: '1' }] }, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 3 },
          readinessProbe: { tcpSocket: { port: 8080 }, timeoutSeconds: 1, successThreshold: 1 },
          lifecycle: { postStart: { exec: { command: ['true'] } }, preStop: { sleep: { seconds: 5 } } },
          securityContext: { privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { add: ['NET_RAW'], drop: ['ALL'] } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'FallbackToLogsOnError',
        },
      ],
      volumes: [
        { name: 'data', hostPath: { path: '/var/lib/reader', type: 'DirectoryOrCreate' } },
        { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'level', path: 'level.txt', mode: 0o644 }], defaultMode: 0o444, optional: true } },
        { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
        { name: 'claim', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
      ],
    },
    status: {
      phase: 'Running',
      hostIP: '192.168.1.20',
      hostIPs: [{ ip: '192.168.1.20' }],
      podIP: '192.168.1.20',
      podIPs: [{ ip: '192.168.1.20' }],
      startTime: '2025-01-01T00:00:00Z',
      qosClass: 'Burstable',
      conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-01-01T00:00:05Z' }],
      containerStatuses: [
        {
          name: 'reader',
          ready: true,
          started: true,
          restartCount: 1,
          image: 'registry.lan/reader:1.2',
          imageID: 'registry.lan/reader@sha256:abc',
          containerID: 'containerd://abc',
          state: { running: { startedAt: '2025-01-01T00:00:04Z' } },
          lastState: { terminated: { exitCode: 137, signal: 9, reason: 'OOMKilled', startedAt: '2025-01-01T00:00:01Z', finishedAt: '2025-01-01T00:00:03Z', containerID: 'containerd://old' } },
          volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: false }],
          user: { linux: { uid: 1000, gid: 1000, supplementalGroups: [20] } },
        },
      ],
    },
  };
}

export function daemonSet(): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'collector', namespace: 'edge', labels: { app: 'collector' } },
    spec: {
      selector: { matchLabels: { app: 'collector' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['edge'] }] },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 0 } },
      minReadySeconds: 5,
      revisionHistoryLimit: 3,
      template: {
        metadata: { labels: { app: 'collector', tier: 'edge' }, annotations: { 'example.com/rev': '3' } },
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] }] },
              preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['pi-old'] }] } }],
            },
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 1, podAffinityTerm: { labelSelector: { matchLabels: { app: 'collector' } }, topologyKey: 'kubernetes.io/hostname', namespaces: ['edge'] } },
              ],
            },
          },
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'collector' } }, matchLabelKeys: ['pod-template-hash'] }],
          securityContext: { runAsNonRoot: true, fsGroupChangePolicy: 'OnRootMismatch', seLinuxOptions: { level: 's0:c1' }, appArmorProfile: { type: 'RuntimeDefault' } },
          priorityClassName: 'system-node-critical',
          containers: [
            {
              name: 'main',
              image: 'collector:2',
              livenessProbe: { exec: { command: ['cat', '/tmp/ok'] }, terminationGracePeriodSeconds: 5 },
              startupProbe: { httpGet: { port: 8080, path: '/' }, failureThreshold: 30 },
              securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' }, windowsOptions: { hostProcess: false } },
              resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
              resources: { limits: { memory: '64Mi' }, claims: [{ name: 'gpu', request: 'one' }] },
              volumeMounts: [{ name: 'logs', mountPath: '/var/log/host', readOnly: true, recursiveReadOnly: 'IfPossible' }],
            },
          ],
          volumes: [{ name: 'logs', hostPath: { path: '/var/log' } }, { name: 'proj', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }],
        },
      },
    },
    status: {
      currentNumberScheduled: 2,
      numberMisscheduled: 0,
      desiredNumberScheduled: 2,
      numberReady: 2,
      observedGeneration: 3,
      updatedNumberScheduled: 2,
      numberAvailable: 2,
      collisionCount: 0,
      conditions: [{ type: 'Progressing', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z', reason: 'r', message: 'm' }],
    },
  };
}

/** A node as a v1.32 kubelet reports it. */
export function node(): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'pi-kitchen', labels: { 'kubernetes.io/arch': 'arm64', 'kubernetes.io/os': 'linux' }, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: {
      podCIDR: '10.42.0.0/24',
      podCIDRs: ['10.42.0.0/24'],
      providerID: 'k3s://pi-kitchen',
      unschedulable: false,
      taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2025-01-01T00:00:00Z' }],
    },
    status: {
      capacity: { cpu: '4', memory: '3884360Ki', pods: '110', 'ephemeral-storage': '30000000Ki', 'hugepages-2Mi': '0' },
      allocatable: { cpu: '4', memory: '3884360Ki', pods: '110' },
      phase: 'Running',
      conditions: [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2025-01-01T00:00:00Z', lastTransitionTime: '2025-01-01T00:00:00Z', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
        { type: 'Ready', status: 'True', lastHeartbeatTime: '2025-01-01T00:00:00Z', lastTransitionTime: '2025-01-01T00:00:00Z', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      addresses: [{ type: 'InternalIP', address: '192.168.1.20' }, { type: 'Hostname', address: 'pi-kitchen' }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.6.31+rpt-rpi-v8', osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://1.7.23-k3s2', kubeletVersion: 'v1.32.4+k3s1', kubeProxyVersion: 'v1.32.4+k3s1',
        operatingSystem: 'linux', architecture: 'arm64',
      },
      images: [{ names: ['docker.io/library/busybox@sha256:abc', 'docker.io/library/busybox:1.36'], sizeBytes: 1850000 }],
      volumesInUse: ['kubernetes.io/csi/x'],
      volumesAttached: [{ name: 'kubernetes.io/csi/x', devicePath: '' }],
      config: { assigned: { configMap: { namespace: 'kube-system', name: 'kc', uid: 'u', resourceVersion: '1', kubeletConfigKey: 'kubelet' } }, error: '' },
      runtimeHandlers: [{ name: '', features: { recursiveReadOnlyMounts: true, userNamespaces: false } }, { name: 'runc', features: { recursiveReadOnlyMounts: true } }],
      features: { supplementalGroupsPolicy: true },
    },
  };
}

export function event(): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'collector-abc.17f', namespace: 'edge' },
    involvedObject: { kind: 'Pod', namespace: 'edge', name: 'collector-abc', uid: 'u', apiVersion: 'v1', resourceVersion: '12', fieldPath: 'spec.containers{main}' },
    reason: 'Pulled',
    message: 'Successfully pulled image',
    source: { component: 'kubelet', host: 'pi-kitchen' },
    firstTimestamp: '2025-01-01T00:00:00Z',
    lastTimestamp: '2025-01-01T00:01:00Z',
    count: 2,
    type: 'Normal',
    eventTime: null,
    series: { count: 2, lastObservedTime: '2025-01-01T00:01:00.000000Z' },
    action: 'Pull',
    related: { kind: 'Node', name: 'pi-kitchen' },
    reportingComponent: 'kubelet',
    reportingInstance: 'pi-kitchen',
  };
}

export function secret(): JsonObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, type: 'Opaque', immutable: true, data: { token: 'c2VjcmV0' }, stringData: { 'any.key': 'v' } };
}

export const VALID: [string, () => JsonObject][] = [
  ['Pod', pod],
  ['DaemonSet', daemonSet],
  ['Node', node],
  ['Event', event],
  ['Secret', secret],
  ['ConfigMap', () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' }, binaryData: { b: 'AA==' }, immutable: false })],
  ['Namespace', () => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active', conditions: [{ type: 'T', status: 'False' }] } })],
  ['ControllerRevision', () => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, data: { spec: { anything: 1 } }, revision: 2 })],
];

/** The object at a path inside a fixture, to edit it in place. */
export const at = (o: unknown, ...keys: (string | number)[]): JsonObject => {
  let v = o;
  for (const k of keys) v = (v as Record<string | number, unknown>)[k];
  return v as JsonObject;
};

import assert from 'node:assert/strict';
import { ApiError } from '../../shared/api/errors.js';
import { FieldValidator, parseFieldValidation, unknownFields, warningHeader } from '../../shared/api/schema/index.js';
import type { JsonObject } from '../../shared/util/guards.js';

// ------------------------------------------------------------------ valid objects, as users and kubelets write them

function pod(): JsonObject {
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

function daemonSet(): JsonObject {
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
function node(): JsonObject {
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

function event(): JsonObject {
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

function secret(): JsonObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, type: 'Opaque', immutable: true, data: { token: 'c2VjcmV0' }, stringData: { 'any.key': 'v' } };
}

const VALID: [string, () => JsonObject][] = [
  ['Pod', pod],
  ['DaemonSet', daemonSet],
  ['Node', node],
  ['Event', event],
  ['Secret', secret],
  ['ConfigMap', () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' }, binaryData: { b: 'AA==' }, immutable: false })],
  ['Namespace', () => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active', conditions: [{ type: 'T', status: 'False' }] } })],
  ['ControllerRevision', () => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, data: { spec: { anything: 1 } }, revision: 2 })],
];

// ------------------------------------------------------------------ typos, each at its path

type Edit = (o: JsonObject) => void;
const at = (o: unknown, ...keys: (string | number)[]): JsonObject => {
  let v = o;
  for (const k of keys) v = (v as Record<string | number, unknown>)[k];
  return v as JsonObject;
};

const TYPOS: [string, () => JsonObject, Edit, string][] = [
  ['top level', pod, (o) => (o['sepc'] = {}), 'sepc'],
  ['ObjectMeta', pod, (o) => (at(o, 'metadata')['label'] = { a: 'b' }), 'metadata.label'],
  ['OwnerReference', pod, (o) => (at(o, 'metadata', 'ownerReferences', 0)['controler'] = true), 'metadata.ownerReferences[0].controler'],
  ['PodSpec', pod, (o) => (at(o, 'spec')['nodeSelecter'] = {}), 'spec.nodeSelecter'],
  ['Container', pod, (o) => (at(o, 'spec', 'containers', 0)['imagePullPolcy'] = 'Always'), 'spec.containers[0].imagePullPolcy'],
  ['Container (case differs)', pod, (o) => (at(o, 'spec', 'containers', 0)['ImagePullPolicy'] = 'Always'), 'spec.containers[0].ImagePullPolicy'],
  ['init container', pod, (o) => (at(o, 'spec', 'initContainers', 0)['targetContainerName'] = 'x'), 'spec.initContainers[0].targetContainerName'],
  ['EnvVar', pod, (o) => (at(o, 'spec', 'containers', 0, 'env', 0)['valeu'] = 'x'), 'spec.containers[0].env[0].valeu'],
  ['SecretKeySelector', pod, (o) => (at(o, 'spec', 'containers', 0, 'env', 4, 'valueFrom', 'secretKeyRef')['secretName'] = 'x'), 'spec.containers[0].env[4].valueFrom.secretKeyRef.secretName'],
  ['EnvFromSource', pod, (o) => (at(o, 'spec', 'containers', 0, 'envFrom', 0)['name'] = 'x'), 'spec.containers[0].envFrom[0].name'],
  ['ContainerPort', pod, (o) => (at(o, 'spec', 'containers', 0, 'ports', 0)['port'] = 80), 'spec.containers[0].ports[0].port'],
  ['ResourceRequirements', pod, (o) => (at(o, 'spec', 'containers', 0, 'resources')['limit'] = {}), 'spec.containers[0].resources.limit'],
  ['VolumeMount', pod, (o) => (at(o, 'spec', 'containers', 0, 'volumeMounts', 0)['hostPath'] = {}), 'spec.containers[0].volumeMounts[0].hostPath'],
  ['HTTPGetAction', pod, (o) => (at(o, 'spec', 'containers', 0, 'livenessProbe', 'httpGet')['headers'] = []), 'spec.containers[0].livenessProbe.httpGet.headers'],
  ['Probe', pod, (o) => (at(o, 'spec', 'containers', 0, 'readinessProbe')['initialDelay'] = 1), 'spec.containers[0].readinessProbe.initialDelay'],
  ['Lifecycle', pod, (o) => (at(o, 'spec', 'containers', 0, 'lifecycle')['stopSignal'] = 'SIGINT'), 'spec.containers[0].lifecycle.stopSignal'],
  ['Capabilities', pod, (o) => (at(o, 'spec', 'containers', 0, 'securityContext', 'capabilities')['remove'] = []), 'spec.containers[0].securityContext.capabilities.remove'],
  ['Volume', pod, (o) => (at(o, 'spec', 'volumes', 0)['hostpath'] = {}), 'spec.volumes[0].hostpath'],
  ['HostPathVolumeSource', pod, (o) => (at(o, 'spec', 'volumes', 0, 'hostPath')['readOnly'] = true), 'spec.volumes[0].hostPath.readOnly'],
  ['KeyToPath', pod, (o) => (at(o, 'spec', 'volumes', 2, 'configMap', 'items', 0)['mod'] = 1), 'spec.volumes[2].configMap.items[0].mod'],
  ['SecretVolumeSource', pod, (o) => (at(o, 'spec', 'volumes', 3, 'secret')['name'] = 'x'), 'spec.volumes[3].secret.name'],
  ['Toleration', pod, (o) => (at(o, 'spec', 'tolerations', 0)['tolerationSecond'] = 1), 'spec.tolerations[0].tolerationSecond'],
  ['ContainerStatus', pod, (o) => (at(o, 'status', 'containerStatuses', 0)['restarts'] = 1), 'status.containerStatuses[0].restarts'],
  ['ContainerStateTerminated', pod, (o) => (at(o, 'status', 'containerStatuses', 0, 'lastState', 'terminated')['exitcode'] = 1), 'status.containerStatuses[0].lastState.terminated.exitcode'],
  ['DaemonSetSpec', daemonSet, (o) => (at(o, 'spec')['replicas'] = 1), 'spec.replicas'],
  ['PodTemplateSpec', daemonSet, (o) => (at(o, 'spec', 'template', 'metadata')['containers'] = []), 'spec.template.metadata.containers'],
  ['template PodSpec', daemonSet, (o) => (at(o, 'spec', 'template', 'spec')['contianers'] = []), 'spec.template.spec.contianers'],
  ['template Container', daemonSet, (o) => (at(o, 'spec', 'template', 'spec', 'containers', 0)['imagePullPolcy'] = 'Always'), 'spec.template.spec.containers[0].imagePullPolcy'],
  ['NodeSelectorRequirement', daemonSet, (o) => (at(o, 'spec', 'template', 'spec', 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms', 0, 'matchExpressions', 0)['value'] = 'x'), 'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].value'],
  ['RollingUpdateDaemonSet', daemonSet, (o) => (at(o, 'spec', 'updateStrategy', 'rollingUpdate')['maxUnavailible'] = 1), 'spec.updateStrategy.rollingUpdate.maxUnavailible'],
  ['LabelSelector', daemonSet, (o) => (at(o, 'spec', 'selector')['matchLabel'] = {}), 'spec.selector.matchLabel'],
  ['NodeSpec', node, (o) => (at(o, 'spec')['schedulable'] = true), 'spec.schedulable'],
  ['Taint', node, (o) => (at(o, 'spec', 'taints', 0)['operator'] = 'Exists'), 'spec.taints[0].operator'],
  ['NodeSystemInfo', node, (o) => (at(o, 'status', 'nodeInfo')['swap'] = { capacity: 0 }), 'status.nodeInfo.swap'],
  ['DaemonEndpoint', node, (o) => (at(o, 'status', 'daemonEndpoints', 'kubeletEndpoint')['port'] = 1), 'status.daemonEndpoints.kubeletEndpoint.port'],
  ['EventSource', event, (o) => (at(o, 'source')['instance'] = 'x'), 'source.instance'],
  ['ObjectReference', event, (o) => (at(o, 'involvedObject')['names'] = 'x'), 'involvedObject.names'],
  ['Secret', secret, (o) => (o['spec'] = {}), 'spec'],
];

describe('unknownFields', function () {
  for (const [kind, make] of VALID) {
    it(`finds none in a valid ${kind}`, function () {
      assert.deepEqual(unknownFields(make(), kind), []);
    });
  }

  for (const [what, make, edit, path] of TYPOS) {
    it(`reports a typo in ${what} at ${path}`, function () {
      const obj = make();
      edit(obj);
      assert.deepEqual(unknownFields(obj, String(obj['kind'])), [path]);
    });
  }

  it('reports every unknown field in document order, once per subtree, null-valued ones too', function () {
    const obj = daemonSet();
    at(obj, 'spec', 'template', 'spec')['contianers'] = [{ name: 'x', whatever: 1 }];
    at(obj, 'spec', 'template', 'spec', 'containers', 0)['imagePullPolcy'] = null;
    obj['extra'] = null;
    assert.deepEqual(unknownFields(obj, 'DaemonSet'), [
      'spec.template.spec.containers[0].imagePullPolcy',
      'spec.template.spec.contianers',
      'extra',
    ]);
  });

  it('does not descend into maps, free-form fields or values of the wrong type', function () {
    const obj = pod();
    at(obj, 'metadata')['labels'] = { anything: 'goes', nested: { x: 1 } };
    at(obj, 'spec')['containers'] = 'not a list';
    at(obj, 'spec')['securityContext'] = [{ nope: 1 }];
    assert.deepEqual(unknownFields(obj, 'Pod'), []);
    assert.deepEqual(unknownFields('text', 'Pod'), []);
    assert.deepEqual(unknownFields({ any: 1 }, 'Deployment'), []);
    const protoKeys: unknown = JSON.parse('{"constructor": 1, "__proto__": 2, "toString": 3}');
    assert.deepEqual(unknownFields(protoKeys, 'ConfigMap'), ['constructor', '__proto__', 'toString']);
  });

  it('skips patch directives and deletions in patches, but not in objects', function () {
    const patch = {
      metadata: { labels: { a: null } },
      spec: {
        template: {
          spec: {
            $setElementOrder$: 1,
            '$setElementOrder/containers': [{ name: 'main' }],
            containers: [{ name: 'main', $patch: 'delete' }, { name: 'side', imagePullPolcy: 'Always', '$deleteFromPrimitiveList/args': ['x'] }],
            $retainKeys: ['containers'],
            nodeSelecter: null,
          },
        },
      },
    };
    assert.deepEqual(unknownFields(patch, 'DaemonSet', { patch: true }), [
      'spec.template.spec.$setElementOrder$',
      'spec.template.spec.containers[1].imagePullPolcy',
    ]);
    assert.equal(unknownFields(patch, 'DaemonSet').length, 7);
  });
});

describe('fieldValidation', function () {
  const typo = (): JsonObject => {
    const obj = daemonSet();
    at(obj, 'spec', 'template', 'spec', 'containers', 0)['imagePullPolcy'] = 'Always';
    at(obj, 'spec')['replica'] = 1;
    return obj;
  };

  it('parses Strict, Warn and Ignore, defaults to Warn, and refuses anything else naming the parameter', function () {
    assert.equal(parseFieldValidation(null), 'Warn');
    assert.equal(parseFieldValidation(''), 'Warn');
    for (const m of ['Strict', 'Warn', 'Ignore'] as const) assert.equal(parseFieldValidation(m), m);
    for (const bad of ['strict', 'true', 'Error']) {
      assert.throws(() => parseFieldValidation(bad), (e: unknown) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.code, 400);
        assert.equal(e.toStatus().details?.causes?.[0]?.field, 'fieldValidation');
        assert.match(e.message, /^fieldValidation: Unsupported value: ".*": supported values: "Ignore", "Strict", "Warn"$/);
        return true;
      });
    }
  });

  it('Strict refuses with every unknown field, as Kubernetes words it', function () {
    const v = new FieldValidator('Strict');
    assert.throws(() => v.check(typo(), 'DaemonSet'), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 400);
      assert.equal(e.reason, 'BadRequest');
      assert.equal(e.message, 'strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy", unknown field "spec.replica"');
      return true;
    });
    v.check(daemonSet(), 'DaemonSet');
  });

  it('Warn collects one warning header per field; Ignore collects nothing', function () {
    const warn = new FieldValidator('Warn');
    warn.check(typo(), 'DaemonSet');
    assert.deepEqual(warn.warningHeaders(), [
      '299 - "unknown field \\"spec.template.spec.containers[0].imagePullPolcy\\""',
      '299 - "unknown field \\"spec.replica\\""',
    ]);
    const ignore = new FieldValidator('Ignore');
    ignore.check(typo(), 'DaemonSet');
    assert.deepEqual(ignore.warningHeaders(), []);
  });

  it('Warn and Ignore drop unknown fields from what is stored, as Kubernetes does; Strict and the hub\'s own writes keep the body as it is', function () {
    const pruned = (v: FieldValidator): unknown => {
      const body = typo();
      try {
        v.check(body, 'DaemonSet');
      } catch {
        // Strict refuses; the body is what matters here
      }
      return body;
    };
    for (const mode of ['Warn', 'Ignore'] as const) {
      const body = pruned(new FieldValidator(mode));
      assert.deepEqual(unknownFields(body, 'DaemonSet'), [], `${mode} leaves no unknown field`);
      assert.equal(JSON.stringify(body).includes('imagePullPolcy'), false);
      assert.equal(JSON.stringify(body).includes('"image"'), true, 'known fields stay');
    }
    assert.deepEqual(pruned(new FieldValidator('Strict')), typo());
    assert.deepEqual(pruned(new FieldValidator('Ignore', false)), typo());
  });

  it('writes warning headers as bytes a header can carry', function () {
    assert.equal(warningHeader('a\\b'), '299 - "a\\\\b"');
    assert.equal(warningHeader('bad\nline'), undefined);
    assert.equal(warningHeader('é'), `299 - "${Buffer.from('é', 'utf8').toString('latin1')}"`);
  });
});

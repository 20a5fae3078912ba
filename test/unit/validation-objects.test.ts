import assert from 'node:assert/strict';
import { applyDefaults } from '../../shared/api/defaults.js';
import { ApiError } from '../../shared/api/errors.js';
import type { FieldError } from '../../shared/api/errors.js';
import { validateObject } from '../../shared/api/validation/index.js';
import type { JsonObject } from '../../shared/util/guards.js';
import { GOOD, info } from '../support/valid-objects.js';

describe('validateObject: good objects', () => {
  for (const obj of GOOD) {
    it(`accepts ${obj.kind} ${obj.metadata.name ?? obj.metadata.generateName ?? ''}`, () => {
      assert.deepEqual(validateObject(structuredClone(obj), info(obj.kind)), []);
    });
    it(`accepts ${obj.kind} ${obj.metadata.name ?? obj.metadata.generateName ?? ''} after defaults`, () => {
      const o = structuredClone(obj);
      applyDefaults(o);
      assert.deepEqual(validateObject(o, info(obj.kind)), []);
    });
  }
});

// ------------------------------------------------------------------ bad objects

const pod = (spec: JsonObject, metadata: JsonObject = {}): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', ...metadata },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
});
const ctr = (fields: JsonObject, spec: JsonObject = {}): JsonObject => pod({ containers: [{ name: 'c', image: 'nginx', ...fields }], ...spec });
const ds = (spec: JsonObject, templateSpec: JsonObject = {}, templateLabels: JsonObject = { app: 'a' }): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'd', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'a' } },
    template: { metadata: { labels: templateLabels }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...templateSpec } },
    ...spec,
  },
});
const cm = (fields: JsonObject): JsonObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, ...fields });
const secret = (fields: JsonObject): JsonObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, ...fields });

interface BadCase {
  name: string;
  kind: string;
  obj: unknown;
  /** Exactly the fields reported, in order. */
  fields: string[];
  reason: FieldError['reason'];
  message?: string;
}

const BAD: BadCase[] = [
  // envelope and metadata
  { name: 'not an object', kind: 'Pod', obj: [1], fields: [''], reason: 'FieldValueTypeInvalid', message: 'expected object, got array' },
  { name: 'apiVersion a number', kind: 'Pod', obj: { ...pod({}), apiVersion: 1 }, fields: ['apiVersion'], reason: 'FieldValueTypeInvalid', message: 'expected string, got number' },
  { name: 'kind of another type', kind: 'Pod', obj: { ...pod({}), kind: 'Node' }, fields: ['kind'], reason: 'FieldValueNotSupported' },
  { name: 'metadata a string', kind: 'Pod', obj: { ...pod({}), metadata: 'p' }, fields: ['metadata'], reason: 'FieldValueTypeInvalid', message: 'expected object, got string' },
  { name: 'no name', kind: 'Pod', obj: pod({}, { name: undefined }), fields: ['metadata.name'], reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' },
  { name: 'bad pod name', kind: 'Pod', obj: pod({}, { name: 'My_Pod' }), fields: ['metadata.name'], reason: 'FieldValueInvalid' },
  { name: 'pod name over 253', kind: 'Pod', obj: pod({}, { name: 'a'.repeat(254) }), fields: ['metadata.name'], reason: 'FieldValueInvalid', message: `Invalid value: "${'a'.repeat(199)}...: must be no more than 253 characters` },
  { name: 'namespace name with a dot', kind: 'Namespace', obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } }, fields: ['metadata.name'], reason: 'FieldValueInvalid', message: 'Invalid value: "a.b": must not contain dots' },
  { name: 'namespaced object without namespace', kind: 'ConfigMap', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, fields: ['metadata.namespace'], reason: 'FieldValueRequired' },
  { name: 'cluster object with namespace', kind: 'Node', obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', namespace: 'x' } }, fields: ['metadata.namespace'], reason: 'FieldValueForbidden' },
  { name: 'bad generateName', kind: 'Pod', obj: pod({}, { name: undefined, generateName: 'Job-' }), fields: ['metadata.generateName'], reason: 'FieldValueInvalid' },
  { name: 'bad label key', kind: 'Pod', obj: pod({}, { labels: { 'bad key': 'x' } }), fields: ['metadata.labels'], reason: 'FieldValueInvalid' },
  { name: 'bad label value', kind: 'Pod', obj: pod({}, { labels: { app: 'not valid!' } }), fields: ['metadata.labels'], reason: 'FieldValueInvalid' },
  { name: 'label value a number', kind: 'Pod', obj: pod({}, { labels: { version: 2 } }), fields: ['metadata.labels[version]'], reason: 'FieldValueTypeInvalid', message: 'expected string, got number' },
  { name: 'bad annotation key', kind: 'Pod', obj: pod({}, { annotations: { 'a/b/c': 'x' } }), fields: ['metadata.annotations'], reason: 'FieldValueInvalid' },
  { name: 'annotations too large', kind: 'Pod', obj: pod({}, { annotations: { big: 'x'.repeat(256 * 1024) } }), fields: ['metadata.annotations'], reason: 'FieldValueTooLong', message: 'Too long: may not be more than 262144 bytes' },
  {
    name: 'ownerReference without uid',
    kind: 'Pod',
    obj: pod({}, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'd' }] }),
    fields: ['metadata.ownerReferences[0].uid'],
    reason: 'FieldValueRequired',
  },
  {
    name: 'two controller owners',
    kind: 'Pod',
    obj: pod({}, { ownerReferences: [{ apiVersion: 'v1', kind: 'A', name: 'a', uid: '1', controller: true }, { apiVersion: 'v1', kind: 'B', name: 'b', uid: '2', controller: true }] }),
    fields: ['metadata.ownerReferences'],
    reason: 'FieldValueInvalid',
  },
  { name: 'negative generation', kind: 'Pod', obj: pod({}, { generation: -1 }), fields: ['metadata.generation'], reason: 'FieldValueInvalid' },

  // pod spec
  { name: 'no spec', kind: 'Pod', obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd' } }, fields: ['spec.containers'], reason: 'FieldValueRequired' },
  { name: 'no containers', kind: 'Pod', obj: pod({ containers: [] }), fields: ['spec.containers'], reason: 'FieldValueRequired' },
  { name: 'containers an object', kind: 'Pod', obj: pod({ containers: { name: 'c' } }), fields: ['spec.containers'], reason: 'FieldValueTypeInvalid', message: 'expected array, got object' },
  { name: 'container without image', kind: 'Pod', obj: pod({ containers: [{ name: 'c' }] }), fields: ['spec.containers[0].image'], reason: 'FieldValueRequired' },
  { name: 'container name not a DNS label', kind: 'Pod', obj: ctr({ name: 'Web_1' }), fields: ['spec.containers[0].name'], reason: 'FieldValueInvalid' },
  {
    name: 'container names clash with init containers',
    kind: 'Pod',
    obj: pod({ initContainers: [{ name: 'c', image: 'busybox' }] }),
    fields: ['spec.initContainers[0].name'],
    reason: 'FieldValueDuplicate',
    message: 'Duplicate value: "c"',
  },
  { name: 'command not strings', kind: 'Pod', obj: ctr({ command: ['sh', 1] }), fields: ['spec.containers[0].command[1]'], reason: 'FieldValueTypeInvalid' },
  { name: 'args a string', kind: 'Pod', obj: ctr({ args: '--verbose' }), fields: ['spec.containers[0].args'], reason: 'FieldValueTypeInvalid', message: 'expected array, got string' },
  { name: 'env without name', kind: 'Pod', obj: ctr({ env: [{ value: 'x' }] }), fields: ['spec.containers[0].env[0].name'], reason: 'FieldValueRequired' },
  { name: 'env value a number', kind: 'Pod', obj: ctr({ env: [{ name: 'N', value: 3 }] }), fields: ['spec.containers[0].env[0].value'], reason: 'FieldValueTypeInvalid' },
  {
    name: 'env valueFrom with two sources',
    kind: 'Pod',
    obj: ctr({ env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' }, secretKeyRef: { name: 's', key: 'k' } } }] }),
    fields: ['spec.containers[0].env[0].valueFrom'],
    reason: 'FieldValueInvalid',
    message: 'Invalid value: "": may not have more than one field specified at a time',
  },
  { name: 'env valueFrom empty', kind: 'Pod', obj: ctr({ env: [{ name: 'N', valueFrom: {} }] }), fields: ['spec.containers[0].env[0].valueFrom'], reason: 'FieldValueInvalid' },
  {
    name: 'env value and valueFrom',
    kind: 'Pod',
    obj: ctr({ env: [{ name: 'N', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }),
    fields: ['spec.containers[0].env[0].valueFrom'],
    reason: 'FieldValueInvalid',
    message: 'Invalid value: "": may not be specified when `value` is not empty',
  },
  { name: 'unsupported fieldRef', kind: 'Pod', obj: ctr({ env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'spec.hostNetwork' } } }] }), fields: ['spec.containers[0].env[0].valueFrom.fieldRef.fieldPath'], reason: 'FieldValueNotSupported' },
  { name: 'secretKeyRef without key', kind: 'Pod', obj: ctr({ env: [{ name: 'N', valueFrom: { secretKeyRef: { name: 's' } } }] }), fields: ['spec.containers[0].env[0].valueFrom.secretKeyRef.key'], reason: 'FieldValueRequired' },
  { name: 'envFrom without source', kind: 'Pod', obj: ctr({ envFrom: [{ prefix: 'X_' }] }), fields: ['spec.containers[0].envFrom[0]'], reason: 'FieldValueInvalid' },
  { name: 'containerPort too big', kind: 'Pod', obj: ctr({ ports: [{ containerPort: 70000 }] }), fields: ['spec.containers[0].ports[0].containerPort'], reason: 'FieldValueInvalid', message: 'Invalid value: 70000: must be between 1 and 65535, inclusive' },
  { name: 'containerPort missing', kind: 'Pod', obj: ctr({ ports: [{ name: 'http' }] }), fields: ['spec.containers[0].ports[0].containerPort'], reason: 'FieldValueRequired' },
  { name: 'containerPort a string', kind: 'Pod', obj: ctr({ ports: [{ containerPort: '80' }] }), fields: ['spec.containers[0].ports[0].containerPort'], reason: 'FieldValueTypeInvalid', message: 'expected integer, got string' },
  { name: 'hostPort negative', kind: 'Pod', obj: ctr({ ports: [{ containerPort: 80, hostPort: -1 }] }), fields: ['spec.containers[0].ports[0].hostPort'], reason: 'FieldValueInvalid' },
  { name: 'protocol HTTP', kind: 'Pod', obj: ctr({ ports: [{ containerPort: 80, protocol: 'HTTP' }] }), fields: ['spec.containers[0].ports[0].protocol'], reason: 'FieldValueNotSupported', message: 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"' },
  {
    name: 'same hostPort twice',
    kind: 'Pod',
    obj: pod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }, { name: 'b', image: 'x', ports: [{ containerPort: 81, hostPort: 8080 }] }] }),
    fields: ['spec.containers[1].ports[0].hostPort'],
    reason: 'FieldValueDuplicate',
  },
  { name: 'hostNetwork with a different hostPort', kind: 'Pod', obj: ctr({ ports: [{ containerPort: 80, hostPort: 8080 }] }, { hostNetwork: true }), fields: ['spec.containers[0].ports[0].hostPort'], reason: 'FieldValueInvalid' },
  { name: 'bad cpu quantity', kind: 'Pod', obj: ctr({ resources: { limits: { cpu: 'lots' } } }), fields: ['spec.containers[0].resources.limits[cpu]'], reason: 'FieldValueInvalid' },
  {
    name: 'request above limit',
    kind: 'Pod',
    obj: ctr({ resources: { limits: { memory: '64Mi' }, requests: { memory: '128Mi' } } }),
    fields: ['spec.containers[0].resources.requests[memory]'],
    reason: 'FieldValueInvalid',
    message: 'Invalid value: "128Mi": must be less than or equal to memory limit of 64Mi',
  },
  { name: 'unknown resource name', kind: 'Pod', obj: ctr({ resources: { limits: { gpu: '1' } } }), fields: ['spec.containers[0].resources.limits[gpu]'], reason: 'FieldValueInvalid' },
  { name: 'mount of an undeclared volume', kind: 'Pod', obj: ctr({ volumeMounts: [{ name: 'data', mountPath: '/data' }] }), fields: ['spec.containers[0].volumeMounts[0].name'], reason: 'FieldValueInvalid' },
  {
    name: 'mount without mountPath',
    kind: 'Pod',
    obj: ctr({ volumeMounts: [{ name: 'v' }] }, { volumes: [{ name: 'v', emptyDir: {} }] }),
    fields: ['spec.containers[0].volumeMounts[0].mountPath'],
    reason: 'FieldValueRequired',
  },
  {
    name: 'persistentVolumeClaim volume',
    kind: 'Pod',
    obj: pod({ volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] }),
    fields: ['spec.volumes[0].persistentVolumeClaim'],
    reason: 'FieldValueNotSupported',
    message: 'Unsupported value: "persistentVolumeClaim": Flotilla supports emptyDir, hostPath, configMap and secret volumes; keep persistent data in a hostPath volume on the device',
  },
  { name: 'volume with two sources', kind: 'Pod', obj: pod({ volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }] }), fields: ['spec.volumes[0].hostPath'], reason: 'FieldValueForbidden' },
  { name: 'volume without source', kind: 'Pod', obj: pod({ volumes: [{ name: 'v' }] }), fields: ['spec.volumes[0]'], reason: 'FieldValueRequired', message: 'Required value: must specify a volume type' },
  { name: 'duplicate volume names', kind: 'Pod', obj: pod({ volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }), fields: ['spec.volumes[1].name'], reason: 'FieldValueDuplicate' },
  { name: 'hostPath without path', kind: 'Pod', obj: pod({ volumes: [{ name: 'v', hostPath: {} }] }), fields: ['spec.volumes[0].hostPath.path'], reason: 'FieldValueRequired' },
  { name: 'configMap volume bad defaultMode', kind: 'Pod', obj: pod({ volumes: [{ name: 'v', configMap: { name: 'c', defaultMode: 1000 } }] }), fields: ['spec.volumes[0].configMap.defaultMode'], reason: 'FieldValueInvalid' },
  { name: 'restartPolicy Sometimes', kind: 'Pod', obj: pod({ restartPolicy: 'Sometimes' }), fields: ['spec.restartPolicy'], reason: 'FieldValueNotSupported', message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"' },
  { name: 'imagePullPolicy Sometimes', kind: 'Pod', obj: ctr({ imagePullPolicy: 'Sometimes' }), fields: ['spec.containers[0].imagePullPolicy'], reason: 'FieldValueNotSupported' },
  { name: 'toleration operator', kind: 'Pod', obj: pod({ tolerations: [{ key: 'k', operator: 'Maybe' }] }), fields: ['spec.tolerations[0].operator'], reason: 'FieldValueNotSupported' },
  { name: 'toleration effect', kind: 'Pod', obj: pod({ tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoRun' }] }), fields: ['spec.tolerations[0].effect'], reason: 'FieldValueNotSupported' },
  {
    name: 'tolerationSeconds without NoExecute',
    kind: 'Pod',
    obj: pod({ tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 60 }] }),
    fields: ['spec.tolerations[0].effect'],
    reason: 'FieldValueInvalid',
    message: 'Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set',
  },
  { name: 'tolerationSeconds fractional', kind: 'Pod', obj: pod({ tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1.5 }] }), fields: ['spec.tolerations[0].tolerationSeconds'], reason: 'FieldValueTypeInvalid' },
  { name: 'empty key needs Exists', kind: 'Pod', obj: pod({ tolerations: [{ operator: 'Equal', value: 'x' }] }), fields: ['spec.tolerations[0].operator'], reason: 'FieldValueInvalid' },
  { name: 'nodeSelector value a bool', kind: 'Pod', obj: pod({ nodeSelector: { gpu: true } }), fields: ['spec.nodeSelector[gpu]'], reason: 'FieldValueTypeInvalid', message: 'expected string, got boolean' },
  { name: 'nodeName not a subdomain', kind: 'Pod', obj: pod({ nodeName: 'Pi_1' }), fields: ['spec.nodeName'], reason: 'FieldValueInvalid' },
  { name: 'hostNetwork a string', kind: 'Pod', obj: pod({ hostNetwork: 'yes' }), fields: ['spec.hostNetwork'], reason: 'FieldValueTypeInvalid', message: 'expected boolean, got string' },
  { name: 'negative grace period', kind: 'Pod', obj: pod({ terminationGracePeriodSeconds: -5 }), fields: ['spec.terminationGracePeriodSeconds'], reason: 'FieldValueInvalid', message: 'Invalid value: -5: must be greater than or equal to 0' },
  { name: 'probe with two handlers', kind: 'Pod', obj: ctr({ livenessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } } }), fields: ['spec.containers[0].livenessProbe.tcpSocket'], reason: 'FieldValueForbidden' },
  { name: 'probe without handler', kind: 'Pod', obj: ctr({ readinessProbe: { periodSeconds: 5 } }), fields: ['spec.containers[0].readinessProbe'], reason: 'FieldValueRequired' },
  { name: 'probe negative period', kind: 'Pod', obj: ctr({ livenessProbe: { tcpSocket: { port: 80 }, periodSeconds: -1 } }), fields: ['spec.containers[0].livenessProbe.periodSeconds'], reason: 'FieldValueInvalid' },
  { name: 'liveness successThreshold 2', kind: 'Pod', obj: ctr({ livenessProbe: { tcpSocket: { port: 80 }, successThreshold: 2 } }), fields: ['spec.containers[0].livenessProbe.successThreshold'], reason: 'FieldValueInvalid' },
  { name: 'httpGet port out of range', kind: 'Pod', obj: ctr({ livenessProbe: { httpGet: { port: 0 } } }), fields: ['spec.containers[0].livenessProbe.httpGet.port'], reason: 'FieldValueInvalid' },
  { name: 'grpc probe', kind: 'Pod', obj: ctr({ livenessProbe: { grpc: { port: 9000 } } }), fields: ['spec.containers[0].livenessProbe.grpc'], reason: 'FieldValueNotSupported' },
  { name: 'probe on an init container', kind: 'Pod', obj: pod({ initContainers: [{ name: 'i', image: 'x', livenessProbe: { exec: { command: ['true'] } } }] }), fields: ['spec.initContainers[0].livenessProbe'], reason: 'FieldValueForbidden' },
  { name: 'privileged a string', kind: 'Pod', obj: ctr({ securityContext: { privileged: 'true' } }), fields: ['spec.containers[0].securityContext.privileged'], reason: 'FieldValueTypeInvalid' },

  // DaemonSet
  { name: 'DaemonSet without selector', kind: 'DaemonSet', obj: ds({ selector: undefined }), fields: ['spec.selector'], reason: 'FieldValueRequired' },
  { name: 'DaemonSet empty selector', kind: 'DaemonSet', obj: ds({ selector: {} }), fields: ['spec.selector'], reason: 'FieldValueInvalid' },
  {
    name: 'DaemonSet selector not matching template',
    kind: 'DaemonSet',
    obj: ds({}, {}, { app: 'b' }),
    fields: ['spec.template.metadata.labels'],
    reason: 'FieldValueInvalid',
    message: 'Invalid value: {"app":"b"}: `selector` does not match template `labels`',
  },
  {
    name: 'DaemonSet selector expression without values',
    kind: 'DaemonSet',
    obj: ds({ selector: { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'tier', operator: 'In' }] } }),
    fields: ['spec.selector.matchExpressions[0].values'],
    reason: 'FieldValueRequired',
  },
  { name: 'DaemonSet restartPolicy Never', kind: 'DaemonSet', obj: ds({}, { restartPolicy: 'Never' }), fields: ['spec.template.spec.restartPolicy'], reason: 'FieldValueNotSupported', message: 'Unsupported value: "Never": supported values: "Always"' },
  {
    name: 'DaemonSet second container port',
    kind: 'DaemonSet',
    obj: ds({}, { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y', ports: [{ containerPort: 0 }] }] }),
    fields: ['spec.template.spec.containers[1].ports[0].containerPort'],
    reason: 'FieldValueRequired',
  },
  { name: 'DaemonSet update strategy type', kind: 'DaemonSet', obj: ds({ updateStrategy: { type: 'Recreate' } }), fields: ['spec.updateStrategy.type'], reason: 'FieldValueNotSupported' },
  { name: 'DaemonSet maxUnavailable percent', kind: 'DaemonSet', obj: ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%' } } }), fields: ['spec.updateStrategy.rollingUpdate.maxUnavailable'], reason: 'FieldValueInvalid' },
  { name: 'DaemonSet maxUnavailable not a percent', kind: 'DaemonSet', obj: ds({ updateStrategy: { rollingUpdate: { maxUnavailable: 'one' } } }), fields: ['spec.updateStrategy.rollingUpdate.maxUnavailable'], reason: 'FieldValueInvalid' },
  {
    name: 'DaemonSet both 0',
    kind: 'DaemonSet',
    obj: ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }),
    fields: ['spec.updateStrategy.rollingUpdate.maxUnavailable'],
    reason: 'FieldValueInvalid',
    message: 'Invalid value: 0: may not be 0 when `maxSurge` is 0',
  },
  { name: 'DaemonSet activeDeadlineSeconds', kind: 'DaemonSet', obj: ds({}, { activeDeadlineSeconds: 60 }), fields: ['spec.template.spec.activeDeadlineSeconds'], reason: 'FieldValueInvalid' },
  { name: 'DaemonSet negative revisionHistoryLimit', kind: 'DaemonSet', obj: ds({ revisionHistoryLimit: -1 }), fields: ['spec.revisionHistoryLimit'], reason: 'FieldValueInvalid' },

  // Node
  { name: 'Node taint without effect', kind: 'Node', obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { taints: [{ key: 'k' }] } }, fields: ['spec.taints[0].effect'], reason: 'FieldValueRequired' },
  { name: 'Node taint bad effect', kind: 'Node', obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { taints: [{ key: 'k', effect: 'Evict' }] } }, fields: ['spec.taints[0].effect'], reason: 'FieldValueNotSupported' },
  { name: 'Node taint bad key', kind: 'Node', obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { taints: [{ key: 'a b', effect: 'NoSchedule' }] } }, fields: ['spec.taints[0].key'], reason: 'FieldValueInvalid' },
  {
    name: 'Node duplicate taints',
    kind: 'Node',
    obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }, { key: 'k', value: 'v', effect: 'NoSchedule' }] } },
    fields: ['spec.taints[1]'],
    reason: 'FieldValueDuplicate',
  },
  { name: 'Node unschedulable a string', kind: 'Node', obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { unschedulable: 'true' } }, fields: ['spec.unschedulable'], reason: 'FieldValueTypeInvalid' },
  { name: 'Node capacity bad quantity', kind: 'Node', obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { capacity: { memory: '4GB' } } }, fields: ['status.capacity[memory]'], reason: 'FieldValueInvalid' },

  // Namespace
  { name: 'Namespace unqualified finalizer', kind: 'Namespace', obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' }, spec: { finalizers: ['cleanup'] } }, fields: ['spec.finalizers[0]'], reason: 'FieldValueInvalid' },

  // ConfigMap
  { name: 'ConfigMap bad key', kind: 'ConfigMap', obj: cm({ data: { 'a/b': 'x' } }), fields: ['data[a/b]'], reason: 'FieldValueInvalid' },
  { name: 'ConfigMap value a number', kind: 'ConfigMap', obj: cm({ data: { port: 8080 } }), fields: ['data[port]'], reason: 'FieldValueTypeInvalid', message: 'expected string, got number' },
  { name: 'ConfigMap binaryData not base64', kind: 'ConfigMap', obj: cm({ binaryData: { bin: 'not base64!' } }), fields: ['binaryData[bin]'], reason: 'FieldValueInvalid' },
  { name: 'ConfigMap key in both maps', kind: 'ConfigMap', obj: cm({ data: { k: 'x' }, binaryData: { k: 'eA==' } }), fields: ['data[k]'], reason: 'FieldValueInvalid' },
  { name: 'ConfigMap too large', kind: 'ConfigMap', obj: cm({ data: { k: 'x'.repeat(1024 * 1024 + 1) } }), fields: ['data'], reason: 'FieldValueTooLong' },

  // Secret
  { name: 'Secret data not base64', kind: 'Secret', obj: secret({ data: { token: 'plain text' } }), fields: ['data[token]'], reason: 'FieldValueInvalid', message: 'Invalid value: "<secret contents redacted>": must be base64-encoded (standard alphabet, with padding)' },
  { name: 'Secret stringData a number', kind: 'Secret', obj: secret({ stringData: { pin: 1234 } }), fields: ['stringData[pin]'], reason: 'FieldValueTypeInvalid' },
  { name: 'Secret type a number', kind: 'Secret', obj: secret({ type: 1 }), fields: ['type'], reason: 'FieldValueTypeInvalid' },
  { name: 'dockerconfigjson without its key', kind: 'Secret', obj: secret({ type: 'kubernetes.io/dockerconfigjson', data: { other: 'eA==' } }), fields: ['data[.dockerconfigjson]'], reason: 'FieldValueRequired' },
  { name: 'dockerconfigjson not JSON', kind: 'Secret', obj: secret({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{nope' } }), fields: ['data[.dockerconfigjson]'], reason: 'FieldValueInvalid' },
  { name: 'Secret bad key', kind: 'Secret', obj: secret({ data: { '..x': 'eA==' } }), fields: ['data[..x]'], reason: 'FieldValueInvalid', message: 'Invalid value: "..x": must not start with \'..\'' },

  // Event
  { name: 'Event without involvedObject', kind: 'Event', obj: { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, reason: 'X' }, fields: ['involvedObject'], reason: 'FieldValueRequired' },
  {
    name: 'Event in another namespace',
    kind: 'Event',
    obj: { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'edge' } },
    fields: ['involvedObject.namespace'],
    reason: 'FieldValueInvalid',
  },
  { name: 'Event count a string', kind: 'Event', obj: { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Node', name: 'n' }, count: '1' }, fields: ['count'], reason: 'FieldValueTypeInvalid' },

  // ControllerRevision
  { name: 'ControllerRevision without revision', kind: 'ControllerRevision', obj: { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', namespace: 'd' }, data: {} }, fields: ['revision'], reason: 'FieldValueRequired' },
  { name: 'ControllerRevision revision fractional', kind: 'ControllerRevision', obj: { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', namespace: 'd' }, data: {}, revision: 1.5 }, fields: ['revision'], reason: 'FieldValueTypeInvalid', message: 'expected integer, got number' },
  { name: 'ControllerRevision without data', kind: 'ControllerRevision', obj: { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', namespace: 'd' }, revision: 1 }, fields: ['data'], reason: 'FieldValueRequired' },
];

describe('validateObject: bad objects', () => {
  it('has a table of at least 40 cases', () => {
    assert.ok(BAD.length >= 40);
  });

  for (const c of BAD) {
    it(`${c.kind}: ${c.name} → ${c.fields.join(', ')}`, () => {
      const errs = validateObject(c.obj, info(c.kind));
      assert.deepEqual(
        errs.map((e) => e.field),
        c.fields,
        JSON.stringify(errs, null, 1),
      );
      assert.equal(errs[0]?.reason, c.reason, JSON.stringify(errs[0]));
      if (c.message !== undefined) assert.equal(errs[0]?.message, c.message);
    });
  }

  it('collects every error instead of stopping at the first', () => {
    const errs = validateObject(
      pod({ restartPolicy: 'Sometimes', containers: [{ name: 'A', ports: [{ containerPort: 0 }] }] }, { name: 'Bad_Name', labels: { 'a b': 'c' } }),
      info('Pod'),
    );
    assert.deepEqual(errs.map((e) => e.field), [
      'metadata.name',
      'metadata.labels',
      'spec.containers[0].name',
      'spec.containers[0].image',
      'spec.containers[0].ports[0].containerPort',
      'spec.restartPolicy',
    ]);
  });

  it('renders through ApiError.invalid as Kubernetes does', () => {
    const errs = validateObject(ctr({ imagePullPolicy: 'Sometimes' }), info('Pod'));
    const e = ApiError.invalid('Pod', 'p', errs);
    assert.equal(e.code, 422);
    assert.equal(
      e.message,
      'Pod "p" is invalid: spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
    );
  });
});

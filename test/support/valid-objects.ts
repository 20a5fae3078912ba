// Valid objects of every kind as a client sends them, for the validation tests.
import { kindByName } from '../../shared/api/kinds.js';
import type { KindInfo } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';

export function info(kind: string): KindInfo {
  const i = kindByName(kind);
  if (!i) throw new Error(`no kind ${kind}`);
  return i;
}

// ------------------------------------------------------------------ good objects

export function goodPod(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'sensor-reader', namespace: 'edge', labels: { app: 'sensor-reader', 'flotilla.io/role': 'collector' }, annotations: { 'example.com/owner': 'team-iot' } },
    spec: {
      nodeName: 'pi-kitchen-01',
      restartPolicy: 'OnFailure',
      terminationGracePeriodSeconds: 10,
      nodeSelector: { 'kubernetes.io/arch': 'arm64' },
      tolerations: [
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'dedicated', operator: 'Equal', value: 'sensors', effect: 'NoSchedule' },
      ],
      initContainers: [{ name: 'wait-bus', image: 'busybox:1.36', command: ['sh', '-c', 'until [ -e /dev/i2c-1 ]; do sleep 1; done'] }],
      containers: [
        {
          name: 'reader',
          image: 'registry.local:5000/iot/reader@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
          imagePullPolicy: 'IfNotPresent',
          command: ['/reader'],
          args: ['--bus', '/dev/i2c-1'],
          env: [
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'ROLE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['flotilla.io/role']" } } },
            { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'reader-creds', key: 'token' } } },
            { name: 'INTERVAL', valueFrom: { configMapKeyRef: { name: 'reader-config', key: 'interval', optional: true } } },
            { name: 'MEM_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
          ],
          envFrom: [{ configMapRef: { name: 'reader-config' }, prefix: 'CFG_' }, { secretRef: { name: 'reader-creds', optional: true } }],
          ports: [{ name: 'http', containerPort: 8080, hostPort: 18080, protocol: 'TCP' }, { containerPort: 5683, protocol: 'UDP' }],
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 0.1, memory: '64Mi' } },
          volumeMounts: [
            { name: 'config', mountPath: '/etc/reader', readOnly: true },
            { name: 'i2c', mountPath: '/dev/i2c-1' },
            { name: 'scratch', mountPath: '/tmp', subPath: 'reader' },
          ],
          livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 3, periodSeconds: 10, failureThreshold: 3 },
          readinessProbe: { tcpSocket: { port: 8080 }, successThreshold: 2 },
          startupProbe: { exec: { command: ['cat', '/tmp/ready'] }, failureThreshold: 30 },
          lifecycle: { preStop: { exec: { command: ['/reader', '--flush'] } } },
          securityContext: { privileged: true, runAsUser: 0 },
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'reader-config', items: [{ key: 'reader.yaml', path: 'reader.yaml' }], defaultMode: 0o644 } },
        { name: 'creds', secret: { secretName: 'reader-creds' } },
        { name: 'i2c', hostPath: { path: '/dev/i2c-1', type: 'CharDevice' } },
        { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
      ],
    },
  };
}

export function goodDaemonSet(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'node-exporter', namespace: 'monitoring', labels: { app: 'node-exporter' } },
    spec: {
      selector: {
        matchLabels: { app: 'node-exporter' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['infra', 'edge'] }],
      },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 0 } },
      revisionHistoryLimit: 5,
      minReadySeconds: 10,
      template: {
        metadata: { labels: { app: 'node-exporter', tier: 'edge' }, annotations: { 'prometheus.io/scrape': 'true' } },
        spec: {
          hostNetwork: true,
          hostPID: true,
          tolerations: [{ operator: 'Exists' }],
          containers: [
            {
              name: 'node-exporter',
              image: 'quay.io/prometheus/node-exporter:v1.8.2',
              args: ['--path.rootfs=/host'],
              ports: [{ name: 'metrics', containerPort: 9100, hostPort: 9100 }],
              resources: { limits: { memory: '64Mi' }, requests: { cpu: '20m', memory: '32Mi' } },
              volumeMounts: [{ name: 'root', mountPath: '/host', readOnly: true, mountPropagation: 'HostToContainer' }],
              readinessProbe: { httpGet: { path: '/', port: 9100 } },
            },
            {
              name: 'log-shipper',
              image: 'fluent/fluent-bit:3.0',
              ports: [{ containerPort: 2020 }],
              volumeMounts: [{ name: 'varlog', mountPath: '/var/log', readOnly: true }],
            },
          ],
          volumes: [
            { name: 'root', hostPath: { path: '/' } },
            { name: 'varlog', hostPath: { path: '/var/log', type: 'Directory' } },
          ],
        },
      },
    },
  };
}

export const GOOD: KubeObject[] = [
  goodPod(),
  goodDaemonSet(),
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'tiny', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'job-', namespace: 'default' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'alpine', command: ['true'] }] } },
  {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'pi-kitchen-01', labels: { 'kubernetes.io/arch': 'arm64', 'kubernetes.io/hostname': 'pi-kitchen-01' } },
    spec: { unschedulable: false, podCIDR: 'whatever', taints: [{ key: 'dedicated', value: 'sensors', effect: 'NoSchedule' }, { key: 'dedicated', effect: 'NoExecute' }] },
    status: {
      capacity: { cpu: '4', memory: '3884Mi', pods: '110' },
      allocatable: { cpu: '3800m', memory: '3.5Gi', pods: 110 },
      addresses: [{ type: 'InternalIP', address: '192.168.1.20' }, { type: 'Hostname', address: 'pi-kitchen-01' }],
      conditions: [{ type: 'Ready', status: 'True', reason: 'AgentReady' }],
      nodeInfo: { architecture: 'arm64', kubeletVersion: 'flotilla-0.1.0' },
    },
  },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge' }, spec: { finalizers: ['kubernetes', 'example.com/cleanup'] } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'reader-config', namespace: 'edge' }, data: { 'reader.yaml': 'bus: 1\n', interval: '5s' }, binaryData: { 'logo.png': 'iVBORw0KGgo=' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'reader-creds', namespace: 'edge' }, type: 'Opaque', data: { token: 'c2VjcmV0' }, stringData: { user: 'reader' } },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'regcred', namespace: 'edge' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from('{"auths":{"registry.local:5000":{"auth":"dTpw"}}}').toString('base64') },
  },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'edge' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'C', 'tls.key': 'K' } },
  {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'sensor-reader.17c2', namespace: 'edge' },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'sensor-reader', namespace: 'edge', uid: 'a1b2' },
    reason: 'Pulled',
    message: 'Container image "busybox:1.36" already present on machine',
    type: 'Normal',
    count: 1,
    source: { component: 'flotilla-agent', host: 'pi-kitchen-01' },
    firstTimestamp: '2024-05-01T10:00:00Z',
    lastTimestamp: '2024-05-01T10:00:00Z',
  },
  {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'pi-kitchen-01.17c3', namespace: 'default' },
    involvedObject: { kind: 'Node', name: 'pi-kitchen-01' },
    reason: 'NodeReady',
  },
  {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: 'node-exporter-7d9f8b6c5',
      namespace: 'monitoring',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'node-exporter', uid: 'u-1', controller: true, blockOwnerDeletion: true }],
    },
    data: { spec: { template: { $patch: 'replace' } } },
    revision: 3,
  },
];

import assert from 'node:assert/strict';
import { applyDefaults, defaultPullPolicy, podQOSClass } from '../../shared/api/defaults.js';
import type { KubeObject } from '../../shared/api/meta.js';

function defaulted(obj: KubeObject): KubeObject {
  const o = structuredClone(obj);
  applyDefaults(o);
  return o;
}

const minimalPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default' },
  spec: {
    containers: [
      {
        name: 'web',
        image: 'nginx',
        ports: [{ containerPort: 80 }],
        livenessProbe: { httpGet: { port: 80 } },
        readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
        env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        resources: { limits: { cpu: '500m', memory: '64Mi' } },
      },
    ],
    initContainers: [{ name: 'init', image: 'busybox:1.36' }],
    volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'host', hostPath: { path: '/data' } }],
  },
};

const minimalDaemonSet: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'd', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'd' } },
    template: { metadata: { labels: { app: 'd' } }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'agent:1.0', ports: [{ containerPort: 9100 }] }] } },
  },
};

const ALL: KubeObject[] = [
  minimalPod,
  minimalDaemonSet,
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, stringData: { user: 'admin' }, data: { pass: 'cHc=' } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge' } },
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { capacity: { cpu: '4', memory: '4Gi' } } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: 'b' } },
  { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Node', name: 'n' } },
];

describe('applyDefaults', () => {
  describe('Pod', () => {
    const p = defaulted(minimalPod);
    const spec = p['spec'] as Record<string, unknown>;
    const containers = spec['containers'] as Record<string, unknown>[];
    const web = containers[0] ?? {};
    const init = (spec['initContainers'] as Record<string, unknown>[])[0] ?? {};

    it('fills the pod spec', () => {
      assert.equal(spec['restartPolicy'], 'Always');
      assert.equal(spec['terminationGracePeriodSeconds'], 30);
      assert.equal(spec['dnsPolicy'], 'ClusterFirst');
      assert.equal(spec['schedulerName'], 'default-scheduler');
      assert.deepEqual(spec['securityContext'], {});
    });

    it('fills containers and init containers', () => {
      assert.equal(web['imagePullPolicy'], 'Always');
      assert.equal(web['terminationMessagePath'], '/dev/termination-log');
      assert.equal(web['terminationMessagePolicy'], 'File');
      assert.deepEqual(web['ports'], [{ containerPort: 80, protocol: 'TCP' }]);
      assert.equal(init['imagePullPolicy'], 'IfNotPresent');
      assert.equal(init['terminationMessagePolicy'], 'File');
    });

    it('fills probes', () => {
      assert.deepEqual(web['livenessProbe'], {
        httpGet: { port: 80, path: '/', scheme: 'HTTP' },
        timeoutSeconds: 1,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      });
      assert.deepEqual(web['readinessProbe'], { tcpSocket: { port: 80 }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
    });

    it('leaves env valueFrom alone', () => {
      assert.deepEqual(web['env'], [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
    });

    it('requests what a container limits', () => {
      assert.deepEqual(web['resources'], { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '500m', memory: '64Mi' } });
    });

    it('fills volume sources', () => {
      assert.deepEqual(spec['volumes'], [
        { name: 'cfg', configMap: { name: 'cfg', defaultMode: 420 } },
        { name: 'host', hostPath: { path: '/data', type: '' } },
      ]);
    });

    it('starts Pending, with a QoS class', () => {
      assert.deepEqual(p['status'], { phase: 'Pending', qosClass: 'Burstable' });
    });

    it('keeps an existing status phase', () => {
      const running = defaulted({ ...minimalPod, status: { phase: 'Running' } });
      assert.equal((running['status'] as Record<string, unknown>)['phase'], 'Running');
    });

    it('does not overwrite what is set', () => {
      const custom = defaulted({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p' },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 0,
          dnsPolicy: 'Default',
          containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'Never', ports: [{ containerPort: 53, protocol: 'UDP' }], livenessProbe: { exec: { command: ['true'] }, periodSeconds: 2 } }],
        },
      });
      const s = custom['spec'] as Record<string, unknown>;
      assert.equal(s['restartPolicy'], 'Never');
      assert.equal(s['terminationGracePeriodSeconds'], 0);
      assert.equal(s['dnsPolicy'], 'Default');
      const c = (s['containers'] as Record<string, unknown>[])[0] ?? {};
      assert.equal(c['imagePullPolicy'], 'Never');
      assert.deepEqual(c['ports'], [{ containerPort: 53, protocol: 'UDP' }]);
      assert.equal((c['livenessProbe'] as Record<string, unknown>)['periodSeconds'], 2);
    });

    it('leaves ill-typed fields for validation to report', () => {
      const odd = defaulted({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: 'nope', restartPolicy: 7 } });
      assert.deepEqual(odd['spec'], {
        containers: 'nope',
        restartPolicy: 7,
        terminationGracePeriodSeconds: 30,
        dnsPolicy: 'ClusterFirst',
        schedulerName: 'default-scheduler',
        securityContext: {},
      });
      const noSpec = defaulted({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: 'x' });
      assert.equal(noSpec['spec'], 'x');
    });
  });

  describe('image pull policy', () => {
    const cases: [string, string][] = [
      ['nginx', 'Always'],
      ['nginx:latest', 'Always'],
      ['library/nginx:1.25', 'IfNotPresent'],
      ['registry.local:5000/app', 'Always'],
      ['registry.local:5000/app:v2', 'IfNotPresent'],
      ['registry.local:5000/app:latest', 'Always'],
      ['app@sha256:abcd', 'IfNotPresent'],
      ['app:latest@sha256:abcd', 'Always'],
      ['app:1.0@sha256:abcd', 'IfNotPresent'],
    ];
    for (const [image, want] of cases) {
      it(`${image} → ${want}`, () => assert.equal(defaultPullPolicy(image), want));
    }
  });

  describe('QoS class', () => {
    const spec = (resources: unknown[]): Record<string, unknown> => ({ containers: resources.map((r, i) => ({ name: `c${i}`, image: 'x', resources: r })) });
    const cases: [string, unknown[], string][] = [
      ['no resources', [{}], 'BestEffort'],
      ['limits equal requests', [{ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } }], 'Guaranteed'],
      ['only a memory limit', [{ limits: { memory: '1Gi' }, requests: { memory: '1Gi' } }], 'Burstable'],
      ['requests below limits', [{ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } }], 'Burstable'],
      ['one container without', [{ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } }, {}], 'Burstable'],
    ];
    for (const [name, resources, want] of cases) {
      it(`${name} → ${want}`, () => assert.equal(podQOSClass(spec(resources)), want));
    }
  });

  describe('DaemonSet', () => {
    const d = defaulted(minimalDaemonSet);
    const spec = d['spec'] as Record<string, unknown>;

    it('fills the update strategy and history limit', () => {
      assert.deepEqual(spec['updateStrategy'], { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
      assert.equal(spec['revisionHistoryLimit'], 10);
    });

    it('fills the template spec as a pod spec, without pod status', () => {
      const template = spec['template'] as Record<string, unknown>;
      const tspec = template['spec'] as Record<string, unknown>;
      assert.equal(tspec['restartPolicy'], 'Always');
      assert.equal(tspec['schedulerName'], 'default-scheduler');
      const c = (tspec['containers'] as Record<string, unknown>[])[0] ?? {};
      assert.equal(c['imagePullPolicy'], 'IfNotPresent');
      assert.deepEqual(c['ports'], [{ containerPort: 9100, protocol: 'TCP', hostPort: 9100 }], 'hostNetwork copies containerPort to hostPort');
      assert.equal(template['status'], undefined);
      assert.equal(d['status'], undefined);
    });

    it('completes a partial strategy, and leaves OnDelete alone', () => {
      const partial = defaulted({ ...minimalDaemonSet, spec: { ...(minimalDaemonSet['spec'] as object), updateStrategy: { rollingUpdate: { maxUnavailable: '20%' } } } });
      assert.deepEqual((partial['spec'] as Record<string, unknown>)['updateStrategy'], { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '20%', maxSurge: 0 } });
      const onDelete = defaulted({ ...minimalDaemonSet, spec: { ...(minimalDaemonSet['spec'] as object), updateStrategy: { type: 'OnDelete' } } });
      assert.deepEqual((onDelete['spec'] as Record<string, unknown>)['updateStrategy'], { type: 'OnDelete' });
    });
  });

  describe('Secret', () => {
    it('is Opaque and stores stringData as base64 data', () => {
      const s = defaulted(ALL[2] as KubeObject);
      assert.equal(s['type'], 'Opaque');
      assert.deepEqual(s['data'], { pass: 'cHc=', user: Buffer.from('admin').toString('base64') });
      assert.equal(s['stringData'], undefined);
    });

    it('keeps a given type', () => {
      const s = defaulted({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'kubernetes.io/tls' });
      assert.equal(s['type'], 'kubernetes.io/tls');
    });

    it('leaves ill-typed stringData for validation', () => {
      const s = defaulted({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { pin: 1234 } });
      assert.deepEqual(s['stringData'], { pin: 1234 });
    });
  });

  describe('Namespace', () => {
    it('gets the kubernetes finalizer, Active phase and its name label', () => {
      const ns = defaulted(ALL[3] as KubeObject);
      assert.deepEqual(ns['spec'], { finalizers: ['kubernetes'] });
      assert.deepEqual(ns['status'], { phase: 'Active' });
      assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'edge' });
    });

    it('keeps given finalizers and phase', () => {
      const ns = defaulted({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' }, spec: { finalizers: [] }, status: { phase: 'Terminating' } });
      assert.deepEqual(ns['spec'], { finalizers: [] });
      assert.deepEqual(ns['status'], { phase: 'Terminating' });
    });
  });

  describe('Node', () => {
    it('allocates its capacity when it reports no allocatable', () => {
      const n = defaulted(ALL[4] as KubeObject);
      assert.deepEqual((n['status'] as Record<string, unknown>)['allocatable'], { cpu: '4', memory: '4Gi' });
    });
  });

  it('leaves kinds without defaults unchanged', () => {
    for (const obj of [ALL[5], ALL[6]] as KubeObject[]) assert.deepEqual(defaulted(obj), obj);
  });

  for (const obj of ALL) {
    it(`is idempotent for ${obj.kind}`, () => {
      const once = defaulted(obj);
      const twice = defaulted(once);
      assert.deepEqual(twice, once);
    });
  }

  it('changes something on every kind it defaults', () => {
    for (const obj of ALL.slice(0, 5)) assert.notDeepEqual(defaulted(obj), obj, obj.kind);
  });
});

import assert from 'node:assert/strict';
import { configObjects } from '../../agent/reconcile/config-objects.js';
import { expand, expandArgs, fieldRefValue, resolveEnv, type NodeFacts } from '../../agent/reconcile/env.js';
import { podModel, type PodModel } from '../../agent/reconcile/pod-model.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { JsonObject } from '../../shared/util/guards.js';

const NODE: NodeFacts = { hostIP: '10.0.0.7', cpuCores: 4, memoryBytes: 8 * 2 ** 30 };

const OBJECTS = configObjects({
  configMaps: [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' }, data: { LEVEL: 'debug', mode: 'fast' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'other' }, data: { LEVEL: 'wrong namespace' } },
  ],
  secrets: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, type: 'Opaque', data: { password: Buffer.from('s3cr3t').toString('base64') } }],
});

function pod(container: JsonObject, extra: JsonObject = {}): PodModel {
  const obj: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'cart', namespace: 'shop', uid: 'u-123', labels: { app: 'cart', tier: 'web' }, annotations: { note: 'hi' } },
    spec: { nodeName: 'pi-7', containers: [{ name: 'app', image: 'img', ...container }], ...extra },
  };
  const r = podModel(obj);
  assert.ok(r.ok);
  return r.pod;
}

function env(container: JsonObject, extra: JsonObject = {}): Record<string, string> | string {
  const p = pod(container, extra);
  const c = p.containers[0];
  assert.ok(c);
  const r = resolveEnv(p, c, OBJECTS, NODE);
  return r.ok ? Object.fromEntries(r.env) : r.error;
}

interface Row {
  name: string;
  container: JsonObject;
  extra?: JsonObject;
  want: Record<string, string> | string;
}

const ROWS: Row[] = [
  { name: 'plain values in order', container: { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }, want: { A: '1', B: '2' } },
  { name: 'later names win', container: { env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }, want: { A: '2' } },
  { name: '$(VAR) expands earlier variables; undefined stay; $$ escapes', container: { env: [{ name: 'A', value: 'x' }, { name: 'B', value: '$(A)-$(NOPE)-$$(A)' }] }, want: { A: 'x', B: 'x-$(NOPE)-$(A)' } },
  {
    name: 'envFrom a ConfigMap and a Secret with a prefix',
    container: { envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'DB_', secretRef: { name: 'db' } }] },
    want: { LEVEL: 'debug', mode: 'fast', DB_password: 's3cr3t' },
  },
  { name: 'env overrides envFrom', container: { envFrom: [{ configMapRef: { name: 'cfg' } }], env: [{ name: 'LEVEL', value: 'info' }] }, want: { LEVEL: 'info', mode: 'fast' } },
  { name: 'envFrom a missing ConfigMap', container: { envFrom: [{ configMapRef: { name: 'nope' } }] }, want: 'configmap "nope" not found' },
  { name: 'envFrom a missing optional Secret', container: { envFrom: [{ secretRef: { name: 'nope', optional: true } }] }, want: {} },
  { name: 'configMapKeyRef', container: { env: [{ name: 'L', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'LEVEL' } } }] }, want: { L: 'debug' } },
  {
    name: 'configMapKeyRef, missing key',
    container: { env: [{ name: 'L', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope' } } }] },
    want: "couldn't find key nope in ConfigMap shop/cfg",
  },
  { name: 'configMapKeyRef, missing optional key: unset', container: { env: [{ name: 'L', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope', optional: true } } }] }, want: {} },
  { name: 'configMapKeyRef, missing ConfigMap', container: { env: [{ name: 'L', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k' } } }] }, want: 'configmap "gone" not found' },
  { name: 'secretKeyRef', container: { env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }, want: { P: 's3cr3t' } },
  { name: 'secretKeyRef, missing Secret', container: { env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'x', key: 'k' } } }] }, want: 'secret "x" not found' },
  {
    name: 'secretKeyRef, missing key',
    container: { env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'user' } } }] },
    want: "couldn't find key user in Secret shop/db",
  },
  {
    name: 'fieldRef: metadata and spec',
    container: {
      env: [
        { name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'U', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
        { name: 'LABELS', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      ],
    },
    want: { N: 'cart', NS: 'shop', U: 'u-123', APP: 'cart', NOTE: 'hi', LABELS: 'app="cart"\ntier="web"', NODE: 'pi-7' },
  },
  {
    name: 'fieldRef: hostIP; podIP is the host IP on the host network, empty otherwise',
    container: { env: [{ name: 'H', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }, { name: 'P', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] },
    extra: { hostNetwork: true },
    want: { H: '10.0.0.7', P: '10.0.0.7' },
  },
  {
    name: 'fieldRef: podIP without the host network',
    container: { env: [{ name: 'P', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] },
    want: { P: '' },
  },
  {
    name: 'resourceFieldRef: limits and requests with divisors, rounded up',
    container: {
      resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m', memory: '32Mi' } },
      env: [
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
        { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
        { name: 'REQ_MEM', valueFrom: { resourceFieldRef: { resource: 'requests.memory' } } },
      ],
    },
    want: { CPU: '1', CPU_M: '500', MEM_MI: '64', REQ_M: '250', REQ_MEM: String(32 * 2 ** 20) },
  },
  {
    name: 'resourceFieldRef: an unset limit is the node allocatable',
    container: { env: [{ name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }, { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Gi' } } }] },
    want: { CPU: '4', MEM: '8' },
  },
];

describe('reconcile env resolution (table)', () => {
  for (const row of ROWS) {
    it(row.name, () => assert.deepEqual(env(row.container, row.extra), row.want));
  }

  it('a pod with an unsupported fieldRef path is refused, naming the field', () => {
    const r = podModel({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'cart', namespace: 'shop', uid: 'u-1' },
      spec: { containers: [{ name: 'app', image: 'img', env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] }] },
    });
    assert.ok(!r.ok);
    assert.match(r.error, /spec\.containers\[0\]\.env\[0\]\.valueFrom\.fieldRef\.fieldPath: Unsupported value: "spec\.bogus"/);
    assert.throws(() => fieldRefValue(pod({}), 'spec.bogus', NODE), /unsupported fieldRef path "spec\.bogus"/);
  });

  it('ConfigMaps of another namespace are not visible', () => {
    assert.equal(configObjects({ configMaps: [], secrets: [] }).configMap('shop', 'cfg'), undefined);
    assert.equal(OBJECTS.configMap('other', 'cfg')?.data.get('LEVEL')?.toString(), 'wrong namespace');
  });
});

describe('reconcile $(VAR) expansion', () => {
  const vars = new Map([
    ['A', 'alpha'],
    ['EMPTY', ''],
  ]);
  const rows: [string, string][] = [
    ['$(A)', 'alpha'],
    ['x$(A)y', 'xalphay'],
    ['$(EMPTY)|', '|'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['$$', '$'],
    ['$A', '$A'],
    ['$(A', '$(A'],
    ['a$', 'a$'],
    ['$(A)$(A)', 'alphaalpha'],
  ];
  for (const [input, want] of rows) it(`${input} → ${want}`, () => assert.equal(expand(input, (n) => vars.get(n)), want));

  it('command and args expand with the final environment', () => {
    assert.deepEqual(expandArgs(['echo', '$(A)', '$$(A)'], [['A', '1']]), ['echo', '1', '$(A)']);
    assert.equal(expandArgs(undefined, []), undefined);
  });
});

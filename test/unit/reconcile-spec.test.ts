import assert from 'node:assert/strict';
import { LABELS } from '../../agent/engine/types.js';
import { configObjects } from '../../agent/reconcile/config-objects.js';
import { buildDesired, type BuildContext } from '../../agent/reconcile/desired.js';
import { podModel } from '../../agent/reconcile/pod-model.js';
import { pullAuth, registryHost } from '../../agent/reconcile/registry-auth.js';
import { cgroupSettings, milliCpuToShares, type RuntimeCaps } from '../../agent/reconcile/resources.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { JsonObject } from '../../shared/util/guards.js';

const CAPS: RuntimeCaps = { memoryLimitSupported: true, cpuCfsQuotaSupported: true, pidsLimitSupported: true };
const CTX: BuildContext = {
  podsDir: '/data/pods',
  node: { hostIP: '10.0.0.2', cpuCores: 4, memoryBytes: 2 ** 32 },
  runtime: CAPS,
  podPidsLimit: 1024,
  allowPrivileged: false,
  podInfraImage: 'registry.k8s.io/pause:3.10',
};

function model(resources: JsonObject) {
  const r = podModel({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [{ name: 'c', image: 'i', resources }] } });
  assert.ok(r.ok);
  const c = r.pod.containers[0];
  assert.ok(c);
  return c;
}

describe('reconcile cgroups (table)', () => {
  const rows: { name: string; resources: JsonObject; caps?: RuntimeCaps; pids?: number; want: JsonObject; warnings?: RegExp[] }[] = [
    { name: 'no resources: minimal shares, node pids limit', resources: {}, want: { cpuShares: 2, pidsLimit: 1024 } },
    {
      name: 'limits.memory → memory and memory+swap equal',
      resources: { limits: { memory: '128Mi' } },
      want: { cpuShares: 2, pidsLimit: 1024, memoryBytes: 128 * 2 ** 20, memorySwapBytes: 128 * 2 ** 20 },
    },
    { name: 'limits.cpu 500m → quota 50000 / 100000; requests default to it', resources: { limits: { cpu: '500m' } }, want: { cpuShares: 512, pidsLimit: 1024, cpuQuota: 50_000, cpuPeriod: 100_000 } },
    { name: 'limits.cpu 2 → quota 200000', resources: { limits: { cpu: 2 } }, want: { cpuShares: 2048, pidsLimit: 1024, cpuQuota: 200_000, cpuPeriod: 100_000 } },
    { name: 'limits.cpu 1m → the 1 ms floor', resources: { limits: { cpu: '1m' } }, want: { cpuShares: 2, pidsLimit: 1024, cpuQuota: 1000, cpuPeriod: 100_000 } },
    { name: 'requests.cpu 250m → 256 shares', resources: { requests: { cpu: '250m' } }, want: { cpuShares: 256, pidsLimit: 1024 } },
    { name: 'requests.cpu 1m → at least 2 shares', resources: { requests: { cpu: '1m' } }, want: { cpuShares: 2, pidsLimit: 1024 } },
    { name: 'pids limit 0: none', resources: {}, pids: 0, want: { cpuShares: 2 } },
    {
      name: 'memory cgroup disabled: no memory limit, a warning',
      resources: { limits: { memory: '64Mi' } },
      caps: { ...CAPS, memoryLimitSupported: false },
      want: { cpuShares: 2, pidsLimit: 1024 },
      warnings: [/limits.memory 64Mi of container "c" is not enforced: the kernel has the memory cgroup disabled/],
    },
    {
      name: 'no CFS quota: no cpu limit, a warning; no pids cgroup: a warning',
      resources: { limits: { cpu: '1' } },
      caps: { memoryLimitSupported: true, cpuCfsQuotaSupported: false, pidsLimitSupported: false },
      want: { cpuShares: 1024 },
      warnings: [/limits.cpu 1 of container "c" is not enforced/, /pids limit \(1024 per container\) is not enforced/],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const r = cgroupSettings(model(row.resources), row.pids ?? 1024, row.caps ?? CAPS);
      assert.deepEqual(r.settings, row.want);
      assert.equal(r.warnings.length, row.warnings?.length ?? 0);
      row.warnings?.forEach((re, i) => assert.match(r.warnings[i] ?? '', re));
    });
  }

  it('MilliCPUToShares', () => {
    assert.deepEqual([0, 1, 2, 100, 250, 1000, 4000].map(milliCpuToShares), [2, 2, 2, 102, 256, 1024, 4096]);
  });
});

function pod(container: JsonObject, spec: JsonObject = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-1' },
    spec: { containers: [{ name: 'app', image: 'busybox:1.36', ...container }], ...spec },
  };
}

function first(p: KubeObject, cms: KubeObject[] = [], ctx: Partial<BuildContext> = {}) {
  const d = buildDesired({ node: 'n', seq: 1, issuedAt: '', pods: [p], configMaps: cms, secrets: [] }, { ...CTX, ...ctx });
  const dp = d.pods[0];
  assert.ok(dp);
  const c = dp.app[0];
  assert.ok(c);
  return { dp, c };
}

const cfg = (v: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' }, data: { k: v } });

describe('reconcile container specs and hashes', () => {
  it('the spec hash ignores values resolved from ConfigMaps (no restart on change)', () => {
    const p = pod({ env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] });
    const a = first(p, [cfg('1')]).c;
    const b = first(p, [cfg('2')]).c;
    assert.equal(a.specHash, b.specHash);
    assert.deepEqual(a.template?.env, ['K=1']);
    assert.deepEqual(b.template?.env, ['K=2']);
  });

  it('the spec hash changes with the image, the command, limits and node settings', () => {
    const base = first(pod({})).c.specHash;
    assert.notEqual(first(pod({ image: 'busybox:1.37' })).c.specHash, base);
    assert.notEqual(first(pod({ command: ['sh'] })).c.specHash, base);
    assert.notEqual(first(pod({ resources: { limits: { memory: '1Gi' } } })).c.specHash, base);
    assert.notEqual(first(pod({}), [], { podPidsLimit: 2048 }).c.specHash, base);
    assert.equal(first(pod({})).c.specHash, base, 'stable');
  });

  it('command/args: entrypoint and cmd, with $(VAR) expanded', () => {
    const { c } = first(pod({ command: ['sh', '-c'], args: ['echo $(GREETING)'], env: [{ name: 'GREETING', value: 'hi' }] }));
    assert.deepEqual(c.template?.entrypoint, ['sh', '-c']);
    assert.deepEqual(c.template?.cmd, ['echo hi']);
  });

  it('mounts: configMap and secret volumes read-only, subPath joined, emptyDir under the pod dir', () => {
    const { c } = first(
      pod(
        {
          volumeMounts: [
            { name: 'conf', mountPath: '/etc/app' },
            { name: 'scratch', mountPath: '/tmp/x', subPath: 'a/b' },
            { name: 'host', mountPath: '/host', readOnly: true },
          ],
        },
        { volumes: [{ name: 'conf', configMap: { name: 'cfg' } }, { name: 'scratch', emptyDir: {} }, { name: 'host', hostPath: { path: '/srv/data' } }] },
      ),
      [cfg('1')],
    );
    assert.deepEqual(c.template?.mounts, [
      { hostPath: '/data/pods/uid-1/volumes/configmap/conf', containerPath: '/etc/app', readOnly: true },
      { hostPath: '/data/pods/uid-1/volumes/empty-dir/scratch/a/b', containerPath: '/tmp/x', readOnly: false, volumeRoot: '/data/pods/uid-1/volumes/empty-dir/scratch' },
      { hostPath: '/srv/data', containerPath: '/host', readOnly: true },
    ]);
  });

  it('the sandbox: infra image and command, network none, the pod hostname, the pods ports', () => {
    const { dp } = first(pod({ ports: [{ containerPort: 80, hostPort: 8080 }] }), [], { podInfraCommand: ['sleep', '2147483647'] });
    assert.ok(dp.sandbox);
    assert.equal(dp.sandbox.template.image, 'registry.k8s.io/pause:3.10');
    assert.deepEqual(dp.sandbox.template.entrypoint, ['sleep', '2147483647']);
    assert.equal(dp.sandbox.template.networkMode, 'none');
    assert.equal(dp.sandbox.template.hostname, 'web');
    assert.deepEqual(dp.sandbox.template.ports, [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }]);
    assert.deepEqual(dp.sandbox.warnings.map((w) => w.reason), ['HostPortNotPublished']);
    assert.match(dp.sandbox.warnings[0]?.message ?? '', /hostPort 8080\/TCP is not published/);
  });

  it('names and labels: deterministic, with the attempt', async () => {
    const { finalSpec } = await import('../../agent/reconcile/container-spec.js');
    const { c, dp } = first(pod({}), [], {});
    assert.ok(c.template);
    const spec = finalSpec(dp.model.ref, 'app', 'app', c.specHash, 3, c.template, { id: 'sandbox-id' });
    assert.equal(spec.name, 'flotilla_app_web_shop_uid-1_3');
    assert.equal(spec.networkMode, 'container:sandbox-id');
    assert.deepEqual(spec.labels, {
      [LABELS.managed]: 'true',
      [LABELS.podUid]: 'uid-1',
      [LABELS.podNamespace]: 'shop',
      [LABELS.podName]: 'web',
      [LABELS.container]: 'app',
      [LABELS.role]: 'app',
      [LABELS.specHash]: c.specHash,
      [LABELS.attempt]: '3',
    });
  });

  it('pull policy defaults: :latest and untagged → Always, pinned → IfNotPresent', () => {
    assert.equal(first(pod({ image: 'busybox' })).c.pullPolicy, 'Always');
    assert.equal(first(pod({ image: 'busybox:latest' })).c.pullPolicy, 'Always');
    assert.equal(first(pod({ image: 'busybox:1.36' })).c.pullPolicy, 'IfNotPresent');
    assert.equal(first(pod({ image: 'busybox', imagePullPolicy: 'Never' })).c.pullPolicy, 'Never');
  });

  it('a pod without a usable uid is skipped, never run', () => {
    const d = buildDesired({ node: 'n', seq: 1, issuedAt: '', pods: [{ ...pod({}), metadata: { name: 'x', namespace: 'shop', uid: '../etc' } }], configMaps: [], secrets: [] }, CTX);
    assert.equal(d.pods.length, 0);
    assert.match(d.skipped[0]?.error ?? '', /uid/);
  });
});

describe('reconcile registry credentials', () => {
  it('registry host of image references', () => {
    const rows: [string, string][] = [
      ['busybox', 'docker.io'],
      ['library/busybox:1.36', 'docker.io'],
      ['docker.io/library/busybox', 'docker.io'],
      ['index.docker.io/x/y', 'docker.io'],
      ['127.0.0.1:5000/flotilla/busybox:1.0', '127.0.0.1:5000'],
      ['ghcr.io/owner/app@sha256:abc', 'ghcr.io'],
      ['localhost/app', 'localhost'],
    ];
    for (const [image, host] of rows) assert.equal(registryHost(image), host, image);
  });

  const secret = (name: string, auths: JsonObject, type = 'kubernetes.io/dockerconfigjson'): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'shop' },
    type,
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') },
  });

  it('dockerconfigjson: the entry for the image registry, auth decoded', () => {
    const objects = configObjects({
      configMaps: [],
      secrets: [
        secret('other', { 'ghcr.io': { username: 'g', password: 'p' } }),
        secret('regcred', { 'http://127.0.0.1:5000': { auth: Buffer.from('alice:wonder:land').toString('base64') } }),
      ],
    });
    const r = pullAuth('127.0.0.1:5000/flotilla/busybox:1.0', 'shop', ['missing', 'other', 'regcred'], objects);
    assert.deepEqual(r.auth, { serveraddress: '127.0.0.1:5000', username: 'alice', password: 'wonder:land', auth: Buffer.from('alice:wonder:land').toString('base64') });
    assert.deepEqual(r.problems, ['imagePullSecrets: secret "missing" not found']);
  });

  it('Docker Hub entries under their usual keys', () => {
    const objects = configObjects({ configMaps: [], secrets: [secret('hub', { 'https://index.docker.io/v1/': { username: 'u', password: 'p' } })] });
    assert.deepEqual(pullAuth('busybox', 'shop', ['hub'], objects).auth, { serveraddress: 'https://index.docker.io/v1/', username: 'u', password: 'p' });
    assert.equal(pullAuth('ghcr.io/x/y', 'shop', ['hub'], objects).auth, undefined);
  });
});

import assert from 'node:assert/strict';
import { ApiError } from '../../shared/api/errors.js';
import { strategicMergePatch } from '../../shared/patch/index.js';

interface Container {
  name: string;
  image?: string;
  args?: string[];
  env?: Record<string, unknown>[];
  ports?: Record<string, unknown>[];
  volumeMounts?: Record<string, unknown>[];
}

interface PodFixture {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] };
  spec: {
    containers: Container[];
    initContainers?: Container[];
    volumes?: Record<string, unknown>[];
    tolerations?: Record<string, unknown>[];
    nodeSelector?: Record<string, string> | string;
  };
}

const pod = (): PodFixture => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a', 'b'] },
  spec: {
    containers: [
      {
        name: 'app',
        image: 'app:1',
        args: ['--a', '--b'],
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      },
      { name: 'side', image: 'side:1' },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    tolerations: [{ key: 'k1', operator: 'Exists' }],
    nodeSelector: { disk: 'ssd' },
  },
});

/** The fixture after `edit`. */
function podWith(edit: (p: PodFixture) => void): PodFixture {
  const p = pod();
  edit(p);
  return p;
}

/** Container `i` of the fixture. */
function ctr(p: PodFixture, i: number): Container {
  const c = p.spec.containers[i];
  assert.ok(c);
  return c;
}

interface Case {
  name: string;
  patch: unknown;
  want: unknown;
  kind?: string;
  target?: unknown;
}

const cases: Case[] = [
  {
    name: 'maps merge and null deletes a key',
    patch: { metadata: { labels: { app: null, tier: 'fe' } } },
    want: podWith((p) => (p.metadata.labels = { tier: 'fe' })),
  },
  {
    name: 'a container matching by name is merged, its other fields kept',
    patch: { spec: { containers: [{ name: 'side', image: 'side:2' }] } },
    want: podWith((p) => (ctr(p, 1).image = 'side:2')),
  },
  {
    name: 'a new container goes before the untouched ones, as in Kubernetes',
    patch: { spec: { containers: [{ name: 'new', image: 'new:1' }] } },
    want: podWith((p) => p.spec.containers.unshift({ name: 'new', image: 'new:1' })),
  },
  {
    name: 'a new container follows a patched one it is listed after',
    patch: { spec: { containers: [{ name: 'side', image: 'side:2' }, { name: 'new' }] } },
    want: podWith((p) => {
      ctr(p, 1).image = 'side:2';
      p.spec.containers.push({ name: 'new' });
    }),
  },
  {
    name: 'env merges by name: changed and new variables',
    patch: { spec: { containers: [{ name: 'app', env: [{ name: 'A', value: '9' }, { name: 'C', value: '3' }] }] } },
    want: podWith(
      (p) =>
        (ctr(p, 0).env = [
          { name: 'A', value: '9' },
          { name: 'C', value: '3' },
          { name: 'B', value: '2' },
        ]),
    ),
  },
  {
    name: '$patch: delete removes a list item by merge key',
    patch: { spec: { containers: [{ name: 'app', env: [{ name: 'B', $patch: 'delete' }] }] } },
    want: podWith((p) => (ctr(p, 0).env = [{ name: 'A', value: '1' }])),
  },
  {
    name: 'ports merge by containerPort',
    patch: { spec: { containers: [{ name: 'app', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }] } },
    want: podWith((p) => (ctr(p, 0).ports = [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }])),
  },
  {
    name: 'ports merge by containerPort alone, so a UDP port overwrites the TCP one (Kubernetes issue 108255)',
    patch: { spec: { containers: [{ name: 'app', ports: [{ containerPort: 80, protocol: 'UDP' }] }] } },
    want: podWith((p) => (ctr(p, 0).ports = [{ containerPort: 80, protocol: 'UDP' }])),
  },
  {
    name: 'volumeMounts merge by mountPath',
    patch: { spec: { containers: [{ name: 'app', volumeMounts: [{ mountPath: '/data', readOnly: true }] }] } },
    want: podWith((p) => (ctr(p, 0).volumeMounts = [{ name: 'data', mountPath: '/data', readOnly: true }])),
  },
  {
    name: 'volumes merge by name (without $retainKeys the old source stays)',
    patch: { spec: { volumes: [{ name: 'data', hostPath: { path: '/x' } }] } },
    want: podWith((p) => (p.spec.volumes = [{ name: 'data', emptyDir: {}, hostPath: { path: '/x' } }])),
  },
  {
    name: '$retainKeys clears the fields it does not list',
    patch: { spec: { volumes: [{ name: 'data', hostPath: { path: '/x' }, $retainKeys: ['hostPath', 'name'] }] } },
    want: podWith((p) => (p.spec.volumes = [{ name: 'data', hostPath: { path: '/x' } }])),
  },
  {
    name: 'tolerations are atomic: replaced whole',
    patch: { spec: { tolerations: [{ key: 'k2', operator: 'Exists' }] } },
    want: podWith((p) => (p.spec.tolerations = [{ key: 'k2', operator: 'Exists' }])),
  },
  {
    name: 'args are atomic: replaced whole',
    patch: { spec: { containers: [{ name: 'app', args: ['--c'] }] } },
    want: podWith((p) => (ctr(p, 0).args = ['--c'])),
  },
  {
    name: 'maps always merge (nodeSelector)',
    patch: { spec: { nodeSelector: { zone: 'a' } } },
    want: podWith((p) => (p.spec.nodeSelector = { disk: 'ssd', zone: 'a' })),
  },
  {
    name: 'finalizers are a set: union, new values first',
    patch: { metadata: { finalizers: ['c', 'a'] } },
    want: podWith((p) => (p.metadata.finalizers = ['c', 'a', 'b'])),
  },
  {
    name: '$deleteFromPrimitiveList removes values from a set',
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a', 'zz'] } },
    want: podWith((p) => (p.metadata.finalizers = ['b'])),
  },
  {
    name: '$deleteFromPrimitiveList removing every value drops the field',
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a', 'b'] } },
    want: podWith((p) => delete p.metadata.finalizers),
  },
  {
    name: '$setElementOrder reorders a keyed list',
    patch: { spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }] } },
    want: podWith((p) => p.spec.containers.reverse()),
  },
  {
    name: '$setElementOrder places a new item',
    patch: { spec: { '$setElementOrder/containers': [{ name: 'app' }, { name: 'new' }, { name: 'side' }], containers: [{ name: 'new' }] } },
    want: podWith((p) => p.spec.containers.splice(1, 0, { name: 'new' })),
  },
  {
    name: '$setElementOrder reorders a set',
    patch: { metadata: { '$setElementOrder/finalizers': ['b', 'a'] } },
    want: podWith((p) => (p.metadata.finalizers = ['b', 'a'])),
  },
  {
    name: '$setElementOrder with a deletion, as kubectl sends it',
    patch: { spec: { '$setElementOrder/containers': [{ name: 'side' }], containers: [{ name: 'app', $patch: 'delete' }] } },
    want: podWith((p) => p.spec.containers.shift()),
  },
  {
    name: '$patch: replace in a list replaces the list',
    patch: { spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] } },
    want: podWith((p) => (p.spec.containers = [{ name: 'only', image: 'x' }])),
  },
  {
    name: '$patch: replace on a map replaces the map',
    patch: { spec: { nodeSelector: { $patch: 'replace', zone: 'a' } } },
    want: podWith((p) => (p.spec.nodeSelector = { zone: 'a' })),
  },
  {
    name: '$patch: delete on a map deletes it',
    patch: { metadata: { labels: { $patch: 'delete' } } },
    want: podWith((p) => delete p.metadata.labels),
  },
  {
    name: '$patch: merge on a map is the default merge',
    patch: { metadata: { labels: { $patch: 'merge', tier: 'fe' } } },
    want: podWith((p) => (p.metadata.labels = { app: 'web', tier: 'fe' })),
  },
  {
    name: 'null deletes a whole list',
    patch: { spec: { tolerations: null } },
    want: podWith((p) => delete p.spec.tolerations),
  },
  {
    name: 'an empty patch list leaves a merge list alone',
    patch: { spec: { containers: [] } },
    want: pod(),
  },
  {
    name: 'a new subtree is stored without nulls or directives',
    patch: {
      metadata: { annotations: { a: 'x', b: null } },
      spec: { initContainers: [{ name: 'init', image: 'busybox', env: [{ name: 'X', value: '1' }, { name: 'Y', $patch: 'delete' }] }] },
    },
    want: podWith((p) => {
      p.metadata.annotations = { a: 'x' };
      p.spec.initContainers = [{ name: 'init', image: 'busybox', env: [{ name: 'X', value: '1' }] }];
    }),
  },
  {
    name: 'a value of another type replaces the old one',
    patch: { spec: { nodeSelector: 'none' } },
    want: podWith((p) => (p.spec.nodeSelector = 'none')),
  },
  {
    name: 'ownerReferences merge by uid',
    target: { metadata: { ownerReferences: [{ uid: 'u1', name: 'a' }] } },
    patch: { metadata: { ownerReferences: [{ uid: 'u1', controller: true }, { uid: 'u2', name: 'b' }] } },
    want: { metadata: { ownerReferences: [{ uid: 'u1', name: 'a', controller: true }, { uid: 'u2', name: 'b' }] } },
  },
  {
    name: 'DaemonSet: template containers merge by name',
    kind: 'DaemonSet',
    target: { spec: { template: { spec: { containers: [{ name: 'a', image: 'a:1' }], tolerations: [{ key: 'x' }] } } } },
    patch: { spec: { template: { spec: { containers: [{ name: 'a', image: 'a:2' }], tolerations: [{ key: 'y' }] } } } },
    want: { spec: { template: { spec: { containers: [{ name: 'a', image: 'a:2' }], tolerations: [{ key: 'y' }] } } } },
  },
  {
    name: 'Node: taints are atomic, addresses and conditions merge by type',
    kind: 'Node',
    target: {
      spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] },
      status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], conditions: [{ type: 'Ready', status: 'False' }] },
    },
    patch: {
      spec: { taints: [{ key: 'b', effect: 'NoSchedule' }] },
      status: { addresses: [{ type: 'Hostname', address: 'n1' }], conditions: [{ type: 'Ready', status: 'True' }] },
    },
    want: {
      spec: { taints: [{ key: 'b', effect: 'NoSchedule' }] },
      status: {
        addresses: [
          { type: 'Hostname', address: 'n1' },
          { type: 'InternalIP', address: '10.0.0.1' },
        ],
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    },
  },
  {
    name: 'a list the table does not know is atomic (Pod containers at a DaemonSet path)',
    target: { spec: { template: { spec: { containers: [{ name: 'a' }] } } } },
    patch: { spec: { template: { spec: { containers: [{ name: 'b' }] } } } },
    want: { spec: { template: { spec: { containers: [{ name: 'b' }] } } } },
  },
];

interface ErrorCase {
  name: string;
  patch: unknown;
  field: string | undefined;
  message: RegExp;
}

const errors: ErrorCase[] = [
  { name: 'a patch that is not an object', patch: [{ op: 'add' }], field: undefined, message: /must be a JSON object/ },
  {
    name: 'a container without its merge key',
    patch: { spec: { containers: [{ name: 'app' }, { image: 'x' }] } },
    field: 'spec.containers[1]',
    message: /merge key: name/,
  },
  {
    name: 'a delete directive without the merge key',
    patch: { spec: { containers: [{ name: 'app', env: [{ $patch: 'delete' }] }] } },
    field: 'spec.containers[0].env[0]',
    message: /merge key: name/,
  },
  {
    name: 'a list item that is not an object',
    patch: { spec: { volumes: ['data'] } },
    field: 'spec.volumes[0]',
    message: /merge key "name"/,
  },
  { name: 'an unknown $patch on a map', patch: { metadata: { labels: { $patch: 'remove' } } }, field: 'metadata.labels.$patch', message: /unknown patch type "remove"/ },
  {
    name: 'an unknown $patch in a list',
    patch: { spec: { containers: [{ name: 'app', $patch: 'drop' }] } },
    field: 'spec.containers[0].$patch',
    message: /unknown patch type "drop"/,
  },
  {
    name: '$retainKeys that is not a list',
    patch: { spec: { volumes: [{ name: 'data', $retainKeys: 'name' }] } },
    field: 'spec.volumes[0].$retainKeys',
    message: /retainKeys/,
  },
  {
    name: '$retainKeys that leaves out a field the patch sets',
    patch: { spec: { volumes: [{ name: 'data', hostPath: { path: '/x' }, $retainKeys: ['name'] }] } },
    field: 'spec.volumes[0].$retainKeys',
    message: /"hostPath"/,
  },
  {
    name: 'a $setElementOrder list that disagrees with the patch list',
    patch: { spec: { '$setElementOrder/containers': [{ name: 'app' }, { name: 'side' }], containers: [{ name: 'side' }, { name: 'app' }] } },
    field: 'spec.$setElementOrder/containers',
    message: /does not match/,
  },
  {
    name: 'a $deleteFromPrimitiveList that is not a list',
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } },
    field: 'metadata.$deleteFromPrimitiveList/finalizers',
    message: /primitive list/,
  },
  {
    name: 'an object in a set of primitives',
    patch: { metadata: { finalizers: [{ $patch: 'replace' }] } },
    field: 'metadata.finalizers[0]',
    message: /primitives/,
  },
];

describe('strategicMergePatch', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(strategicMergePatch(c.target ?? pod(), c.patch, c.kind ?? 'Pod'), c.want);
    });
  }

  for (const c of errors) {
    it(`rejects ${c.name} with 400`, () => {
      assert.throws(
        () => strategicMergePatch(pod(), c.patch, 'Pod'),
        (e: unknown) => {
          assert.ok(e instanceof ApiError);
          assert.equal(e.code, 400);
          assert.equal(e.details?.causes?.[0]?.field, c.field);
          assert.match(e.message, c.message);
          return true;
        },
      );
    });
  }

  it('never mutates its inputs nor aliases the patch in the result', () => {
    const target = pod();
    const patch = {
      metadata: { labels: { tier: 'fe' }, '$deleteFromPrimitiveList/finalizers': ['a'] },
      spec: { containers: [{ name: 'app', env: [{ name: 'B', $patch: 'delete' }, { name: 'C', valueFrom: { fieldRef: { fieldPath: 'x' } } }] }] },
    };
    const before = structuredClone({ target, patch });
    const out = strategicMergePatch(target, patch, 'Pod') as PodFixture;
    assert.deepEqual({ target, patch }, before);
    const added = ctr(out, 0).env?.find((e) => e['name'] === 'C');
    assert.ok(added);
    added['valueFrom'] = 'changed';
    assert.deepEqual(patch, before.patch);
  });

  it('starts from {} when the target is not an object', () => {
    assert.deepEqual(strategicMergePatch(undefined, { a: { b: null, c: 1 } }, 'ConfigMap'), { a: { c: 1 } });
  });
});

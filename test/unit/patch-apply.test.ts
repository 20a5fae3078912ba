import assert from 'node:assert/strict';
import { ApiError } from '../../shared/api/errors.js';
import type { KubeObject, ManagedFieldsEntry } from '../../shared/api/meta.js';
import { fromStore, type Container, type Pod } from '../../shared/api/types/index.js';
import { fieldSetOf, recordUpdate, serverSideApply, type ServerSideApplyOptions } from '../../shared/patch/index.js';

const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T11:00:00Z';
const T2 = '2024-05-01T12:00:00Z';

function opts(manager: string, now: string, extra: Partial<ServerSideApplyOptions> = {}): ServerSideApplyOptions {
  return { manager, now, force: false, kind: 'Pod', ...extra };
}

/** A Pod configuration as a user's manifest holds it. */
function podConfig(edit: (p: Pod) => void = () => undefined): Pod {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'fe' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'app:1',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
        },
      ],
      tolerations: [{ key: 'k', operator: 'Exists' }],
    },
  };
  edit(p);
  return p;
}

function shape(o: KubeObject): Pod {
  return fromStore('Pod', o);
}

/** Container `i` of a fixture being edited. */
function ctr(p: Pod, i = 0): Container {
  const c = p.spec.containers[i];
  assert.ok(c, `container ${i}`);
  return c;
}

function container(o: KubeObject, i = 0): Container {
  return ctr(shape(o), i);
}

/** What the API server stores after an apply-create: server metadata filled in. */
function stored(o: KubeObject): KubeObject {
  const s = structuredClone(o);
  Object.assign(s.metadata, { uid: 'uid-1', resourceVersion: '7', creationTimestamp: T0 });
  return s;
}

function entry(o: KubeObject, manager: string): ManagedFieldsEntry {
  const e = o.metadata.managedFields?.find((m) => m.manager === manager);
  assert.ok(e, `managedFields entry of ${manager}`);
  return e;
}

function managers(o: KubeObject): string[] {
  return (o.metadata.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`);
}

function assertConflict(fn: () => unknown, message: string | RegExp, fields?: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 409);
    assert.equal(e.reason, 'Conflict');
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    if (fields) assert.deepEqual(e.details?.causes?.map((c) => c.field), fields);
    return true;
  });
}

describe('serverSideApply', () => {
  it('creates the object: the configuration without status, owned by the manager', () => {
    const config = podConfig((p) => (p.status = { phase: 'Running' }));
    const out = serverSideApply(undefined, config, opts('kubectl', T0));
    const { managedFields, ...meta } = out.metadata;
    assert.deepEqual(meta, { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'fe' } });
    assert.equal(out['status'], undefined);
    assert.deepEqual(out['spec'], podConfig().spec);
    assert.deepEqual(managedFields, [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {}, 'f:tier': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"app"}': {
                '.': {},
                'f:env': {
                  'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} },
                  'k:{"name":"B"}': { '.': {}, 'f:name': {}, 'f:value': {} },
                },
                'f:image': {},
                'f:name': {},
              },
            },
            'f:tolerations': {},
          },
        },
      },
    ]);
    assert.equal(config['status'] !== undefined, true, 'input not mutated');
  });

  it('keeps status on create for a kind without a status subresource', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'v' }, status: { x: 1 } } as KubeObject;
    const out = serverSideApply(undefined, cm, opts('mgr', T0, { kind: 'ConfigMap' }));
    assert.deepEqual(out['data'], { k: 'v' });
    assert.deepEqual(entry(out, 'mgr').fieldsV1, { 'f:data': { 'f:k': {} }, 'f:status': { 'f:x': {} } });
  });

  it('updates changed fields and moves the entry time', () => {
    const live = stored(serverSideApply(undefined, podConfig(), opts('kubectl', T0)));
    const out = serverSideApply(live, podConfig((p) => (ctr(p).image = 'app:2')), opts('kubectl', T1));
    assert.equal(container(out).image, 'app:2');
    assert.equal(entry(out, 'kubectl').time, T1);
    assert.deepEqual(managers(out), ['kubectl/Apply']);
  });

  it('an identical re-apply changes nothing, not even the time', () => {
    const live = stored(serverSideApply(undefined, podConfig(), opts('kubectl', T0)));
    assert.deepEqual(serverSideApply(live, podConfig(), opts('kubectl', T1)), live);
  });

  it('an env var dropped from the manifest is removed', () => {
    const live = stored(serverSideApply(undefined, podConfig(), opts('kubectl', T0)));
    const out = serverSideApply(live, podConfig((p) => (ctr(p).env = [{ name: 'A', value: '1' }])), opts('kubectl', T1));
    assert.deepEqual(container(out).env, [{ name: 'A', value: '1' }]);
    const owned = entry(out, 'kubectl').fieldsV1 as Record<string, Record<string, Record<string, Record<string, Record<string, unknown>>>>>;
    assert.deepEqual(Object.keys(owned['f:spec']?.['f:containers']?.['k:{"name":"app"}']?.['f:env'] ?? {}), ['k:{"name":"A"}']);
  });

  it('a label dropped from the manifest is removed; labels others set survive', () => {
    let live = stored(serverSideApply(undefined, podConfig(), opts('kubectl', T0)));
    // "kubectl-label" adds a label through an ordinary update; another one appears with no manager at all.
    const labelled = structuredClone(live);
    labelled.metadata.labels = { ...labelled.metadata.labels, owner: 'ops' };
    live = recordUpdate(live, labelled, { manager: 'kubectl-label', now: T1, kind: 'Pod' });
    live.metadata.labels = { ...live.metadata.labels, untracked: 'yes' };

    const out = serverSideApply(live, podConfig((p) => (p.metadata.labels = { app: 'web' })), opts('kubectl', T2));
    assert.deepEqual(out.metadata.labels, { app: 'web', owner: 'ops', untracked: 'yes' });
    assert.deepEqual(managers(out), ['kubectl/Apply', 'kubectl-label/Update']);
  });

  it('dropping every label removes the labels map', () => {
    const live = stored(serverSideApply(undefined, podConfig(), opts('kubectl', T0)));
    const out = serverSideApply(live, podConfig((p) => delete p.metadata.labels), opts('kubectl', T1));
    assert.equal(out.metadata.labels, undefined);
  });

  it('status and server metadata are never applied nor removed', () => {
    const live = stored(serverSideApply(undefined, podConfig(), opts('kubectl', T0)));
    live['status'] = { phase: 'Running' };
    live.metadata.generation = 1;
    const config = podConfig((p) => {
      p.status = { phase: 'Failed' };
      Object.assign(p.metadata, { uid: 'other', creationTimestamp: T2, generation: 9 });
    });
    const out = serverSideApply(live, config, opts('kubectl', T1));
    assert.deepEqual(out['status'], { phase: 'Running' });
    assert.deepEqual(
      [out.metadata.uid, out.metadata.resourceVersion, out.metadata.creationTimestamp, out.metadata.generation, out.metadata.name],
      ['uid-1', '7', T0, 1, 'web'],
    );
  });

  it('conflicts with another applier that owns a field it would change', () => {
    const live = stored(serverSideApply(undefined, podConfig(), opts('alice', T0)));
    const bob = podConfig((p) => (p.metadata.labels = { tier: 'be' }));
    assertConflict(() => serverSideApply(live, bob, opts('bob', T1)), 'Apply failed with 1 conflict: conflict with "alice": .metadata.labels.tier', [
      '.metadata.labels.tier',
    ]);
  });

  it('lists every conflict, grouped by manager', () => {
    const live = stored(serverSideApply(undefined, podConfig(), opts('alice', T0)));
    const bob = podConfig((p) => {
      p.metadata.labels = { tier: 'be' };
      ctr(p).image = 'app:9';
    });
    assertConflict(
      () => serverSideApply(live, bob, opts('bob', T1)),
      'Apply failed with 2 conflicts: conflicts with "alice":\n- .metadata.labels.tier\n- .spec.containers[name="app"].image',
    );
  });

  it('a field applied with the same value is shared, and stays when one owner drops it', () => {
    const live = stored(serverSideApply(undefined, podConfig(), opts('alice', T0)));
    const shared = serverSideApply(live, podConfig((p) => (p.metadata.labels = { tier: 'fe' })), opts('bob', T1));
    assert.deepEqual(managers(shared), ['alice/Apply', 'bob/Apply']);
    const out = serverSideApply(shared, podConfig((p) => (p.metadata.labels = { app: 'web' })), opts('alice', T2));
    assert.deepEqual(out.metadata.labels, { app: 'web', tier: 'fe' });
  });

  it('force takes the field from the other manager', () => {
    const live = stored(serverSideApply(undefined, podConfig(), opts('alice', T0)));
    const bob = podConfig((p) => (p.metadata.labels = { tier: 'be' }));
    const out = serverSideApply(live, bob, opts('bob', T1, { force: true }));
    assert.equal(out.metadata.labels?.['tier'], 'be');
    assert.deepEqual(entry(out, 'bob').fieldsV1, { 'f:metadata': { 'f:labels': { 'f:tier': {} } }, 'f:spec': fieldSetOf(bob, 'Pod')['f:spec'] });
    assert.deepEqual((entry(out, 'alice').fieldsV1['f:metadata'] as Record<string, unknown>)['f:labels'], { 'f:app': {} });
    // alice no longer owns tier, so dropping it from her manifest leaves bob's value
    const after = serverSideApply(out, podConfig((p) => (p.metadata.labels = { app: 'web' })), opts('alice', T2));
    assert.equal(after.metadata.labels?.['tier'], 'be');
  });

  it('conflicts with an updater, naming its apiVersion and time', () => {
    const live = stored(serverSideApply(undefined, podConfig(), opts('kubectl', T0)));
    const edited = structuredClone(live);
    container(edited).image = 'app:hotfix';
    const afterEdit = recordUpdate(live, edited, { manager: 'kubectl-edit', now: T1, kind: 'Pod' });
    assertConflict(
      () => serverSideApply(afterEdit, podConfig((p) => (ctr(p).image = 'app:2')), opts('kubectl', T2)),
      `Apply failed with 1 conflict: conflict with "kubectl-edit" using v1 at ${T1}: .spec.containers[name="app"].image`,
    );
    // the updater's value re-applied is no conflict
    const same = serverSideApply(afterEdit, podConfig((p) => (ctr(p).image = 'app:hotfix')), opts('kubectl', T2));
    assert.equal(container(same).image, 'app:hotfix');
  });

  it('an object without managedFields: existing fields belong to "before-first-apply"', () => {
    const live = stored(podConfig((p) => (p.metadata.labels = { app: 'web', extra: 'x' })));
    const out = serverSideApply(live, podConfig((p) => (p.metadata.labels = { app: 'web' })), opts('kubectl', T1));
    assert.deepEqual(out.metadata.labels, { app: 'web', extra: 'x' });
    assert.deepEqual(managers(out), ['kubectl/Apply', 'before-first-apply/Update']);
    assertConflict(
      () => serverSideApply(live, podConfig((p) => (ctr(p).image = 'app:2')), opts('ci', T1)),
      /conflict with "before-first-apply" using v1 at .*: \.spec\.containers\[name="app"\]\.image$/,
    );
  });

  it('kubectl may take over fields of its own client-side apply (last-applied annotation)', () => {
    const annotation = JSON.stringify(podConfig());
    const live = stored(podConfig((p) => (p.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': annotation })));
    live.metadata.managedFields = [
      { manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: fieldSetOf(live, 'Pod') },
    ];
    const next = podConfig((p) => (ctr(p).image = 'app:2'));
    assertConflict(() => serverSideApply(live, next, opts('helm', T1)), /conflict with "kubectl-client-side-apply"/);
    const out = serverSideApply(live, next, opts('kubectl', T1));
    assert.equal(container(out).image, 'app:2');
    const recorded = JSON.parse(out.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}') as KubeObject;
    assert.equal(container(recorded).image, 'app:2');
  });

  it('atomic lists and maps are replaced whole; keyed lists keep other managers\' items', () => {
    const first = podConfig((p) => (p.spec.nodeSelector = { disk: 'ssd', zone: 'a' }));
    let live = stored(serverSideApply(undefined, first, opts('alice', T0)));
    const sidecar = podConfig((p) => {
      p.metadata.labels = {};
      p.spec = { containers: [{ name: 'sidecar', image: 'side:1' }] };
    });
    live = serverSideApply(live, sidecar, opts('injector', T1));
    const out = serverSideApply(
      live,
      podConfig((p) => {
        p.spec.tolerations = [{ key: 'other', operator: 'Exists' }];
        p.spec.nodeSelector = { disk: 'hdd' };
      }),
      opts('alice', T2),
    );
    assert.deepEqual(shape(out).spec.tolerations, [{ key: 'other', operator: 'Exists' }]);
    assert.deepEqual(shape(out).spec.nodeSelector, { disk: 'hdd' });
    assert.deepEqual(shape(out).spec.containers.map((c) => c.name), ['app', 'sidecar']);
  });

  it('ports are keyed by containerPort and protocol (TCP by default)', () => {
    const config = podConfig((p) => (ctr(p).ports = [{ containerPort: 53 }, { containerPort: 53, protocol: 'UDP' }]));
    const live = stored(serverSideApply(undefined, config, opts('kubectl', T0)));
    container(live).ports = [{ containerPort: 53, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }]; // defaulted by the server
    const out = serverSideApply(live, podConfig((p) => (ctr(p).ports = [{ containerPort: 53 }])), opts('kubectl', T1));
    assert.deepEqual(container(out).ports, [{ containerPort: 53, protocol: 'TCP' }]);
  });

  const badConfigs: [string, (p: Pod) => void, string][] = [
    ['managedFields in the configuration', (p) => Object.assign(p.metadata, { managedFields: [{ manager: 'x' }] }), 'metadata.managedFields'],
    ['a container without its name', (p) => p.spec.containers.push({ image: 'x' } as never), 'spec.containers[1]'],
    ['two env vars with the same name', (p) => ctr(p).env?.push({ name: 'A' }), 'spec.containers[0].env'],
  ];
  for (const [name, edit, field] of badConfigs) {
    it(`rejects ${name} with 400`, () => {
      assert.throws(
        () => serverSideApply(undefined, podConfig(edit), opts('kubectl', T0)),
        (e: unknown) => e instanceof ApiError && e.code === 400 && e.details?.causes?.[0]?.field === field,
      );
    });
  }

  it('never mutates its inputs', () => {
    const live = stored(serverSideApply(undefined, podConfig(), opts('alice', T0)));
    const config = podConfig((p) => (p.metadata.labels = { tier: 'be' }));
    const before = structuredClone({ live, config });
    serverSideApply(live, config, opts('bob', T1, { force: true }));
    assert.deepEqual({ live, config }, before);
  });
});

describe('fieldSetOf', () => {
  it('is the FieldsV1 an applier of the object would own', () => {
    const obj = podConfig((p) => {
      Object.assign(p.metadata, { uid: 'u', resourceVersion: '1', finalizers: ['x/y'] });
      // An apply configuration may leave out fields a valid Pod has (the image here).
      Object.assign(p, { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, protocol: 'UDP' }] }] } });
      p.status = { phase: 'Running' };
    });
    assert.deepEqual(fieldSetOf(obj, 'Pod'), {
      'f:metadata': { 'f:finalizers': { 'v:"x/y"': {} }, 'f:labels': { 'f:app': {}, 'f:tier': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"a"}': {
            '.': {},
            'f:name': {},
            'f:ports': { 'k:{"containerPort":80,"protocol":"UDP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
          },
        },
      },
    });
  });
});

describe('recordUpdate', () => {
  const cm = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data });
  const cmOpts = (manager: string, now: string) => ({ manager, now, kind: 'ConfigMap' });

  it('a create gives the writer every field', () => {
    const out = recordUpdate(undefined, cm({ a: '1' }), cmOpts('kubectl-create', T0));
    assert.deepEqual(out.metadata.managedFields, [
      { manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
    ]);
  });

  it('an update takes the changed fields from their owners and drops emptied entries', () => {
    const created = recordUpdate(undefined, cm({ a: '1', b: '2' }), cmOpts('creator', T0));
    const edited = recordUpdate(created, cm({ a: '9', b: '2', c: '3' }), cmOpts('editor', T1));
    assert.deepEqual(
      edited.metadata.managedFields?.map((m) => [m.manager, m.fieldsV1]),
      [
        ['creator', { 'f:data': { 'f:b': {} } }],
        ['editor', { 'f:data': { 'f:a': {}, 'f:c': {} } }],
      ],
    );
    const removed = recordUpdate(edited, cm({ a: '9', c: '3' }), cmOpts('editor', T2));
    assert.deepEqual(managers(removed), ['editor/Update']);
  });

  it('a write that changes nothing leaves managedFields alone', () => {
    const created = recordUpdate(undefined, cm({ a: '1' }), cmOpts('creator', T0));
    assert.deepEqual(recordUpdate(created, created, cmOpts('other', T1)).metadata.managedFields, created.metadata.managedFields);
  });

  it('an existing object without managedFields stays untracked, as in Kubernetes', () => {
    assert.equal(recordUpdate(cm({ a: '1' }), cm({ a: '2' }), cmOpts('x', T1)).metadata.managedFields, undefined);
  });
});

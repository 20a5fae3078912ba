import assert from 'node:assert/strict';
import { applyDefaults } from '../../shared/api/defaults.js';
import type { FieldError } from '../../shared/api/errors.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { validateUpdate } from '../../shared/api/validation/index.js';
import type { JsonObject } from '../../shared/util/guards.js';
import { goodDaemonSet, goodPod, info } from '../support/valid-objects.js';

function updated(obj: KubeObject, change: (o: JsonObject) => void): KubeObject {
  const next = structuredClone(obj);
  change(next);
  return next;
}

function specOf(o: JsonObject): JsonObject {
  const spec = o['spec'];
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new Error('no spec');
  return spec as JsonObject;
}

function firstContainer(o: JsonObject): JsonObject {
  const list = specOf(o)['containers'];
  if (!Array.isArray(list)) throw new Error('no containers');
  return list[0] as JsonObject;
}

describe('validateUpdate', () => {
  const p = goodPod();
  applyDefaults(p);
  const d = goodDaemonSet();
  applyDefaults(d);

  const allowed: [string, KubeObject, KubeObject][] = [
    ['pod unchanged', p, structuredClone(p)],
    ['pod image', p, updated(p, (o) => (firstContainer(o)['image'] = 'iot/reader:2'))],
    ['pod labels', p, updated(p, (o) => (o['metadata'] = { ...p.metadata, labels: { app: 'x' } }))],
    ['pod added toleration', p, updated(p, (o) => (specOf(o)['tolerations'] = [...(specOf(p)['tolerations'] as unknown[]), { key: 'x', operator: 'Exists' }]))],
    [
      'pod changed tolerationSeconds',
      p,
      updated(p, (o) => {
        const tolerations = structuredClone(specOf(p)['tolerations']) as JsonObject[];
        if (tolerations[0]) tolerations[0]['tolerationSeconds'] = 30;
        specOf(o)['tolerations'] = tolerations;
      }),
    ],
    ['pod status only', p, updated(p, (o) => (o['status'] = { phase: 'Running' }))],
    ['pod without uid in the update', { ...p, metadata: { ...p.metadata, uid: 'u1' } }, p],
    ['daemonset template', d, updated(d, (o) => (specOf(o)['minReadySeconds'] = 30))],
    [
      'mutable configmap data',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, data: { a: '1' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, data: { a: '2' } },
    ],
    [
      'immutable secret, same data through stringData',
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'd' }, type: 'Opaque', immutable: true, data: { a: 'eA==' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'd' }, type: 'Opaque', immutable: true, stringData: { a: 'x' } },
    ],
  ];
  for (const [name, old, next] of allowed) {
    it(`allows ${name}`, () => {
      assert.deepEqual(validateUpdate(old, next, info(old.kind)), []);
    });
  }

  const refused: [string, KubeObject, KubeObject, string, FieldError['reason'], string?][] = [
    ['a new name', p, updated(p, (o) => (o['metadata'] = { ...p.metadata, name: 'other' })), 'metadata.name', 'FieldValueInvalid', 'Invalid value: "other": field is immutable'],
    ['a new namespace', p, updated(p, (o) => (o['metadata'] = { ...p.metadata, namespace: 'other' })), 'metadata.namespace', 'FieldValueInvalid'],
    ['a new uid', { ...p, metadata: { ...p.metadata, uid: 'u1' } }, { ...p, metadata: { ...p.metadata, uid: 'u2' } }, 'metadata.uid', 'FieldValueInvalid'],
    ['a pod nodeName', p, updated(p, (o) => (specOf(o)['nodeName'] = 'pi-2')), 'spec', 'FieldValueForbidden'],
    ['a container port', p, updated(p, (o) => (firstContainer(o)['ports'] = [])), 'spec', 'FieldValueForbidden'],
    ['a removed toleration', p, updated(p, (o) => (specOf(o)['tolerations'] = [])), 'spec.tolerations', 'FieldValueForbidden'],
    [
      'a longer activeDeadlineSeconds',
      updated(p, (o) => (specOf(o)['activeDeadlineSeconds'] = 60)),
      updated(p, (o) => (specOf(o)['activeDeadlineSeconds'] = 120)),
      'spec.activeDeadlineSeconds',
      'FieldValueInvalid',
    ],
    [
      'a removed activeDeadlineSeconds',
      updated(p, (o) => (specOf(o)['activeDeadlineSeconds'] = 60)),
      p,
      'spec.activeDeadlineSeconds',
      'FieldValueInvalid',
    ],
    [
      'a daemonset selector',
      d,
      updated(d, (o) => (specOf(o)['selector'] = { matchLabels: { app: 'node-exporter' } })),
      'spec.selector',
      'FieldValueInvalid',
    ],
    [
      'data of an immutable configmap',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, immutable: true, data: { a: '1' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, immutable: true, data: { a: '2' } },
      'data',
      'FieldValueForbidden',
      'Forbidden: field is immutable when `immutable` is set',
    ],
    [
      'unsetting immutable',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, immutable: true, data: { a: '1' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, immutable: false, data: { a: '1' } },
      'immutable',
      'FieldValueForbidden',
    ],
    [
      'data of an immutable secret',
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'd' }, type: 'Opaque', immutable: true, data: { a: 'eA==' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'd' }, type: 'Opaque', immutable: true, stringData: { a: 'y' } },
      'data',
      'FieldValueForbidden',
    ],
    [
      'a secret type',
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'd' }, type: 'Opaque' },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'd' }, type: 'kubernetes.io/tls' },
      'type',
      'FieldValueInvalid',
    ],
    [
      'controller revision data',
      { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', namespace: 'd' }, data: { a: 1 }, revision: 1 },
      { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', namespace: 'd' }, data: { a: 2 }, revision: 1 },
      'data',
      'FieldValueInvalid',
    ],
  ];
  for (const [name, old, next, field, reason, message] of refused) {
    it(`refuses ${name}`, () => {
      const errs = validateUpdate(old, next, info(old.kind));
      assert.deepEqual(errs.map((e) => e.field), [field], JSON.stringify(errs));
      assert.equal(errs[0]?.reason, reason);
      if (message !== undefined) assert.equal(errs[0]?.message, message);
    });
  }

  it('says which pod fields may change, and what changed', () => {
    const [e] = validateUpdate(p, updated(p, (o) => (specOf(o)['nodeName'] = 'pi-2')), info('Pod'));
    assert.ok(e?.message.startsWith('Forbidden: pod updates may not change fields other than `spec.containers[*].image`'), e?.message);
    assert.ok(e?.message.endsWith('changed: spec.nodeName'), e?.message);
  });
});

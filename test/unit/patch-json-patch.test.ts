import assert from 'node:assert/strict';
import { ApiError } from '../../shared/api/errors.js';
import { applyJsonPatch } from '../../shared/patch/index.js';

const doc = () => ({
  metadata: { name: 'web', labels: { app: 'web', 'a/b': 'slash', 'm~n': 'tilde' } },
  spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] },
});

interface Case {
  name: string;
  ops: unknown;
  want: unknown;
  target?: unknown;
}

const ok: Case[] = [
  {
    name: 'add sets a new member',
    ops: [{ op: 'add', path: '/metadata/labels/tier', value: 'fe' }],
    want: { ...doc(), metadata: { ...doc().metadata, labels: { ...doc().metadata.labels, tier: 'fe' } } },
  },
  {
    name: 'add inserts into an array at an index',
    ops: [{ op: 'add', path: '/spec/containers/1', value: { name: 'x' } }],
    want: { ...doc(), spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'x' }, { name: 'b', image: 'b:1' }] } },
  },
  {
    name: 'add with "-" appends',
    ops: [{ op: 'add', path: '/spec/containers/-', value: { name: 'z' } }],
    want: { ...doc(), spec: { containers: [...doc().spec.containers, { name: 'z' }] } },
  },
  {
    name: 'add at the array length appends',
    ops: [{ op: 'add', path: '/spec/containers/2', value: { name: 'z' } }],
    want: { ...doc(), spec: { containers: [...doc().spec.containers, { name: 'z' }] } },
  },
  {
    name: 'add replaces an existing member',
    ops: [{ op: 'add', path: '/metadata/name', value: 'api' }],
    want: { ...doc(), metadata: { ...doc().metadata, name: 'api' } },
  },
  {
    name: 'remove deletes a member, unescaping ~1',
    ops: [{ op: 'remove', path: '/metadata/labels/a~1b' }],
    want: { ...doc(), metadata: { ...doc().metadata, labels: { app: 'web', 'm~n': 'tilde' } } },
  },
  {
    name: 'remove deletes a member, unescaping ~0',
    ops: [{ op: 'remove', path: '/metadata/labels/m~0n' }],
    want: { ...doc(), metadata: { ...doc().metadata, labels: { app: 'web', 'a/b': 'slash' } } },
  },
  {
    name: 'remove deletes an array item',
    ops: [{ op: 'remove', path: '/spec/containers/0' }],
    want: { ...doc(), spec: { containers: [{ name: 'b', image: 'b:1' }] } },
  },
  {
    name: 'replace changes a value',
    ops: [{ op: 'replace', path: '/spec/containers/1/image', value: 'b:2' }],
    want: { ...doc(), spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:2' }] } },
  },
  {
    name: 'move relocates a value',
    ops: [{ op: 'move', from: '/metadata/labels/app', path: '/metadata/labels/name' }],
    want: { ...doc(), metadata: { ...doc().metadata, labels: { 'a/b': 'slash', 'm~n': 'tilde', name: 'web' } } },
  },
  {
    name: 'move within an array',
    ops: [{ op: 'move', from: '/spec/containers/0', path: '/spec/containers/-' }],
    want: { ...doc(), spec: { containers: [{ name: 'b', image: 'b:1' }, { name: 'a', image: 'a:1' }] } },
  },
  {
    name: 'copy duplicates a value',
    ops: [{ op: 'copy', from: '/spec/containers/0', path: '/spec/containers/-' }],
    want: { ...doc(), spec: { containers: [...doc().spec.containers, { name: 'a', image: 'a:1' }] } },
  },
  {
    name: 'a passing test changes nothing (member order does not matter)',
    ops: [{ op: 'test', path: '/spec/containers/0', value: { image: 'a:1', name: 'a' } }],
    want: doc(),
  },
  {
    name: 'operations apply in order',
    ops: [
      { op: 'add', path: '/metadata/annotations', value: {} },
      { op: 'add', path: '/metadata/annotations/note', value: 'x' },
      { op: 'test', path: '/metadata/annotations/note', value: 'x' },
    ],
    want: { ...doc(), metadata: { ...doc().metadata, annotations: { note: 'x' } } },
  },
  { name: 'replace at the root replaces the document', ops: [{ op: 'replace', path: '', value: { a: 1 } }], want: { a: 1 } },
  { name: 'an empty patch changes nothing', ops: [], want: doc() },
];

interface ErrorCase {
  name: string;
  ops: unknown;
  code: 400 | 422;
  field: string;
  message?: RegExp;
}

const errors: ErrorCase[] = [
  { name: 'the patch is not an array', ops: { op: 'add' }, code: 400, field: '', message: /array of operations/ },
  { name: 'an operation is not an object', ops: ['add'], code: 400, field: '[0]' },
  { name: 'an unknown op', ops: [{ op: 'add', path: '/a', value: 1 }, { op: 'merge', path: '/a' }], code: 400, field: '[1].op' },
  { name: 'a missing path', ops: [{ op: 'remove' }], code: 400, field: '[0].path' },
  { name: 'a path without a leading slash', ops: [{ op: 'remove', path: 'metadata' }], code: 400, field: '[0].path' },
  { name: 'a bad ~ escape', ops: [{ op: 'remove', path: '/metadata/labels/a~2' }], code: 400, field: '[0].path' },
  { name: 'add without a value', ops: [{ op: 'add', path: '/a' }], code: 400, field: '[0].value' },
  { name: 'move without from', ops: [{ op: 'move', path: '/a' }], code: 400, field: '[0].from' },
  {
    name: 'a failing test',
    ops: [{ op: 'test', path: '/metadata/name', value: 'web' }, { op: 'test', path: '/metadata/name', value: 'api' }],
    code: 422,
    field: '[1].value',
    message: /\[1\] \(test "\/metadata\/name"\)/,
  },
  { name: 'remove of a missing member', ops: [{ op: 'remove', path: '/metadata/labels/nope' }], code: 422, field: '[0].path', message: /\[0\]/ },
  { name: 'replace of a missing member', ops: [{ op: 'replace', path: '/spec/replicas', value: 2 }], code: 422, field: '[0].path' },
  { name: 'add under a missing parent', ops: [{ op: 'add', path: '/status/phase', value: 'x' }], code: 422, field: '[0].path' },
  { name: 'an array index past the end', ops: [{ op: 'add', path: '/spec/containers/3', value: {} }], code: 422, field: '[0].path' },
  { name: 'a non-numeric array index', ops: [{ op: 'replace', path: '/spec/containers/x', value: {} }], code: 422, field: '[0].path' },
  { name: 'a leading-zero array index', ops: [{ op: 'remove', path: '/spec/containers/01' }], code: 422, field: '[0].path' },
  { name: '"-" for remove', ops: [{ op: 'remove', path: '/spec/containers/-' }], code: 422, field: '[0].path' },
  { name: 'move from a missing member', ops: [{ op: 'move', from: '/nope', path: '/x' }], code: 422, field: '[0].from' },
  { name: 'move into its own child', ops: [{ op: 'move', from: '/spec', path: '/spec/x' }], code: 422, field: '[0].from' },
  { name: 'remove of the whole document', ops: [{ op: 'remove', path: '' }], code: 422, field: '[0].path' },
  { name: 'add below a scalar', ops: [{ op: 'add', path: '/metadata/name/x', value: 1 }], code: 422, field: '[0].path' },
];

describe('applyJsonPatch', () => {
  for (const c of ok) {
    it(c.name, () => {
      assert.deepEqual(applyJsonPatch(c.target ?? doc(), c.ops), c.want);
    });
  }

  for (const c of errors) {
    it(`rejects ${c.name} with ${c.code}`, () => {
      assert.throws(
        () => applyJsonPatch(doc(), c.ops),
        (e: unknown) => {
          assert.ok(e instanceof ApiError);
          assert.equal(e.code, c.code);
          assert.equal(e.reason, c.code === 400 ? 'BadRequest' : 'Invalid');
          assert.equal(e.details?.causes?.[0]?.field ?? '', c.field);
          if (c.message) assert.match(e.message, c.message);
          return true;
        },
      );
    });
  }

  it('is all or nothing and never mutates its inputs', () => {
    const target = doc();
    const ops = [
      { op: 'remove', path: '/metadata/labels/app' },
      { op: 'add', path: '/spec/containers/0/env', value: [{ name: 'A' }] },
      { op: 'test', path: '/metadata/name', value: 'other' },
    ];
    const before = structuredClone({ target, ops });
    assert.throws(() => applyJsonPatch(target, ops), ApiError);
    assert.deepEqual({ target, ops }, before);

    const out = applyJsonPatch(target, ops.slice(0, 2)) as { spec: { containers: { env: { name: string }[] }[] } };
    out.spec.containers[0]?.env.push({ name: 'B' });
    assert.deepEqual(ops, before.ops);
    assert.deepEqual(target, before.target);
  });
});

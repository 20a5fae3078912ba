import assert from 'node:assert/strict';
import { jsonMergePatch } from '../../shared/patch/index.js';

interface Case {
  name: string;
  target: unknown;
  patch: unknown;
  want: unknown;
}

const cases: Case[] = [
  { name: 'replaces a scalar member', target: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'adds a member', target: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
  { name: 'null removes a member', target: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
  { name: 'null for a missing member is a no-op', target: { a: 'b' }, patch: { x: null }, want: { a: 'b' } },
  { name: 'an array replaces an array whole', target: { a: ['b', 'c'] }, patch: { a: ['d'] }, want: { a: ['d'] } },
  { name: 'an object replaces a non-object member', target: { a: 'b' }, patch: { a: { c: 'd' } }, want: { a: { c: 'd' } } },
  {
    name: 'objects merge recursively',
    target: { metadata: { labels: { app: 'web', tier: 'fe' } } },
    patch: { metadata: { labels: { tier: null, env: 'prod' } } },
    want: { metadata: { labels: { app: 'web', env: 'prod' } } },
  },
  { name: 'nulls inside a new object are dropped', target: {}, patch: { a: { bb: { ccc: null } } }, want: { a: { bb: {} } } },
  { name: 'a non-object patch replaces the target', target: { a: 'b' }, patch: ['c'], want: ['c'] },
  { name: 'a null patch replaces the target with null', target: { a: 'b' }, patch: null, want: null },
  { name: 'an object patch on a non-object target starts from {}', target: ['a'], patch: { a: 'b' }, want: { a: 'b' } },
  { name: 'nulls inside arrays are kept', target: {}, patch: { a: [null, 1] }, want: { a: [null, 1] } },
  { name: 'an empty patch changes nothing', target: { a: { b: 1 } }, patch: {}, want: { a: { b: 1 } } },
  // RFC 7386 appendix A, the last example
  {
    name: 'RFC 7386 example',
    target: { title: 'Goodbye!', author: { givenName: 'John', familyName: 'Doe' }, tags: ['example', 'sample'], content: 'This will be unchanged' },
    patch: { title: 'Hello!', phoneNumber: '+01-123-456-7890', author: { familyName: null }, tags: ['example'] },
    want: { title: 'Hello!', author: { givenName: 'John' }, tags: ['example'], content: 'This will be unchanged', phoneNumber: '+01-123-456-7890' },
  },
];

describe('jsonMergePatch', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(jsonMergePatch(c.target, c.patch), c.want);
    });
  }

  it('never mutates its inputs nor aliases the patch in the result', () => {
    const target = { a: { b: 1 }, list: [1] };
    const patch = { a: { c: { d: 2 } }, list: [2] };
    const before = structuredClone({ target, patch });
    const out = jsonMergePatch(target, patch) as { a: { c: { d: number } }; list: number[] };
    assert.deepEqual({ target, patch }, before);
    out.a.c.d = 99;
    out.list.push(3);
    assert.deepEqual(patch, before.patch);
  });

  it('a "__proto__" member is data, not a prototype', () => {
    const patch = JSON.parse('{"data":{"__proto__":{"polluted":true}}}') as unknown;
    const out = jsonMergePatch({ data: {} }, patch) as { data: Record<string, unknown> };
    assert.deepEqual(Object.keys(out.data), ['__proto__']);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.getPrototypeOf(out.data), Object.prototype);
  });
});

import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import { metadataChanges } from '../../server/link/node-status.js';

const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-1', labels: { a: '1', admin: 'x' }, annotations: { 'flotilla.io/applied-revision': '7' } } };

describe('whether a status report changes the Node metadata (else only the status is written)', function () {
  const cases: { name: string; labels: Record<string, string>; annotations: Record<string, string>; want: boolean }[] = [
    { name: 'same labels and annotations: no change', labels: { a: '1' }, annotations: { 'flotilla.io/applied-revision': '7' }, want: false },
    { name: 'nothing reported: no change', labels: {}, annotations: {}, want: false },
    { name: 'a label value changed', labels: { a: '2' }, annotations: {}, want: true },
    { name: 'a new label', labels: { b: '1' }, annotations: {}, want: true },
    { name: 'a new applied revision', labels: { a: '1' }, annotations: { 'flotilla.io/applied-revision': '8' }, want: true },
    { name: 'a new annotation', labels: {}, annotations: { note: 'x' }, want: true },
  ];
  for (const c of cases) {
    it(c.name, function () {
      assert.equal(metadataChanges(node, c.labels, c.annotations), c.want);
    });
  }
});

/** NodeRestriction for the labels a node reports about itself (server/link/node-restriction.ts). */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import { REPORTED_LABELS_ANNOTATION, restrictReportedMetadata } from '../../server/link/node-restriction.js';

function node(labels: Record<string, string>, reported?: string[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'pi-a', labels, ...(reported ? { annotations: { [REPORTED_LABELS_ANNOTATION]: reported.join(',') } } : {}) },
  };
}

describe('NodeRestriction for reported labels', () => {
  const cases: { name: string; current: KubeObject; report: Record<string, string>; labels: Record<string, string>; refused: string[] }[] = [
    { name: 'its own labels apply', current: node({}), report: { 'kubernetes.io/hostname': 'pi-a', site: 'x' }, labels: { 'kubernetes.io/hostname': 'pi-a', site: 'x' }, refused: [] },
    { name: 'another host name is refused', current: node({}), report: { 'kubernetes.io/hostname': 'pi-b' }, labels: {}, refused: ['kubernetes.io/hostname'] },
    { name: 'node-restriction labels are refused', current: node({}), report: { 'node-restriction.kubernetes.io/trusted': 'true', 'x.node-restriction.kubernetes.io/y': '1' }, labels: {}, refused: ['node-restriction.kubernetes.io/trusted', 'x.node-restriction.kubernetes.io/y'] },
    { name: 'node-role labels are refused', current: node({}), report: { 'node-role.kubernetes.io/control-plane': '' }, labels: {}, refused: ['node-role.kubernetes.io/control-plane'] },
    { name: "an admin's label is never overridden", current: node({ site: 'roof' }), report: { site: 'cellar' }, labels: { site: 'roof' }, refused: ['site'] },
    { name: 'a label the node set before may change', current: node({ site: 'roof' }, ['site']), report: { site: 'cellar' }, labels: { site: 'cellar' }, refused: [] },
    { name: 'a label the node no longer reports goes; admin labels stay', current: node({ old: '1', admin: 'a' }, ['old']), report: {}, labels: { admin: 'a' }, refused: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = restrictReportedMetadata('pi-a', c.current, { labels: c.report });
      assert.deepEqual(r.labels, c.labels);
      assert.deepEqual(r.refused.map((x) => x.key), c.refused);
    });
  }

  it('bounds how many labels a node may set', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v']));
    const r = restrictReportedMetadata('pi-a', node({}), { labels: many });
    assert.equal(Object.keys(r.labels).length, 64);
    assert.equal(r.refused.length, 36);
  });
});

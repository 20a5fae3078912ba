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
    {
      name: "the kubelet's kubernetes.io labels apply",
      current: node({}),
      report: { 'kubernetes.io/arch': 'arm64', 'beta.kubernetes.io/os': 'linux', 'topology.kubernetes.io/zone': 'shelf', 'node.kubernetes.io/instance-type': 'pi4', 'kubelet.kubernetes.io/x': '1', 'flotilla.io/device-model': 'pi-4' },
      labels: { 'kubernetes.io/arch': 'arm64', 'beta.kubernetes.io/os': 'linux', 'topology.kubernetes.io/zone': 'shelf', 'node.kubernetes.io/instance-type': 'pi4', 'kubelet.kubernetes.io/x': '1', 'flotilla.io/device-model': 'pi-4' },
      refused: [],
    },
    { name: 'other kubernetes.io and k8s.io labels are refused', current: node({}), report: { 'example.kubernetes.io/a': '1', 'k8s.io/b': '1', 'x.k8s.io/c': '1' }, labels: {}, refused: ['example.kubernetes.io/a', 'k8s.io/b', 'x.k8s.io/c'] },
    { name: "flotilla.io labels are the hub's", current: node({}), report: { 'flotilla.io/hollow': 'true', 'sim.flotilla.io/x': '1' }, labels: {}, refused: ['flotilla.io/hollow', 'sim.flotilla.io/x'] },
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

  it("refuses annotations the hub owns or reserves, keeps the agent's", () => {
    const annotations = { 'flotilla.io/desired-revision': '9', 'flotilla.io/reported-labels': 'site', 'flotilla.io/rollout-paused': 'true', 'flotilla.io/cpu-temperature-celsius': '40.0', note: 'x' };
    const r = restrictReportedMetadata('pi-a', node({}), { labels: {}, annotations });
    assert.deepEqual(r.refused.map((x) => x.key), ['flotilla.io/desired-revision', 'flotilla.io/reported-labels', 'flotilla.io/rollout-paused']);
    assert.deepEqual(r.annotations, { 'flotilla.io/cpu-temperature-celsius': '40.0', note: 'x', [REPORTED_LABELS_ANNOTATION]: '' });
  });

  it('bounds how many labels a node may set', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v']));
    const r = restrictReportedMetadata('pi-a', node({}), { labels: many });
    assert.equal(Object.keys(r.labels).length, 64);
    assert.equal(r.refused.length, 36);
  });
});

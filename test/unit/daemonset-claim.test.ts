import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import type { DaemonSet } from '../../shared/api/types/index.js';
import { claimCandidates, claimPods } from '../../server/controllers/daemonset/claim.js';
import { ObjectCache } from '../../server/controllers/runtime/cache.js';

const OWNER = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'relay', uid: 'ds-uid', controller: true };
const OTHER = { ...OWNER, name: 'other', uid: 'other-uid' };

function pod(name: string, labels: Record<string, string>, owner?: typeof OWNER, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, labels, ...(owner ? { ownerReferences: [owner] } : {}) },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
}

function daemonSet(selector: unknown): DaemonSet {
  const ds: KubeObject = {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'relay', namespace: 'default', uid: 'ds-uid' },
    spec: { selector, template: { metadata: { labels: { app: 'relay' } }, spec: { containers: [] } } },
  };
  return ds as DaemonSet;
}

describe('daemonset: claiming pods through the cache indexes', () => {
  const cache = new ObjectCache(new Set(['Pod'] as const));
  let rv = 0;
  const add = (o: KubeObject): void => cache.apply({ rv: ++rv, resource: 'pods', type: 'ADDED', object: o });
  add(pod('owned', { app: 'relay' }, OWNER));
  add(pod('owned-relabelled', { app: 'moved' }, OWNER));
  add(pod('orphan', { app: 'relay', tier: 'edge' }));
  add(pod('orphan-wrong-tier', { app: 'relay', tier: 'core' }));
  add(pod('of-another-ds', { app: 'relay' }, OTHER));
  add(pod('elsewhere', { app: 'relay' }, undefined, 'kube-system'));
  // Many unrelated pods: the claim never looks at them.
  for (let i = 0; i < 200; i++) add(pod(`bystander-${i}`, { app: `web-${i}` }));

  const names = (pods: readonly KubeObject[]): string[] => pods.map((p) => p.metadata.name ?? '').sort();

  /** [selector, want candidates, want adopt, want release] */
  const TABLE: [string, unknown, string[], string[], string[]][] = [
    ['matchLabels', { matchLabels: { app: 'relay' } }, ['of-another-ds', 'orphan', 'orphan-wrong-tier', 'owned', 'owned-relabelled'], ['orphan', 'orphan-wrong-tier'], ['owned-relabelled']],
    ['an equality beats a set', { matchLabels: { tier: 'edge' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['relay'] }] }, ['orphan', 'owned', 'owned-relabelled'], ['orphan'], ['owned', 'owned-relabelled']],
    ['In', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['edge', 'core'] }] }, ['orphan', 'orphan-wrong-tier', 'owned', 'owned-relabelled'], ['orphan', 'orphan-wrong-tier'], ['owned', 'owned-relabelled']],
    ['Exists', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, ['orphan', 'orphan-wrong-tier', 'owned', 'owned-relabelled'], ['orphan', 'orphan-wrong-tier'], ['owned', 'owned-relabelled']],
  ];
  for (const [name, selector, candidates, adopt, release] of TABLE) {
    it(`${name}: only owned and labelled pods are looked at`, () => {
      const ds = daemonSet(selector);
      const found = claimCandidates(ds, cache);
      assert.deepEqual(names(found), candidates);
      const claim = claimPods(ds, found);
      assert.deepEqual(names(claim.adopt), adopt);
      assert.deepEqual(names(claim.release), release);
    });
  }

  it('a selector the index cannot narrow (only notin) falls back to the namespace, still correct', () => {
    const ds = daemonSet({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['moved'] }] });
    const found = claimCandidates(ds, cache);
    assert.equal(found.length, 205, 'every pod of the namespace');
    assert.ok(claimPods(ds, found).adopt.some((p) => p.metadata.name === 'orphan'));
  });
});

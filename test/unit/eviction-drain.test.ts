import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference } from '../../shared/api/meta.js';
import { CliError } from '../../server/flotctl/errors.js';
import { classifyPods, parseDrainTimeout, type DrainFlags } from '../../server/flotctl/commands/drain.js';

function pod(name: string, owner?: string, phase = 'Running'): KubeObject {
  const refs: OwnerReference[] | undefined = owner ? [{ apiVersion: owner === 'DaemonSet' ? 'apps/v1' : 'v1', kind: owner, name: 'o', uid: 'u', controller: true }] : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...(refs ? { ownerReferences: refs } : {}) },
    spec: { nodeName: 'pi', containers: [] },
    status: { phase },
  };
}

const DS = pod('ds-a', 'DaemonSet');
const DS2 = pod('ds-b', 'DaemonSet');
const BARE = pod('bare');
const MANAGED = pod('managed', 'SomeController');
const DONE = pod('done', undefined, 'Succeeded');
const DS_DONE = pod('ds-done', 'DaemonSet', 'Failed');
const NOT_CONTROLLER: KubeObject = { ...pod('ref-only'), metadata: { name: 'ref-only', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'x' }] } };

/** [name, pods, flags, deletable, ignored, warnings, errors] */
const CASES: [string, KubeObject[], DrainFlags, string[], string[], string[], string[]][] = [
  ['nothing on the node', [], { force: false, ignoreDaemonsets: false }, [], [], [], []],
  ['managed pods are deleted', [MANAGED], { force: false, ignoreDaemonsets: false }, ['managed'], [], [], []],
  [
    'DaemonSet pods are refused without --ignore-daemonsets',
    [DS, MANAGED, DS2],
    { force: false, ignoreDaemonsets: false },
    ['managed'],
    [],
    [],
    ['cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds-a, default/ds-b'],
  ],
  ['--ignore-daemonsets leaves them, with a warning', [DS, MANAGED], { force: false, ignoreDaemonsets: true }, ['managed'], ['ds-a'], ['ignoring DaemonSet-managed Pods: default/ds-a'], []],
  ['pods without a controller are refused without --force', [BARE, NOT_CONTROLLER], { force: false, ignoreDaemonsets: false }, [], [], [], ['cannot delete Pods that declare no controller (use --force to override): default/bare, default/ref-only']],
  ['--force deletes them, with a warning', [BARE], { force: true, ignoreDaemonsets: false }, ['bare'], [], ['deleting Pods that declare no controller: default/bare'], []],
  ['--force does not delete DaemonSet pods', [DS, BARE], { force: true, ignoreDaemonsets: false }, ['bare'], [], ['deleting Pods that declare no controller: default/bare'], ['cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds-a']],
  ['finished pods may always go', [DONE, DS_DONE], { force: false, ignoreDaemonsets: false }, ['done', 'ds-done'], [], [], []],
  [
    'both refusals at once',
    [DS, BARE],
    { force: false, ignoreDaemonsets: false },
    [],
    [],
    [],
    ['cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds-a', 'cannot delete Pods that declare no controller (use --force to override): default/bare'],
  ],
];

describe('eviction: drain pod filters (kubectl)', () => {
  for (const [name, pods, flags, deletable, ignored, warnings, errors] of CASES) {
    it(name, () => {
      const c = classifyPods(pods, flags);
      assert.deepEqual(c.deletable.map((p) => p.metadata.name), deletable);
      assert.deepEqual(c.ignored.map((p) => p.metadata.name), ignored);
      assert.deepEqual(c.warnings, warnings);
      assert.deepEqual(c.errors, errors);
    });
  }

  it('--timeout accepts 0, seconds and durations', () => {
    assert.equal(parseDrainTimeout('0'), 0);
    assert.equal(parseDrainTimeout('0s'), 0);
    assert.equal(parseDrainTimeout('30'), 30_000);
    assert.equal(parseDrainTimeout('1m30s'), 90_000);
    assert.throws(() => parseDrainTimeout('soon'), (e: unknown) => e instanceof CliError && e.message.startsWith('invalid --timeout "soon"'));
  });
});

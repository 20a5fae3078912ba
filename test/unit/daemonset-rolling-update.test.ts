import assert from 'node:assert/strict';
import { parseIntOrPercent, scaledValue, type IntOrPercent } from '../../shared/api/int-or-percent.js';
import { allowsSurge, planRollingUpdate, surgeAndUnavailable, type RollingNode } from '../../server/controllers/daemonset/rolling-update.js';
import type { DaemonSetStep } from '../../server/controllers/daemonset/steps.js';
import type { DaemonPodView } from '../../server/controllers/daemonset/view.js';
import { pod, sec, starting } from './daemonset-fixtures.js';

/** [maxSurge, maxUnavailable, desired, want [surge, unavailable]] */
const ARITHMETIC: [IntOrPercent, IntOrPercent, number, [number, number]][] = [
  [0, 1, 10, [0, 1]],
  [0, 3, 10, [0, 3]],
  [0, '25%', 10, [0, 2]], // 2.5 rounds down
  [0, '25%', 3, [0, 1]], // 0.75 → 0, and both 0 → unavailable 1
  [0, '10%', 9, [0, 1]], // 0.9 → 0 → 1
  [0, '100%', 7, [0, 7]],
  ['25%', 0, 10, [3, 0]], // 2.5 rounds up
  ['1%', 0, 3, [1, 0]], // 0.03 rounds up to 1
  ['50%', '50%', 5, [3, 2]],
  [2, 0, 10, [2, 0]],
  [0, 0, 10, [0, 1]], // impossible config: unavailable 1
  [0, 0, 0, [0, 0]], // nothing desired: nothing defaulted
  ['30%', '30%', 0, [0, 0]],
];

describe('daemonset: maxSurge / maxUnavailable arithmetic', () => {
  for (const [surge, unavailable, desired, want] of ARITHMETIC) {
    it(`maxSurge ${surge}, maxUnavailable ${unavailable}, ${desired} desired → ${want.join(', ')}`, () => {
      const got = surgeAndUnavailable({ type: 'RollingUpdate', maxSurge: surge, maxUnavailable: unavailable }, desired);
      assert.deepEqual([got.maxSurge, got.maxUnavailable], want);
    });
  }

  it('OnDelete: neither', () => {
    assert.deepEqual(surgeAndUnavailable({ type: 'OnDelete' }, 10), { maxSurge: 0, maxUnavailable: 0 });
  });

  it('surge is allowed when maxSurge scaled against one node is not 0', () => {
    assert.equal(allowsSurge({ type: 'RollingUpdate', maxSurge: '1%', maxUnavailable: 0 }), true);
    assert.equal(allowsSurge({ type: 'RollingUpdate', maxSurge: 0, maxUnavailable: 1 }), false);
    assert.equal(allowsSurge({ type: 'RollingUpdate', maxSurge: '0%', maxUnavailable: 1 }), false);
  });

  it('parses counts and percents, refusing the rest with the field named', () => {
    assert.equal(parseIntOrPercent('f', 3), 3);
    assert.equal(parseIntOrPercent('f', '3'), 3);
    assert.equal(parseIntOrPercent('f', '30%'), '30%');
    assert.equal(scaledValue('33%', 10, true), 4);
    assert.throws(() => parseIntOrPercent('maxSurge', '-1'), /^Error: maxSurge: expected a non-negative integer or a percentage/);
    assert.throws(() => parseIntOrPercent('maxSurge', 1.5), /maxSurge/);
    assert.throws(() => parseIntOrPercent('maxSurge', '5 %'), /maxSurge/);
  });
});

const NEW = 'new';
const OLD = 'old';
const N = (name: string, pods: DaemonPodView[], extra: Partial<RollingNode> = {}): RollingNode => ({
  name, pods, wantToRun: true, shouldRun: true, reachable: true, released: true, ...extra,
});
const oldOn = (n: string): DaemonPodView => pod(`${n}-old`, n, OLD);
const newOn = (n: string): DaemonPodView => pod(`${n}-new`, n, NEW);

function run(nodes: RollingNode[], maxSurge: number, maxUnavailable: number, extra: { frozen?: boolean; minReadySeconds?: number } = {}): string[] {
  const steps = planRollingUpdate({
    nodes, hash: NEW, maxSurge, maxUnavailable, desiredNumberScheduled: nodes.length, minReadySeconds: extra.minReadySeconds ?? 0,
    frozen: extra.frozen ?? false, now: sec(0),
  });
  return steps.map((s: DaemonSetStep) => (s.kind === 'deletePod' ? `delete ${s.pod}` : s.kind === 'createPod' ? `create ${s.node}` : s.kind));
}

/** [name, nodes, maxSurge, maxUnavailable, options, want] */
const ROLLING: [string, RollingNode[], number, number, { frozen?: boolean; minReadySeconds?: number }, string[]][] = [
  ['maxUnavailable 1: one old pod at a time', [N('a', [oldOn('a')]), N('b', [oldOn('b')]), N('c', [oldOn('c')])], 0, 1, {}, ['delete a-old']],
  ['maxUnavailable 2: two at a time', [N('a', [oldOn('a')]), N('b', [oldOn('b')]), N('c', [oldOn('c')])], 0, 2, {}, ['delete a-old', 'delete b-old']],
  ['an updated pod still starting uses the budget', [N('a', [starting('a-new', 'a', NEW, 10)]), N('b', [oldOn('b')])], 0, 1, {}, []],
  ['a node with no pod yet counts as unavailable', [N('a', []), N('b', [oldOn('b')])], 0, 1, {}, []],
  ['a node without room for the pod does not hold the budget', [N('a', [], { shouldRun: false, state: 'unplaced' }), N('b', [oldOn('b')])], 0, 1, {}, ['delete b-old']],
  ['an unavailable old pod is replaced at once, outside the budget', [N('a', [starting('a-new', 'a', NEW, 10)]), N('b', [{ ...oldOn('b'), ready: false }])], 0, 1, {}, ['delete b-old']],
  ['an updated pod that has failed counts against the failure budget, not maxUnavailable', [N('a', [starting('a-new', 'a', NEW, 9999)], { state: 'failed' }), N('b', [oldOn('b')])], 0, 1, {}, ['delete b-old']],
  ['minReadySeconds: ready but not yet available holds the budget', [N('a', [{ ...newOn('a'), readySince: sec(-5) }]), N('b', [oldOn('b')])], 0, 1, { minReadySeconds: 10 }, []],
  ['minReadySeconds passed: the next one goes', [N('a', [{ ...newOn('a'), readySince: sec(-11) }]), N('b', [oldOn('b')])], 0, 1, { minReadySeconds: 10 }, ['delete b-old']],
  // Deferral: offline nodes are neither counted nor touched.
  ['an offline node with an old pod is deferred, not counted', [N('a', [oldOn('a')], { reachable: false }), N('b', [oldOn('b')])], 0, 1, {}, ['delete b-old']],
  ['an offline node with no pod does not hold the budget', [N('a', [], { reachable: false }), N('b', [oldOn('b')])], 0, 1, {}, ['delete b-old']],
  ['an offline node whose old pod looks unavailable is not replaced either', [N('a', [{ ...oldOn('a'), ready: false }], { reachable: false })], 0, 1, {}, []],
  ['back online: an ordinary candidate for the current revision', [N('a', [oldOn('a')], { reachable: true })], 0, 1, {}, ['delete a-old']],
  // Stages and freezing.
  ['nodes of unreleased stages are not touched', [N('a', [oldOn('a')], { released: false }), N('b', [oldOn('b')])], 0, 1, {}, ['delete b-old']],
  ['frozen (halted / paused): nothing is touched', [N('a', [oldOn('a')]), N('b', [{ ...oldOn('b'), ready: false }])], 0, 1, { frozen: true }, []],
  // Surge.
  ['maxSurge 1: one updated pod next to an old one', [N('a', [oldOn('a')]), N('b', [oldOn('b')])], 1, 0, {}, ['create a']],
  ['surge: an old pod goes once its updated twin is available', [N('a', [oldOn('a'), newOn('a')]), N('b', [oldOn('b')])], 1, 0, {}, ['delete a-old', 'create b']],
  ['surge: a twin still starting uses the surge budget', [N('a', [oldOn('a'), starting('a-new', 'a', NEW, 10)]), N('b', [oldOn('b')])], 1, 0, {}, []],
  ['surge: an unavailable old pod gets its twin at once', [N('a', [oldOn('a'), starting('a-new', 'a', NEW, 10)]), N('b', [{ ...oldOn('b'), ready: false }])], 1, 0, {}, ['create b']],
  ['surge: an offline node is deferred', [N('a', [oldOn('a')], { reachable: false }), N('b', [oldOn('b')])], 1, 0, {}, ['create b']],
  ['surge frozen: a finished pair still completes, nothing new starts', [N('a', [oldOn('a'), newOn('a')]), N('b', [oldOn('b')])], 2, 0, { frozen: true }, ['delete a-old']],
];

describe('daemonset: planRollingUpdate', () => {
  for (const [name, nodes, surge, unavailable, opts, want] of ROLLING) {
    it(name, () => assert.deepEqual(run(nodes, surge, unavailable, opts), want));
  }
});

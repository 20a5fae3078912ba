import assert from 'node:assert/strict';
import type { Node, Pod } from '../../shared/api/types/index.js';
import type { Taint, Toleration } from '../../shared/api/taints.js';
import { rfc3339 } from '../../shared/util/clock.js';
import { planEvictions, taintAddedAt } from '../../server/controllers/taint-eviction/plan.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const s = (seconds: number): Date => new Date(T0 + seconds * 1000);
const ts = (seconds: number): string => rfc3339(s(seconds));

const UNREACHABLE = 'node.kubernetes.io/unreachable';
const NOT_READY = 'node.kubernetes.io/not-ready';

function node(taints: Taint[]): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-1' }, spec: { taints } };
}

function pod(name: string, tolerations: Toleration[], extra: { nodeName?: string; deleting?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(extra.deleting ? { deletionTimestamp: ts(-1) } : {}) },
    spec: { nodeName: extra.nodeName ?? 'pi-1', containers: [{ name: 'c', image: 'busybox' }], tolerations },
  };
}

const unreachableAt = (sec: number): Taint => ({ key: UNREACHABLE, effect: 'NoExecute', timeAdded: ts(sec) });
const tol = (key: string, seconds?: number): Toleration => ({ key, operator: 'Exists', effect: 'NoExecute', ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}) });

/** [name, node taints, pod tolerations, now (s), want: 'keep' | [action, at (s)]] */
const CASES: [string, Taint[], Toleration[], number, 'keep' | ['evict' | 'wait', number]][] = [
  ['no taints: keep', [], [], 0, 'keep'],
  ['only NoSchedule taints: keep', [{ key: 'dedicated', effect: 'NoSchedule' }, { key: UNREACHABLE, effect: 'NoSchedule' }], [], 0, 'keep'],
  ['no toleration: evict now', [unreachableAt(0)], [], 5, ['evict', 5]],
  ['toleration for another key: evict now', [unreachableAt(0)], [tol(NOT_READY, 300)], 5, ['evict', 5]],
  ['tolerationSeconds 30, 10 s in: wait until timeAdded + 30', [unreachableAt(0)], [tol(UNREACHABLE, 30)], 10, ['wait', 30]],
  ['tolerationSeconds 30, 29.999 s in: still waiting', [unreachableAt(0)], [tol(UNREACHABLE, 30)], 29.999, ['wait', 30]],
  ['tolerationSeconds 30, at 30 s: evict', [unreachableAt(0)], [tol(UNREACHABLE, 30)], 30, ['evict', 30]],
  ['tolerationSeconds 30, long after: evict (at = the deadline)', [unreachableAt(0)], [tol(UNREACHABLE, 30)], 3600, ['evict', 30]],
  ['Exists without seconds: never', [unreachableAt(0)], [tol(UNREACHABLE)], 86_400 * 7, 'keep'],
  ['tolerate everything: never', [unreachableAt(0), { key: 'x', effect: 'NoExecute' }], [{ operator: 'Exists' }], 86_400, 'keep'],
  ['tolerationSeconds 0: evict', [unreachableAt(0)], [tol(UNREACHABLE, 0)], 0, ['evict', 0]],
  ['negative tolerationSeconds counts as 0', [unreachableAt(10)], [tol(UNREACHABLE, -5)], 12, ['evict', 10]],
  [
    'two taints: the earliest deadline, each from its own timeAdded',
    [unreachableAt(0), { key: NOT_READY, effect: 'NoExecute', timeAdded: ts(50) }],
    [tol(UNREACHABLE, 300), tol(NOT_READY, 60)],
    20,
    ['wait', 110],
  ],
  ['two taints, one untolerated: evict now', [unreachableAt(0), { key: 'maintenance', effect: 'NoExecute' }], [tol(UNREACHABLE)], 1, ['evict', 1]],
  [
    'the default 300 s toleration',
    [unreachableAt(40)],
    [tol(NOT_READY, 300), tol(UNREACHABLE, 300)],
    100,
    ['wait', 340],
  ],
  ['NoSchedule taint without toleration is not a reason to evict', [{ key: 'dedicated', effect: 'NoSchedule' }, unreachableAt(0)], [tol(UNREACHABLE, 30)], 5, ['wait', 30]],
];

describe('eviction: planEvictions', () => {
  for (const [name, taints, tolerations, now, want] of CASES) {
    it(name, () => {
      const p = pod('p', tolerations);
      const out = planEvictions(node(taints), [p], s(now));
      if (want === 'keep') {
        assert.deepEqual(out, []);
        return;
      }
      assert.equal(out.length, 1);
      assert.equal(out[0]?.pod, p);
      assert.equal(out[0]?.action, want[0]);
      assert.equal(out[0]?.at.getTime(), s(want[1]).getTime());
    });
  }

  it('leaves out pods already being deleted and pods bound elsewhere; one decision per pod', () => {
    const n = node([unreachableAt(0)]);
    const pods = [
      pod('gone', [], { deleting: true }),
      pod('elsewhere', [], { nodeName: 'pi-2' }),
      pod('evict', []),
      pod('wait', [tol(UNREACHABLE, 100)]),
      pod('stay', [tol(UNREACHABLE)]),
    ];
    const out = planEvictions(n, pods, s(10));
    assert.deepEqual(
      out.map((d) => [d.pod.metadata.name, d.action, (d.at.getTime() - T0) / 1000, d.taint.key]),
      [
        ['evict', 'evict', 10, UNREACHABLE],
        ['wait', 'wait', 100, UNREACHABLE],
      ],
    );
  });

  it('a taint without timeAdded counts from when it was first seen (else from now)', () => {
    const taint: Taint = { key: UNREACHABLE, effect: 'NoExecute' };
    const n = node([taint]);
    const p = pod('p', [tol(UNREACHABLE, 30)]);
    assert.deepEqual(
      planEvictions(n, [p], s(20), () => s(0)).map((d) => [d.action, d.at.getTime()]),
      [['wait', s(30).getTime()]],
    );
    assert.deepEqual(
      planEvictions(n, [p], s(31), () => s(0)).map((d) => d.action),
      ['evict'],
    );
    assert.deepEqual(planEvictions(n, [p], s(20)).map((d) => d.at.getTime()), [s(50).getTime()]);
    assert.equal(taintAddedAt({ ...taint, timeAdded: 'not a time' }, s(7)).getTime(), s(7).getTime());
  });

  it('the plan over fake time: tolerationSeconds 30 waits, then evicts', () => {
    const n = node([unreachableAt(0)]);
    const p = pod('p', [tol(UNREACHABLE, 30)]);
    const timeline = [0, 10, 29, 30, 31].map((t) => planEvictions(n, [p], s(t))[0]?.action);
    assert.deepEqual(timeline, ['wait', 'wait', 'wait', 'evict', 'evict']);
  });
});

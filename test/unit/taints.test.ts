import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import {
  findUntoleratedTaint,
  formatTaint,
  matchingTolerations,
  minTolerationSeconds,
  taintsOf,
  tolerates,
  tolerationsTolerateTaint,
  type Taint,
  type Toleration,
} from '../../shared/api/taints.js';
import { decodeNode, decodePod, isDecodeError } from '../../shared/api/types/index.js';

const T = (key: string, effect: Taint['effect'], value?: string): Taint => ({ key, effect, ...(value !== undefined ? { value } : {}) });

describe('taints: tolerates (Kubernetes ToleratesTaint)', () => {
  /** [name, toleration, taint, tolerated] */
  const CASES: [string, Toleration, Taint, boolean][] = [
    ['Equal, same key/value/effect', { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, T('k', 'NoSchedule', 'v'), true],
    ['operator defaults to Equal', { key: 'k', value: 'v', effect: 'NoSchedule' }, T('k', 'NoSchedule', 'v'), true],
    ['Equal, other value', { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, T('k', 'NoSchedule', 'w'), false],
    ['Equal, empty value matches taint without value', { key: 'k', operator: 'Equal', effect: 'NoExecute' }, T('k', 'NoExecute'), true],
    ['Equal, empty value vs taint with value', { key: 'k', operator: 'Equal', effect: 'NoExecute' }, T('k', 'NoExecute', 'v'), false],
    ['Equal, other key', { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, T('j', 'NoSchedule', 'v'), false],
    ['Equal, other effect', { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, T('k', 'NoExecute', 'v'), false],
    ['Exists ignores the value', { key: 'k', operator: 'Exists', effect: 'NoSchedule' }, T('k', 'NoSchedule', 'anything'), true],
    ['Exists, other key', { key: 'k', operator: 'Exists' }, T('j', 'NoSchedule'), false],
    ['empty effect matches every effect', { key: 'k', operator: 'Exists' }, T('k', 'NoExecute'), true],
    ['empty effect, PreferNoSchedule', { key: 'k', operator: 'Exists' }, T('k', 'PreferNoSchedule'), true],
    ['empty key + Exists matches everything', { operator: 'Exists' }, T('any/key', 'NoExecute', 'x'), true],
    ['empty key + Exists + effect: only that effect', { operator: 'Exists', effect: 'NoSchedule' }, T('any', 'NoExecute'), false],
    ['empty key + Exists + same effect', { operator: 'Exists', effect: 'NoExecute' }, T('any', 'NoExecute'), true],
    ['unknown operator tolerates nothing', { key: 'k', operator: 'Gt' as Toleration['operator'] }, T('k', 'NoSchedule'), false],
  ];
  for (const [name, tol, taint, want] of CASES) {
    it(name, () => assert.equal(tolerates(tol, taint), want));
  }
});

describe('taints: lists', () => {
  const unreachable = T('node.kubernetes.io/unreachable', 'NoExecute');
  const notReady = T('node.kubernetes.io/not-ready', 'NoExecute');
  const dedicated = T('dedicated', 'NoSchedule', 'gpu');

  it('tolerationsTolerateTaint: any toleration will do', () => {
    assert.equal(tolerationsTolerateTaint([{ key: 'x', operator: 'Exists' }, { key: unreachable.key, operator: 'Exists' }], unreachable), true);
    assert.equal(tolerationsTolerateTaint([], unreachable), false);
  });

  /** [name, taints, tolerations, effects, first untolerated key] */
  const UNTOLERATED: [string, Taint[], Toleration[], Taint['effect'][] | undefined, string | undefined][] = [
    ['no taints', [], [], undefined, undefined],
    ['nothing tolerated', [dedicated, unreachable], [], undefined, 'dedicated'],
    ['filter by effect', [dedicated, unreachable], [], ['NoExecute'], unreachable.key],
    ['filtered effect absent', [dedicated], [], ['NoExecute'], undefined],
    ['all tolerated', [dedicated, unreachable], [{ operator: 'Exists' }], undefined, undefined],
    ['one of two tolerated', [dedicated, notReady], [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], undefined, notReady.key],
  ];
  for (const [name, taints, tols, effects, want] of UNTOLERATED) {
    it(`findUntoleratedTaint: ${name}`, () => assert.equal(findUntoleratedTaint(taints, tols, effects)?.key, want));
  }

  it('matchingTolerations: the first tolerating toleration per taint, undefined when one is not tolerated', () => {
    const a: Toleration = { key: unreachable.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 };
    const b: Toleration = { operator: 'Exists' };
    assert.deepEqual(matchingTolerations([unreachable, notReady], [a, b]), [a, b]);
    assert.equal(matchingTolerations([unreachable, notReady], [a]), undefined);
    assert.deepEqual(matchingTolerations([], []), []);
  });

  /** [name, tolerations, taints, seconds (undefined = forever)] */
  const SECONDS: [string, Toleration[], Taint[], number | undefined][] = [
    ['no NoExecute taints: forever', [], [dedicated], undefined],
    ['untolerated: now', [], [unreachable], 0],
    ['tolerated without seconds: forever', [{ key: unreachable.key, operator: 'Exists' }], [unreachable], undefined],
    ['tolerationSeconds 30', [{ key: unreachable.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }], [unreachable], 30],
    ['zero: now', [{ key: unreachable.key, operator: 'Exists', tolerationSeconds: 0 }], [unreachable], 0],
    ['negative: now', [{ key: unreachable.key, operator: 'Exists', tolerationSeconds: -5 }], [unreachable], 0],
    [
      'the smallest of the tolerations used',
      [
        { key: unreachable.key, operator: 'Exists', tolerationSeconds: 300 },
        { key: notReady.key, operator: 'Exists', tolerationSeconds: 60 },
      ],
      [unreachable, notReady],
      60,
    ],
    [
      'one forever, one limited: limited',
      [{ key: unreachable.key, operator: 'Exists' }, { key: notReady.key, operator: 'Exists', tolerationSeconds: 60 }],
      [unreachable, notReady],
      60,
    ],
    ['one of two untolerated: now', [{ key: unreachable.key, operator: 'Exists', tolerationSeconds: 60 }], [unreachable, notReady], 0],
    [
      'first matching toleration decides (a later shorter one is not used)',
      [{ key: unreachable.key, operator: 'Exists', tolerationSeconds: 100 }, { operator: 'Exists', tolerationSeconds: 5 }],
      [unreachable],
      100,
    ],
  ];
  for (const [name, tols, taints, want] of SECONDS) {
    it(`minTolerationSeconds: ${name}`, () => assert.equal(minTolerationSeconds(tols, taints), want));
  }

  it('formatTaint is kubectl\'s', () => {
    assert.equal(formatTaint(T('k', 'NoSchedule', 'v')), 'k=v:NoSchedule');
    assert.equal(formatTaint(T('k', 'NoExecute')), 'k:NoExecute');
    assert.equal(formatTaint({ key: 'k' }), 'k');
  });
});

describe('taints: reading objects', () => {
  it('taintsOf reads a decoded Node; a malformed taint never gets that far (decoding names it)', () => {
    const node = decodeNode({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n' },
      spec: { taints: [{ key: 'a', effect: 'NoExecute', timeAdded: '2026-01-01T00:00:00Z' }, { key: 'c', value: 'v', effect: 'NoSchedule' }] },
    });
    assert.deepEqual(taintsOf(node), [
      { key: 'a', effect: 'NoExecute', timeAdded: '2026-01-01T00:00:00Z' },
      { key: 'c', value: 'v', effect: 'NoSchedule' },
    ]);
    assert.deepEqual(taintsOf(decodeNode({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'm' } })), []);
    const bogus = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'b' }, spec: { taints: [{ key: 'a', effect: 'NoExecute' }, { key: 'b', effect: 'Bogus' }, 'junk'] } };
    assert.throws(
      () => decodeNode(bogus),
      (e: unknown) => isDecodeError(e) && e.message.includes('spec.taints[1].effect: Unsupported value: "Bogus"') && e.message.includes('spec.taints[2]: expected object'),
    );
  });

  it('a pod whose tolerations have an unknown operator or effect does not decode (naming the field)', () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'busybox' }], tolerations: [{ operator: 'Exists' }, { key: 'k', operator: 'Lt' }, { key: 'k', effect: 'Never' }] },
    };
    assert.throws(
      () => decodePod(pod),
      (e: unknown) => isDecodeError(e) && e.message.includes('spec.tolerations[1].operator') && e.message.includes('spec.tolerations[2].effect'),
    );
  });
});

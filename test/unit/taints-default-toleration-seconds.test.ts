import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import { admitOnCreate, applyDefaultTolerationSeconds } from '../../server/apiserver/admission/index.js';

const NOT_READY = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const UNREACHABLE = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };

function pod(tolerations?: unknown): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...(tolerations !== undefined ? { tolerations } : {}) },
  };
}

function tolerationsOf(p: KubeObject): unknown {
  const spec = p['spec'] as Record<string, unknown>;
  return spec['tolerations'];
}

describe('taints: DefaultTolerationSeconds admission', () => {
  /** [name, tolerations before, tolerations after] */
  const CASES: [string, unknown, unknown][] = [
    ['none: both added', undefined, [NOT_READY, UNREACHABLE]],
    ['empty list: both added', [], [NOT_READY, UNREACHABLE]],
    ['unrelated toleration kept first', [{ key: 'dedicated', operator: 'Exists' }], [{ key: 'dedicated', operator: 'Exists' }, NOT_READY, UNREACHABLE]],
    [
      'an unreachable NoExecute toleration is respected (not duplicated, seconds kept)',
      [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }],
      [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }, NOT_READY],
    ],
    [
      'a not-ready toleration with no effect covers NoExecute',
      [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }],
      [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }, UNREACHABLE],
    ],
    [
      'a toleration for the key with another effect does not count',
      [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }],
      [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, NOT_READY, UNREACHABLE],
    ],
    ['tolerate-everything (empty key, Exists) covers both', [{ operator: 'Exists' }], [{ operator: 'Exists' }]],
    ['empty key with NoExecute covers both', [{ operator: 'Exists', effect: 'NoExecute' }], [{ operator: 'Exists', effect: 'NoExecute' }]],
    [
      'both already present (DaemonSet-style, no seconds): unchanged',
      [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
      ],
      [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
      ],
    ],
    ['malformed tolerations are left for validation', 'nonsense', 'nonsense'],
  ];
  for (const [name, before, after] of CASES) {
    it(name, () => {
      const input = pod(before);
      const snapshot = structuredClone(input);
      const out = applyDefaultTolerationSeconds(input);
      assert.deepEqual(tolerationsOf(out), after);
      assert.deepEqual(input, snapshot, 'the input is not modified');
    });
  }

  it('applying twice adds nothing more', () => {
    const once = applyDefaultTolerationSeconds(pod());
    assert.equal(applyDefaultTolerationSeconds(once), once);
  });

  it('configurable seconds', () => {
    const out = applyDefaultTolerationSeconds(pod(), { notReadySeconds: 60, unreachableSeconds: 120 });
    assert.deepEqual(tolerationsOf(out), [
      { ...NOT_READY, tolerationSeconds: 60 },
      { ...UNREACHABLE, tolerationSeconds: 120 },
    ]);
  });

  it('a pod without a spec is left for validation', () => {
    const p: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } };
    assert.equal(applyDefaultTolerationSeconds(p), p);
  });

  it('admitOnCreate: only Pods get tolerations; deletionGracePeriodSeconds is dropped from every kind', () => {
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', deletionGracePeriodSeconds: 5 }, data: {} };
    assert.deepEqual(admitOnCreate(cm), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} });
    const p = pod();
    p.metadata.deletionGracePeriodSeconds = 3;
    const admitted = admitOnCreate(p);
    assert.equal(admitted.metadata.deletionGracePeriodSeconds, undefined);
    assert.deepEqual(tolerationsOf(admitted), [NOT_READY, UNREACHABLE]);
  });
});

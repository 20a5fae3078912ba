import assert from 'node:assert/strict';
import { ApiError } from '../../shared/api/errors.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { carryDeletionGracePeriod, gracePeriodOption, planDelete, shouldDeleteDuringUpdate } from '../../server/apiserver/admission/index.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number): string => new Date(NOW.getTime() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface PodShape {
  nodeName?: string;
  grace?: number;
  phase?: string;
  finalizers?: string[];
  deleting?: { at: string; grace?: number };
}

function pod(p: PodShape = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      namespace: 'default',
      ...(p.finalizers ? { finalizers: p.finalizers } : {}),
      ...(p.deleting ? { deletionTimestamp: p.deleting.at, ...(p.deleting.grace !== undefined ? { deletionGracePeriodSeconds: p.deleting.grace } : {}) } : {}),
    },
    spec: { containers: [], ...(p.nodeName ? { nodeName: p.nodeName } : {}), ...(p.grace !== undefined ? { terminationGracePeriodSeconds: p.grace } : {}) },
    ...(p.phase ? { status: { phase: p.phase } } : {}),
  };
}

/** What the decision looks like: 'remove', 'keep' (no write), or [deletionTimestamp, deletionGracePeriodSeconds]. */
type Outcome = 'remove' | 'keep' | [string, number | undefined];

function outcome(d: ReturnType<typeof planDelete>): Outcome {
  if (d === undefined) return 'keep';
  if ('remove' in d) return 'remove';
  return [d.next.metadata.deletionTimestamp ?? '', d.next.metadata.deletionGracePeriodSeconds];
}

/** [name, kind, object, gracePeriodSeconds option, outcome] */
const CASES: [string, string, KubeObject, number | undefined, Outcome][] = [
  ['bound pod, default grace 30: Terminating', 'Pod', pod({ nodeName: 'pi', grace: 30 }), undefined, [at(30), 30]],
  ['bound pod, its own grace 5', 'Pod', pod({ nodeName: 'pi', grace: 5 }), undefined, [at(5), 5]],
  ['bound pod, request grace 10 wins', 'Pod', pod({ nodeName: 'pi', grace: 30 }), 10, [at(10), 10]],
  ['bound pod, grace 0: removed at once', 'Pod', pod({ nodeName: 'pi', grace: 30 }), 0, 'remove'],
  ['negative grace counts as 1', 'Pod', pod({ nodeName: 'pi', grace: 30 }), -1, [at(1), 1]],
  ['unbound pod: removed at once', 'Pod', pod({ grace: 30 }), undefined, 'remove'],
  ['unbound pod, even with a grace period asked for', 'Pod', pod({ grace: 30 }), 20, 'remove'],
  ['succeeded pod: removed at once', 'Pod', pod({ nodeName: 'pi', grace: 30, phase: 'Succeeded' }), undefined, 'remove'],
  ['failed pod: removed at once', 'Pod', pod({ nodeName: 'pi', grace: 30, phase: 'Failed' }), undefined, 'remove'],
  ['bound pod without terminationGracePeriodSeconds: removed', 'Pod', pod({ nodeName: 'pi' }), undefined, 'remove'],
  ['terminating, DELETE again without grace: nothing changes', 'Pod', pod({ nodeName: 'pi', deleting: { at: at(30), grace: 30 } }), undefined, 'keep'],
  ['terminating, a longer grace: nothing changes', 'Pod', pod({ nodeName: 'pi', deleting: { at: at(30), grace: 30 } }), 60, 'keep'],
  ['terminating, the same grace: nothing changes', 'Pod', pod({ nodeName: 'pi', deleting: { at: at(30), grace: 30 } }), 30, 'keep'],
  ['terminating, a shorter grace moves the deadline earlier', 'Pod', pod({ nodeName: 'pi', deleting: { at: at(30), grace: 30 } }), 10, [at(10), 10]],
  ['terminating, grace 0 (the agent is done): removed', 'Pod', pod({ nodeName: 'pi', deleting: { at: at(30), grace: 30 } }), 0, 'remove'],
  ['terminating with finalizers, grace 0: kept until they go', 'Pod', pod({ nodeName: 'pi', finalizers: ['x/y'], deleting: { at: at(30), grace: 30 } }), 0, [at(0), 0]],
  ['bound pod with finalizers, grace 0: deletionTimestamp now, kept', 'Pod', pod({ nodeName: 'pi', finalizers: ['x/y'] }), 0, [at(0), 0]],
  ['deletion recorded without a grace period (force): removed', 'Pod', pod({ nodeName: 'pi', deleting: { at: at(0) } }), undefined, 'remove'],
  ['ConfigMap: removed at once', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, undefined, 'remove'],
  ['ConfigMap with finalizers: marked with grace 0', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', finalizers: ['x/y'] } }, 30, [at(0), 0]],
  ['ConfigMap with finalizers already marked: nothing changes', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', finalizers: ['x/y'], deletionTimestamp: at(-5) } }, undefined, 'keep'],
];

describe('eviction: graceful deletion', () => {
  for (const [name, kind, obj, grace, want] of CASES) {
    it(name, () => {
      assert.deepEqual(outcome(planDelete(structuredClone(obj), kind, grace === undefined ? {} : { gracePeriodSeconds: grace }, NOW)), want);
    });
  }

  /** [name, current, next, delete during update] */
  const UPDATE: [string, KubeObject, KubeObject, boolean][] = [
    ['not being deleted', pod({ nodeName: 'pi' }), pod({ nodeName: 'pi' }), false],
    ['graceful deletion pending: a status update keeps it', pod({ nodeName: 'pi', deleting: { at: at(30), grace: 30 } }), pod({ nodeName: 'pi', phase: 'Running' }), false],
    ['last finalizer removed, no grace pending: removed', pod({ finalizers: ['a/b'], deleting: { at: at(0), grace: 0 } }), pod(), true],
    ['last finalizer removed, deletion without grace field: removed', pod({ finalizers: ['a/b'], deleting: { at: at(0) } }), pod(), true],
    ['finalizers remain: kept', pod({ finalizers: ['a/b', 'c/d'], deleting: { at: at(0), grace: 0 } }), pod({ finalizers: ['c/d'] }), false],
    ['finalizer removed while grace still pending: kept', pod({ nodeName: 'pi', finalizers: ['a/b'], deleting: { at: at(30), grace: 30 } }), pod({ nodeName: 'pi' }), false],
  ];
  for (const [name, current, next, want] of UPDATE) {
    it(`update: ${name}`, () => assert.equal(shouldDeleteDuringUpdate(current, next), want));
  }

  it('updates cannot change deletionGracePeriodSeconds', () => {
    const current = pod({ nodeName: 'pi', deleting: { at: at(30), grace: 30 } });
    const next = pod({ nodeName: 'pi' });
    next.metadata.deletionGracePeriodSeconds = 1;
    carryDeletionGracePeriod(current, next);
    assert.equal(next.metadata.deletionGracePeriodSeconds, 30);
    const plain = pod();
    plain.metadata.deletionGracePeriodSeconds = 4;
    carryDeletionGracePeriod(pod(), plain);
    assert.equal(plain.metadata.deletionGracePeriodSeconds, undefined);
  });

  /** [query, body, option] */
  const OPTIONS: [string, unknown, number | undefined | 'error'][] = [
    ['', undefined, undefined],
    ['gracePeriodSeconds=0', undefined, 0],
    ['gracePeriodSeconds=15', {}, 15],
    ['gracePeriodSeconds=-1', undefined, -1],
    ['', { kind: 'DeleteOptions', gracePeriodSeconds: 7 }, 7],
    ['gracePeriodSeconds=3', { gracePeriodSeconds: 0 }, 0],
    ['gracePeriodSeconds=soon', undefined, 'error'],
    ['', { gracePeriodSeconds: 1.5 }, 'error'],
    ['', { gracePeriodSeconds: 'x' }, 'error'],
  ];
  for (const [query, body, want] of OPTIONS) {
    it(`DeleteOptions: ?${query} ${JSON.stringify(body)}`, () => {
      const params = new URLSearchParams(query);
      if (want === 'error') {
        assert.throws(() => gracePeriodOption(params, body), (e: unknown) => e instanceof ApiError && e.code === 400);
        return;
      }
      assert.deepEqual(gracePeriodOption(params, body), want === undefined ? {} : { gracePeriodSeconds: want });
    });
  }
});

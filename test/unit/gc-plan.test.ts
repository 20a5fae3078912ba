/** The garbage collector's decisions and the API's propagationPolicy, as tables. */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import { applyPropagation, propagationOption } from '../../server/apiserver/admission/propagation.js';
import { planCollection, type OwnerState } from '../../server/controllers/gc/plan.js';

const ref = (uid: string, block = true) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: `ds-${uid}`, uid, controller: true, blockOwnerDeletion: block });
const obj = (meta: KubeObject['metadata'], kind = 'Pod'): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name: 'x', uid: 'self', ...meta } });
const states = (absent: string[]) => (r: { uid: string }): OwnerState => (absent.includes(r.uid) ? 'absent' : 'present');

describe('garbage collector plan', () => {
  const cases: { name: string; o: KubeObject; dependents?: KubeObject[]; absent?: string[]; want: string[] }[] = [
    { name: 'no owners, not deleting: nothing', o: obj({}), want: [] },
    { name: 'every owner gone: delete', o: obj({ ownerReferences: [ref('a')] }), absent: ['a'], want: ['deleteSelf'] },
    { name: 'one of two owners gone: drop its reference', o: obj({ ownerReferences: [ref('a'), ref('b')] }), absent: ['a'], want: ['dropOwnerRefs'] },
    { name: 'owner present: nothing', o: obj({ ownerReferences: [ref('a')] }), want: [] },
    {
      name: 'orphan finalizer: orphan each dependent, then the finalizer',
      o: obj({ deletionTimestamp: 't', finalizers: ['orphan'] }), dependents: [obj({ ownerReferences: [ref('self')] }), obj({ ownerReferences: [ref('self')] })],
      want: ['orphanDependent', 'orphanDependent', 'removeFinalizer'],
    },
    {
      name: 'foreground: delete dependents, wait while a blocking one is left',
      o: obj({ deletionTimestamp: 't', finalizers: ['foregroundDeletion'] }), dependents: [obj({ ownerReferences: [ref('self')] })],
      want: ['deleteDependent'],
    },
    {
      name: 'foreground: a dependent already deleting is not deleted again',
      o: obj({ deletionTimestamp: 't', finalizers: ['foregroundDeletion'] }), dependents: [obj({ deletionTimestamp: 't', ownerReferences: [ref('self')] })],
      want: [],
    },
    {
      name: 'foreground: non-blocking dependents do not hold the owner',
      o: obj({ deletionTimestamp: 't', finalizers: ['foregroundDeletion'] }), dependents: [obj({ ownerReferences: [ref('self', false)] })],
      want: ['deleteDependent', 'removeFinalizer'],
    },
    { name: 'foreground with no dependents: finalizer goes', o: obj({ deletionTimestamp: 't', finalizers: ['foregroundDeletion'] }), want: ['removeFinalizer'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const steps = planCollection({ obj: c.o, dependents: c.dependents ?? [], ownerState: states(c.absent ?? []) });
      assert.deepEqual(steps.map((s) => s.kind), c.want);
    });
  }
});

describe('DeleteOptions.propagationPolicy', () => {
  it('reads the body, then the query; refuses unknown values naming the field', () => {
    assert.deepEqual(propagationOption(new URLSearchParams(), { propagationPolicy: 'Orphan' }), { propagationPolicy: 'Orphan' });
    assert.deepEqual(propagationOption(new URLSearchParams('propagationPolicy=Foreground'), undefined), { propagationPolicy: 'Foreground' });
    assert.deepEqual(propagationOption(new URLSearchParams(), { orphanDependents: true }), { propagationPolicy: 'Orphan' });
    assert.deepEqual(propagationOption(new URLSearchParams(), undefined), {});
    assert.throws(() => propagationOption(new URLSearchParams(), { propagationPolicy: 'Later' }), /propagationPolicy/);
  });
  it('adds or switches the finalizer on collected kinds only', () => {
    const ds = obj({ finalizers: ['example.com/keep'] }, 'DaemonSet');
    assert.equal(applyPropagation(ds, 'Orphan'), true);
    assert.deepEqual(ds.metadata.finalizers, ['example.com/keep', 'orphan']);
    assert.equal(applyPropagation(ds, 'Foreground'), true);
    assert.deepEqual(ds.metadata.finalizers, ['example.com/keep', 'foregroundDeletion']);
    assert.equal(applyPropagation(ds, 'Background'), false);
    const ns = obj({}, 'Namespace');
    assert.equal(applyPropagation(ns, 'Orphan'), false);
    assert.equal(ns.metadata.finalizers, undefined);
  });
});

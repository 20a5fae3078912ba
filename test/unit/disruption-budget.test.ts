import assert from 'node:assert/strict';
import { kindByName } from '../../shared/api/kinds.js';
import type { Pod, PodDisruptionBudget } from '../../shared/api/types/index.js';
import { validateObject } from '../../shared/api/validation/index.js';
import { rfc3339 } from '../../shared/util/clock.js';
import type { JsonObject } from '../../shared/util/guards.js';
import { planPdbStatus, type ControllerScale } from '../../server/controllers/disruption/plan.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const PDB_INFO = kindByName('PodDisruptionBudget');

function pdbBody(spec: JsonObject, status?: JsonObject): JsonObject {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec, ...(status ? { status } : {}) };
}

function errorFields(body: JsonObject): string[] {
  assert.ok(PDB_INFO);
  return validateObject(body, PDB_INFO).map((e) => `${e.field}: ${e.message}`);
}

describe('PodDisruptionBudget validation', () => {
  const sel = { matchLabels: { app: 'web' } };
  const GOOD: JsonObject[] = [{ minAvailable: 1, selector: sel }, { minAvailable: '50%', selector: sel }, { maxUnavailable: 0, selector: {} }, { maxUnavailable: '100%' }, {}];
  for (const spec of GOOD) it(`accepts ${JSON.stringify(spec)}`, () => assert.deepEqual(errorFields(pdbBody(spec)), []));

  const BAD: [string, JsonObject, string][] = [
    ['both set', { minAvailable: 1, maxUnavailable: 1, selector: sel }, 'spec: Invalid value'],
    ['negative count', { minAvailable: -1 }, 'spec.minAvailable: Invalid value: -1'],
    ['percent over 100', { maxUnavailable: '150%' }, 'spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%'],
    ['not a percent', { minAvailable: 'half' }, 'spec.minAvailable: Invalid value: "half"'],
    ['fractional count', { minAvailable: 1.5 }, 'spec.minAvailable: '],
    ['bad selector operator', { selector: { matchExpressions: [{ key: 'app', operator: 'Near', values: ['x'] }] } }, 'spec.selector.matchExpressions[0].operator: Unsupported value: "Near"'],
    ['bad eviction policy', { unhealthyPodEvictionPolicy: 'Sometimes' }, 'spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes"'],
  ];
  for (const [name, spec, want] of BAD) {
    it(`refuses ${name}`, () => {
      const errs = errorFields(pdbBody(spec));
      assert.ok(errs.some((e) => e.startsWith(want)), `${want} not in ${JSON.stringify(errs)}`);
    });
  }
  it('refuses negative status counts', () => {
    const errs = errorFields(pdbBody({}, { disruptionsAllowed: -1, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }));
    assert.ok(errs.some((e) => e.startsWith('status.disruptionsAllowed: Invalid value: -1')), JSON.stringify(errs));
  });
});

interface PodShape {
  name: string;
  ready?: boolean;
  deleting?: boolean;
  owner?: string;
}

function pod(p: PodShape): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: 'default',
      labels: { app: 'web' },
      ...(p.deleting ? { deletionTimestamp: rfc3339(NOW) } : {}),
      ...(p.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: p.owner, uid: `uid-${p.owner}`, controller: true }] } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: p.ready === false ? 'False' : 'True' }] },
  };
}

function pdb(spec: PodDisruptionBudget['spec'], disruptedPods?: Record<string, string>): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'web', namespace: 'default', generation: 3 },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
    ...(disruptedPods ? { status: { disruptedPods, disruptionsAllowed: 0 } } : {}),
  };
}

/** DaemonSet `ds` wants 4 pods; anything else is unknown. */
const SCALE: ControllerScale = (o) => (o.kind === 'DaemonSet' && o.uid === 'uid-ds' ? 4 : undefined);

const three = [pod({ name: 'a' }), pod({ name: 'b' }), pod({ name: 'c' })];
const threeOwned = three.map((p) => pod({ name: p.metadata.name ?? '', owner: 'ds' }));
const ago = (s: number): string => rfc3339(new Date(NOW.getTime() - s * 1000));

/** [case, budget, pods, expected [expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed]] */
const CASES: [string, PodDisruptionBudget, Pod[], [number, number, number, number]][] = [
  ['minAvailable count: expected is the matching pods', pdb({ minAvailable: 2 }), three, [3, 2, 3, 1]],
  ['minAvailable equal to the healthy pods: none allowed', pdb({ minAvailable: 3 }), three, [3, 3, 3, 0]],
  ['a pod not ready is not healthy', pdb({ minAvailable: 2 }), [pod({ name: 'a' }), pod({ name: 'b', ready: false }), pod({ name: 'c' })], [3, 2, 2, 0]],
  ['a pod being deleted is not healthy', pdb({ minAvailable: 1 }), [pod({ name: 'a' }), pod({ name: 'b', deleting: true })], [2, 1, 1, 0]],
  ['maxUnavailable: the DaemonSet scale is expected', pdb({ maxUnavailable: 1 }), threeOwned, [4, 3, 3, 0]],
  ['maxUnavailable percent rounds up', pdb({ maxUnavailable: '30%' }), threeOwned, [4, 2, 3, 1]],
  ['minAvailable percent of the DaemonSet scale rounds up', pdb({ minAvailable: '50%' }), threeOwned, [4, 2, 3, 1]],
  ['pods without a controller count once each', pdb({ maxUnavailable: 1 }), three, [3, 2, 3, 1]],
  ['no pods: nothing may be disrupted', pdb({ maxUnavailable: 1 }), [], [0, 0, 0, 0]],
  ['minAvailable 0 with no pods', pdb({ minAvailable: 0 }), [], [0, 0, 0, 0]],
  ['a recent eviction is not healthy', pdb({ minAvailable: 1 }, { a: ago(30) }), three, [3, 1, 2, 1]],
  ['an eviction older than two minutes is forgotten', pdb({ minAvailable: 1 }, { a: ago(121) }), three, [3, 1, 3, 2]],
];

describe('planPdbStatus', () => {
  for (const [name, budget, pods, [expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed]] of CASES) {
    it(name, () => {
      const { status } = planPdbStatus(budget, pods, SCALE, NOW);
      assert.deepEqual(
        { expectedPods: status.expectedPods, desiredHealthy: status.desiredHealthy, currentHealthy: status.currentHealthy, disruptionsAllowed: status.disruptionsAllowed },
        { expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed },
      );
      assert.equal(status.observedGeneration, 3);
      const cond = status.conditions?.find((c) => c.type === 'DisruptionAllowed');
      assert.equal(cond?.status, disruptionsAllowed > 0 ? 'True' : 'False');
      assert.equal(cond?.reason, disruptionsAllowed > 0 ? 'SufficientPods' : 'InsufficientPods');
    });
  }

  it('keeps a recent eviction and asks to look again when it times out', () => {
    const plan = planPdbStatus(pdb({ minAvailable: 1 }, { a: ago(30), gone: ago(10) }), three, SCALE, NOW);
    assert.deepEqual(plan.status.disruptedPods, { a: ago(30) });
    assert.equal(plan.recheckAfterMs, 90_000);
  });

  it('fails safe when a controller of a covered pod is unknown', () => {
    const stray = pod({ name: 'x', owner: 'other' });
    const { status } = planPdbStatus(pdb({ maxUnavailable: 1 }), [stray], SCALE, NOW);
    assert.equal(status.disruptionsAllowed, 0);
    assert.deepEqual(status.conditions?.map((c) => [c.reason, c.message]), [['SyncFailed', 'found no controllers for pod "x"']]);
  });

  it('keeps the transition time while the condition holds', () => {
    const first = planPdbStatus(pdb({ minAvailable: 1 }), three, SCALE, new Date(NOW.getTime() - 60_000)).status;
    const again = planPdbStatus({ ...pdb({ minAvailable: 1 }), status: first }, three, SCALE, NOW).status;
    assert.deepEqual(again, first);
  });
});

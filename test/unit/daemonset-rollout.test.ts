import assert from 'node:assert/strict';
import { allowedFailures, judgeFailures, nodeRolloutState } from '../../server/controllers/daemonset/failure-budget.js';
import { DEFAULT_ROLLOUT_POLICY, parseRolloutPolicy, type RolloutPolicy } from '../../server/controllers/daemonset/rollout-policy.js';
import { planStages, releasedStages, type NodeRolloutState } from '../../server/controllers/daemonset/stages.js';
import type { DaemonPodView } from '../../server/controllers/daemonset/view.js';
import { pod, sec, starting } from './daemonset-fixtures.js';

const policy = (annotations: Record<string, string>): RolloutPolicy => {
  const r = parseRolloutPolicy(annotations);
  if (!r.policy) throw new Error(JSON.stringify(r.errors));
  return r.policy;
};

describe('daemonset: rollout annotations', () => {
  it('none: the defaults (one stage, auto, 10% over at least 10 devices, 10 min deadline)', () => {
    assert.deepEqual(policy({}), DEFAULT_ROLLOUT_POLICY);
  });

  it('reads every setting', () => {
    const p = policy({
      'flotilla.io/canary-size': '5%', 'flotilla.io/batch-size': '10', 'flotilla.io/promotion': 'manual',
      'flotilla.io/promoted-stage': 'abc123:2', 'flotilla.io/rollout-paused': 'true', 'flotilla.io/failure-budget': '2',
      'flotilla.io/failure-budget-min-devices': '4', 'flotilla.io/progress-deadline': '90s', 'flotilla.io/unrelated': 'x',
    });
    assert.deepEqual(p, {
      canary: { size: '5%' }, batchSize: 10, promotion: 'manual', promoted: { hash: 'abc123', stage: 2 }, paused: true,
      failureBudget: 2, failureBudgetMinDevices: 4, progressDeadlineMs: 90_000,
    });
    const sel = policy({ 'flotilla.io/canary-selector': 'ring in (canary),arch=arm64' }).canary;
    assert.ok(sel && 'selector' in sel && sel.selector.requirements.length === 2);
  });

  /** [annotations, field, message part] */
  const BAD: [Record<string, string>, string, RegExp][] = [
    [{ 'flotilla.io/canary-size': 'many' }, 'metadata.annotations[flotilla.io/canary-size]', /non-negative integer or a percentage/],
    [{ 'flotilla.io/canary-size': '0' }, 'metadata.annotations[flotilla.io/canary-size]', /greater than 0/],
    [{ 'flotilla.io/canary-size': '1', 'flotilla.io/canary-selector': 'ring=canary' }, 'metadata.annotations[flotilla.io/canary-selector]', /not both/],
    [{ 'flotilla.io/canary-selector': 'ring in (' }, 'metadata.annotations[flotilla.io/canary-selector]', /unable to parse requirement/],
    [{ 'flotilla.io/batch-size': '-3' }, 'metadata.annotations[flotilla.io/batch-size]', /non-negative/],
    [{ 'flotilla.io/promotion': 'later' }, 'metadata.annotations[flotilla.io/promotion]', /supported values: "auto", "manual"/],
    [{ 'flotilla.io/promoted-stage': '3' }, 'metadata.annotations[flotilla.io/promoted-stage]', /<revision hash>:<stage index>/],
    [{ 'flotilla.io/rollout-paused': 'yes' }, 'metadata.annotations[flotilla.io/rollout-paused]', /supported values/],
    [{ 'flotilla.io/failure-budget': '5.5%' }, 'metadata.annotations[flotilla.io/failure-budget]', /percentage/],
    [{ 'flotilla.io/failure-budget-min-devices': 'ten' }, 'metadata.annotations[flotilla.io/failure-budget-min-devices]', /non-negative integer/],
    [{ 'flotilla.io/progress-deadline': '10 minutes' }, 'metadata.annotations[flotilla.io/progress-deadline]', /duration such as/],
    [{ 'flotilla.io/progress-deadline': '0s' }, 'metadata.annotations[flotilla.io/progress-deadline]', /longer than 0s/],
  ];
  for (const [annotations, field, message] of BAD) {
    it(`refuses ${JSON.stringify(annotations)}, naming ${field}`, () => {
      const r = parseRolloutPolicy(annotations);
      assert.equal(r.policy, undefined);
      assert.equal(r.errors.length, 1);
      assert.equal(r.errors[0]?.field, field);
      assert.match(r.errors[0]?.message ?? '', message);
    });
  }
});

const fleet = (n: number, labels: (i: number) => Record<string, string> = () => ({})): { name: string; labels: Record<string, string> }[] =>
  Array.from({ length: n }, (_, i) => ({ name: `pi-${String(i + 1).padStart(2, '0')}`, labels: labels(i) }));
/** pi-04 and pi-08 carry ring=canary. */
const ringEvery4th = (i: number): Record<string, string> => (i % 4 === 3 ? { ring: 'canary' } : {});
const shape = (p: RolloutPolicy, n = 10): string[] => planStages(fleet(n, ringEvery4th), p).map((s) => `${s.name}:${s.nodes.length}`);

describe('daemonset: stage selection', () => {
  /** [annotations, want stages] over 10 nodes, pi-04 and pi-08 labelled ring=canary */
  const STAGES: [Record<string, string>, string[]][] = [
    [{}, ['all:10']],
    [{ 'flotilla.io/canary-size': '1' }, ['canary:1', 'batch-1:9']],
    [{ 'flotilla.io/canary-size': '15%' }, ['canary:2', 'batch-1:8']], // 1.5 rounds up
    [{ 'flotilla.io/canary-size': '1%' }, ['canary:1', 'batch-1:9']],
    [{ 'flotilla.io/canary-selector': 'ring=canary' }, ['canary:2', 'batch-1:8']],
    [{ 'flotilla.io/canary-selector': 'ring=none' }, ['all:10']],
    [{ 'flotilla.io/canary-size': '1', 'flotilla.io/batch-size': '4' }, ['canary:1', 'batch-1:4', 'batch-2:4', 'batch-3:1']],
    [{ 'flotilla.io/batch-size': '25%' }, ['batch-1:3', 'batch-2:3', 'batch-3:3', 'batch-4:1']],
    [{ 'flotilla.io/canary-size': '20' }, ['canary:10']],
  ];
  for (const [annotations, want] of STAGES) {
    it(`${JSON.stringify(annotations)} → ${want.join(' ')}`, () => assert.deepEqual(shape(policy(annotations)), want));
  }

  it('the selector picks the labelled nodes, in name order', () => {
    const stages = planStages(fleet(10, ringEvery4th), policy({ 'flotilla.io/canary-selector': 'ring=canary' }));
    assert.deepEqual(stages[0]?.nodes, ['pi-04', 'pi-08']);
  });

  const stages = planStages(fleet(4), policy({ 'flotilla.io/canary-size': '1', 'flotilla.io/batch-size': '2' }));
  const states = (...s: NodeRolloutState[]): Map<string, NodeRolloutState> => new Map(s.map((st, i) => [`pi-0${i + 1}`, st]));
  /** [name, promotion annotations, states of pi-01..pi-04, want released, want awaiting] */
  const RELEASE: [string, Record<string, string>, NodeRolloutState[], number, number | undefined][] = [
    ['canary updating: only the canary', {}, ['updating', 'pending', 'pending', 'pending'], 1, undefined],
    ['canary done: the next batch goes', {}, ['updated', 'pending', 'pending', 'pending'], 2, undefined],
    ['a canary that failed within budget is done too', {}, ['failed', 'pending', 'pending', 'pending'], 2, undefined],
    ['an offline canary does not hold the rollout', {}, ['waiting-offline', 'pending', 'pending', 'pending'], 2, undefined],
    ['batch-1 done: all released', {}, ['updated', 'updated', 'waiting-offline', 'pending'], 3, undefined],
    ['manual: waits after the canary', { 'flotilla.io/promotion': 'manual' }, ['updated', 'pending', 'pending', 'pending'], 1, 1],
    ['manual: promoted to stage 1 for this revision', { 'flotilla.io/promotion': 'manual', 'flotilla.io/promoted-stage': 'rev2:1' }, ['updated', 'updated', 'updated', 'pending'], 2, 2],
    ['manual: a promotion for another revision does not count', { 'flotilla.io/promotion': 'manual', 'flotilla.io/promoted-stage': 'rev1:5' }, ['updated', 'pending', 'pending', 'pending'], 1, 1],
  ];
  for (const [name, annotations, st, released, awaiting] of RELEASE) {
    it(name, () => {
      const r = releasedStages(stages, states(...st), policy(annotations), 'rev2');
      assert.equal(r.released, released);
      assert.equal(r.awaitingPromotion, awaiting);
    });
  }
});

describe('daemonset: failure budget', () => {
  /** [budget, min devices, updated so far, want allowed] */
  const ALLOWED: [string, string, number, number][] = [
    ['10%', '10', 1, 1], // a small sample is judged as 10 devices
    ['10%', '10', 19, 1],
    ['10%', '10', 20, 2],
    ['10%', '10', 105, 10], // rounds down
    ['0', '10', 50, 0],
    ['3', '10', 1, 3],
    ['50%', '0', 3, 1],
    ['50%', '1', 1, 0],
    ['0%', '10', 100, 0],
  ];
  for (const [budget, min, updated, want] of ALLOWED) {
    it(`budget ${budget} over at least ${min}, ${updated} updated → ${want} allowed`, () => {
      const p = policy({ 'flotilla.io/failure-budget': budget, 'flotilla.io/failure-budget-min-devices': min });
      assert.equal(allowedFailures(p, updated), want);
    });
  }

  const deadline = { progressDeadlineMs: 60_000 };
  /** [name, pods, reachable, shouldRun, want] */
  const STATES: [string, { updated?: DaemonPodView; old?: DaemonPodView }, boolean, boolean, NodeRolloutState][] = [
    ['updated and available', { updated: pod('p', 'n', 'new') }, true, true, 'updated'],
    ['updated, starting within the deadline', { updated: starting('p', 'n', 'new', 30) }, true, true, 'updating'],
    ['updated, not available past the deadline: failed', { updated: starting('p', 'n', 'new', 60, ['CrashLoopBackOff']) }, true, true, 'failed'],
    ['offline, not updated: waiting', { old: pod('p', 'n', 'old') }, false, false, 'waiting-offline'],
    ['offline with a starting pod: waiting, never failed', { updated: starting('p', 'n', 'new', 9999) }, false, false, 'waiting-offline'],
    ['offline but updated and available before it went: updated', { updated: pod('p', 'n', 'new') }, false, false, 'updated'],
    ['old pod: pending', { old: pod('p', 'n', 'old') }, true, true, 'pending'],
    ['old pod deleted, replacement to come: updating', {}, true, true, 'updating'],
    ['no pod and no room: unplaced', {}, true, false, 'unplaced'],
  ];
  for (const [name, pods, reachable, shouldRun, want] of STATES) {
    it(`node state: ${name}`, () => assert.equal(nodeRolloutState(pods, reachable, shouldRun, deadline, 0, sec(0)), want));
  }

  it('halts only past the allowance, listing the failing devices with their reasons', () => {
    const p = policy({ 'flotilla.io/failure-budget': '1' });
    const pods = new Map([
      ['pi-1', starting('a', 'pi-1', 'new', 900, ['ImagePullBackOff'])],
      ['pi-2', starting('b', 'pi-2', 'new', 900)],
      ['pi-3', pod('c', 'pi-3', 'new')],
    ]);
    const one = judgeFailures(p, new Map<string, NodeRolloutState>([['pi-1', 'failed'], ['pi-2', 'updating'], ['pi-3', 'updated']]), pods);
    assert.equal(one.halted, false);
    const two = judgeFailures(p, new Map<string, NodeRolloutState>([['pi-1', 'failed'], ['pi-2', 'failed'], ['pi-3', 'updated']]), pods);
    assert.equal(two.halted, true);
    assert.deepEqual(two.failed, [
      { node: 'pi-1', pod: 'a', reasons: ['ImagePullBackOff'] },
      { node: 'pi-2', pod: 'b', reasons: ['not Running (Pending)'] },
    ]);
    assert.equal(two.updatedSoFar, 3);
  });
});

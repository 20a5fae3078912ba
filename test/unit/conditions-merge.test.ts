import assert from 'node:assert/strict';
import { holdPressure, mergeConditions, type HeldTrue } from '../../agent/conditions/conditions.js';
import type { ConditionStatus, NodeCondition, Observed } from '../../agent/conditions/types.js';

const T0 = '2025-03-01T10:00:00Z';
const NOW = new Date('2025-03-01T10:05:07.654Z');
const NOW_S = '2025-03-01T10:05:07Z';

function prev(type: string, status: ConditionStatus, transition = T0): NodeCondition {
  return { type, status, lastHeartbeatTime: '2025-03-01T10:04:57Z', lastTransitionTime: transition, reason: 'Old', message: 'old' };
}

function obs(type: string, status: ConditionStatus, reason = 'New'): Observed {
  return { type, status, reason, message: `${type} ${status}` };
}

describe('conditions: mergeConditions', () => {
  const table: { name: string; previous: NodeCondition[] | undefined; observed: Observed; transition: string }[] = [
    { name: 'first report (no previous) → now', previous: undefined, observed: obs('Ready', 'True'), transition: NOW_S },
    { name: 'type new to previous → now', previous: [prev('MemoryPressure', 'False')], observed: obs('Ready', 'True'), transition: NOW_S },
    { name: 'same status True → kept', previous: [prev('Ready', 'True')], observed: obs('Ready', 'True'), transition: T0 },
    { name: 'same status False → kept', previous: [prev('DiskPressure', 'False')], observed: obs('DiskPressure', 'False'), transition: T0 },
    { name: 'same status, new reason and message → kept', previous: [prev('Ready', 'False')], observed: obs('Ready', 'False', 'Other'), transition: T0 },
    { name: 'True → False → now', previous: [prev('Ready', 'True')], observed: obs('Ready', 'False'), transition: NOW_S },
    { name: 'False → True → now', previous: [prev('MemoryPressure', 'False')], observed: obs('MemoryPressure', 'True'), transition: NOW_S },
    { name: 'False → Unknown → now', previous: [prev('PIDPressure', 'False')], observed: obs('PIDPressure', 'Unknown'), transition: NOW_S },
  ];
  for (const t of table) {
    it(t.name, () => {
      const [c] = mergeConditions(t.previous, [t.observed], NOW);
      assert.ok(c);
      assert.equal(c.lastTransitionTime, t.transition);
      assert.equal(c.lastHeartbeatTime, NOW_S, 'heartbeat is always now, at second precision');
      assert.equal(c.status, t.observed.status);
      assert.equal(c.reason, t.observed.reason);
      assert.equal(c.message, t.observed.message);
    });
  }

  it('keeps observed order, drops types no longer observed, and does not touch its inputs', () => {
    const previous = [prev('CPUThrottled', 'True'), prev('Ready', 'True')];
    const frozen = structuredClone(previous);
    const out = mergeConditions(previous, [obs('MemoryPressure', 'False'), obs('Ready', 'True')], NOW);
    assert.deepEqual(out.map((c) => c.type), ['MemoryPressure', 'Ready']);
    assert.deepEqual(previous, frozen);
  });
});

describe('conditions: holdPressure (eviction pressure transition period)', () => {
  const PERIOD = 5 * 60_000;
  const t0 = Date.parse('2025-03-01T10:00:00Z');
  const pressure = (status: ConditionStatus): Observed =>
    status === 'True'
      ? { type: 'MemoryPressure', status, reason: 'KubeletHasInsufficientMemory', message: 'low' }
      : { type: 'MemoryPressure', status, reason: 'KubeletHasSufficientMemory', message: 'ok' };

  it('holds True for the period after the signal clears, then lets go', () => {
    let held = new Map<string, HeldTrue>();
    const step = (status: ConditionStatus, at: number): Observed => {
      const r = holdPressure([pressure(status)], held, at, PERIOD);
      held = r.held;
      const [o] = r.observed;
      assert.ok(o);
      return o;
    };
    assert.equal(step('True', t0).status, 'True');
    assert.equal(step('False', t0 + 10_000).status, 'True');
    assert.equal(step('False', t0 + PERIOD - 1).reason, 'KubeletHasInsufficientMemory');
    assert.equal(step('False', t0 + PERIOD).status, 'False');
    assert.equal(step('False', t0 + PERIOD + 10_000).status, 'False');
  });

  it('restarts the period on every True observation', () => {
    const h1 = holdPressure([pressure('True')], new Map(), t0, PERIOD).held;
    const h2 = holdPressure([pressure('True')], h1, t0 + 200_000, PERIOD).held;
    const r = holdPressure([pressure('False')], h2, t0 + 400_000, PERIOD);
    assert.equal(r.observed[0]?.status, 'True');
  });

  it('lets go when the clock went backwards, and never holds Ready', () => {
    const h = holdPressure([pressure('True'), { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: '' }], new Map(), t0, PERIOD).held;
    assert.equal(h.has('Ready'), false);
    const r = holdPressure([pressure('False')], h, t0 - 60_000, PERIOD);
    assert.equal(r.observed[0]?.status, 'False');
  });

  it('keeps "under-voltage now" through the period when only the sticky bit remains, so a flapping bit does not churn the status', () => {
    const now: Observed = { type: 'UnderVoltage', status: 'True', reason: 'UnderVoltageDetected', message: 'now', severity: 2 };
    const sticky: Observed = { type: 'UnderVoltage', status: 'True', reason: 'UnderVoltageDetected', message: 'since boot' };
    let held = holdPressure([now], new Map(), t0, PERIOD).held;
    let r = holdPressure([sticky], held, t0 + 10_000, PERIOD);
    assert.equal(r.observed[0]?.message, 'now');
    held = holdPressure([now], r.held, t0 + 20_000, PERIOD).held;
    r = holdPressure([sticky], held, t0 + 20_000 + PERIOD - 1, PERIOD);
    assert.equal(r.observed[0]?.message, 'now');
    r = holdPressure([sticky], r.held, t0 + 20_000 + PERIOD, PERIOD);
    assert.equal(r.observed[0]?.message, 'since boot');
    assert.equal(r.observed[0]?.status, 'True');
  });

  it('is off with a zero period', () => {
    const h = holdPressure([pressure('True')], new Map(), t0, 0).held;
    assert.equal(holdPressure([pressure('False')], h, t0 + 1, 0).observed[0]?.status, 'False');
  });
});

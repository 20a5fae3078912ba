/** The planner's memory as a reducer: step outcomes in, what the planner reads out (table). */
import assert from 'node:assert/strict';
import { PlannerMemory, type MemoryView, type Outcome } from '../../agent/reconcile/memory.js';
import { buildDesired } from '../../agent/reconcile/desired.js';
import type { Step } from '../../agent/reconcile/types.js';
import { PI_BUILD_CONTEXT } from '../support/fixtures.js';

const T0 = Date.parse('2026-01-01T12:00:00Z');
const s = (seconds: number): number => T0 + seconds * 1000;
const IMAGE = '127.0.0.1:5000/flotilla/busybox:1.0';
const POD = { uid: 'u', namespace: 'default', name: 'p' };
const SPEC = { name: 'n', labels: {}, image: IMAGE, env: [], mounts: [], ports: [], networkMode: 'host', privileged: false };

const pull: Step = { kind: 'pull', pod: POD, chain: 'c:app', container: 'app', image: IMAGE, present: false };
const run = (backoffMs?: number): Step => ({
  kind: 'run',
  pod: POD,
  chain: 'c:app',
  container: 'app',
  role: 'app',
  attempt: 1,
  spec: SPEC,
  warnings: [],
  ...(backoffMs !== undefined ? { backoff: { specHash: 'h', delayMs: backoffMs } } : {}),
});
const sandbox: Step = { kind: 'run', pod: POD, chain: 'pod', container: 'POD', role: 'sandbox', attempt: 0, spec: SPEC, warnings: [] };
const stop = (restart?: 'always' | 'unless-never'): Step => ({
  kind: 'stop',
  pod: POD,
  chain: 'c:app',
  container: 'app',
  id: 'c1',
  graceSeconds: 30,
  reason: 'liveness',
  message: '',
  ...(restart ? { restart } : {}),
});
const remove: Step = { kind: 'remove', pod: POD, chain: 'c:app', container: 'app', id: 'c1' };
const volumes = (hash: string): Step => ({ kind: 'syncVolumes', pod: POD, chain: 'pod', hash });

const ok: Outcome = { status: 'ok' };
const failed = (error: string, phase?: 'create' | 'start'): Outcome => ({ status: 'failed', error, ...(phase ? { phase } : {}) });

/** Jitter pinned at its middle: step failures retry after 1.5 s, 3 s, 6 s, … (2 s · 2^n, ±25 %). */
const MID = (): number => 0.5;

interface Row {
  name: string;
  /** [step, outcome, at (s)] applied in order. */
  apply: [Step, Outcome, number][];
  want: (m: MemoryView) => void;
}

const ROWS: Row[] = [
  {
    name: 'a pull failure backs off 10 s doubling to 300 s',
    apply: Array.from({ length: 7 }, (): [Step, Outcome, number] => [pull, failed('x'), 0]),
    want: (m) => assert.deepEqual(m.pullFailure('u', IMAGE), { failures: 7, error: 'x', failedAt: s(0), retryAt: s(300) }),
  },
  {
    name: 'a pull failure: retry 10 s later, then 20 s',
    apply: [
      [pull, failed('manifest unknown'), 0],
      [pull, failed('manifest unknown'), 10],
    ],
    want: (m) => assert.deepEqual(m.pullFailure('u', IMAGE), { failures: 2, error: 'manifest unknown', failedAt: s(10), retryAt: s(30) }),
  },
  {
    name: 'a successful pull forgets the failures',
    apply: [
      [pull, failed('x'), 0],
      [pull, ok, 1],
    ],
    want: (m) => assert.equal(m.pullFailure('u', IMAGE), undefined),
  },
  {
    name: 'skipped and aborted steps change nothing',
    apply: [
      [pull, failed('x'), 0],
      [pull, { status: 'skipped' }, 1],
      [pull, { status: 'aborted' }, 2],
    ],
    want: (m) => assert.equal(m.pullFailure('u', IMAGE)?.failures, 1),
  },
  {
    name: 'a run bumps the crash backoff whatever happens; a failed create is a CreateContainerError',
    apply: [[run(20_000), failed('no space', 'create'), 0]],
    want: (m) => {
      assert.deepEqual(m.crashBackoff('u', 'app', 'h'), { delayMs: 20_000, lastUpdate: s(0) });
      assert.deepEqual(m.createFailure('u', 'app'), { failures: 1, error: 'no space', failedAt: s(0), retryAt: s(1.5) });
    },
  },
  {
    name: 'a failed start is not a create failure (Docker keeps the error on the container)',
    apply: [
      [run(), failed('no space', 'create'), 0],
      [run(), failed('exec failed', 'start'), 1],
    ],
    want: (m) => assert.equal(m.createFailure('u', 'app')?.failures, 1),
  },
  {
    name: 'a successful run forgets the create failures',
    apply: [
      [run(), failed('no space', 'create'), 0],
      [run(), ok, 2],
    ],
    want: (m) => assert.equal(m.createFailure('u', 'app'), undefined),
  },
  {
    name: 'a sandbox that fails to start is a sandbox failure (retried with jitter)',
    apply: [
      [sandbox, failed('network', 'start'), 0],
      [sandbox, failed('network', 'start'), 2],
    ],
    want: (m) => {
      assert.deepEqual(m.sandboxFailure('u'), { failures: 2, error: 'network', failedAt: s(2), retryAt: s(5) });
      assert.equal(m.createFailure('u', 'POD'), undefined);
    },
  },
  {
    name: 'a stop to restart records the intent by container id; a failed stop does not',
    apply: [[stop('unless-never'), ok, 0]],
    want: (m) => assert.equal(m.restartIntent('c1'), 'unless-never'),
  },
  {
    name: 'an unmodeled failure (stop, remove) cools the pod down',
    apply: [
      [stop('always'), failed('docker hung up'), 0],
      [remove, failed('docker hung up'), 2],
    ],
    want: (m) => {
      assert.equal(m.restartIntent('c1'), undefined);
      assert.deepEqual(m.cooldown('u'), { failures: 2, error: 'docker hung up', failedAt: s(2), retryAt: s(5) });
    },
  },
  {
    name: 'volumes: failures count per hash; a new hash starts over; success clears',
    apply: [
      [volumes('a'), { status: 'failed', error: 'x', problems: [{ volume: 'data', message: 'x' }] }, 0],
      [volumes('a'), failed('y'), 1],
      [volumes('b'), failed('z'), 2],
    ],
    want: (m) => assert.deepEqual(m.volumes('u'), { hash: 'b', problems: [{ volume: '', message: 'z' }], failures: 1, retryAt: s(3.5) }),
  },
  {
    name: 'volumes set up',
    apply: [
      [volumes('a'), failed('x'), 0],
      [volumes('a'), ok, 1],
    ],
    want: (m) => assert.deepEqual(m.volumes('u'), { hash: 'a', problems: [], failures: 0, retryAt: 0 }),
  },
  {
    name: 'finalize marks the deletion complete',
    apply: [[{ kind: 'finalize', pod: POD, chain: 'delete' }, ok, 0]],
    want: (m) => assert.equal(m.finalized('u'), true),
  },
];

describe('planner memory (reducer table)', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const m = new PlannerMemory();
      for (const [step, outcome, at] of row.apply) m.apply(step, outcome, s(at), MID);
      row.want(m);
    });
  }

  it('clearCooldown ends a cooldown', () => {
    const m = new PlannerMemory();
    m.apply(remove, failed('x'), s(0), MID);
    m.clearCooldown('u');
    assert.equal(m.cooldown('u'), undefined);
  });
});

describe('planner memory: remember and forget', () => {
  const desired = buildDesired(
    {
      node: 'pi',
      seq: 1,
      issuedAt: '',
      pods: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { terminationGracePeriodSeconds: 12, containers: [{ name: 'app', image: IMAGE }] } }],
      configMaps: [],
      secrets: [],
    },
    PI_BUILD_CONTEXT,
  );

  it('a pod first seen keeps the time of its oldest container as its start, and its grace period', () => {
    const m = new PlannerMemory();
    m.remember(desired, s(0), new Map([['u', s(-50)]]));
    m.remember(desired, s(10));
    assert.deepEqual(m.known('u'), { ref: POD, graceSeconds: 12, firstSeen: s(-50) });
  });

  it('forgets pods neither desired nor on the device and containers that are gone: nothing piles up', () => {
    const m = new PlannerMemory();
    m.remember(desired, s(0));
    for (const [step, outcome] of [
      [pull, failed('x')],
      [run(10_000), failed('x', 'create')],
      [sandbox, failed('x')],
      [stop('always'), ok],
      [remove, failed('x')],
      [volumes('a'), failed('x')],
      [{ kind: 'finalize', pod: POD, chain: 'delete' }, ok],
    ] as [Step, Outcome][]) {
      m.apply(step, outcome, s(0), MID);
    }
    m.forget(new Set(['u']), new Set(), new Set(['c1']));
    assert.equal(m.size(), 9, 'a desired pod keeps everything');
    m.forget(new Set(), new Set(['u']), new Set());
    assert.deepEqual([m.known('u')?.ref, m.cooldown('u')?.failures, m.size()], [POD, 1, 2], 'on the device only: known and cooling down');
    m.forget(new Set(), new Set(), new Set());
    assert.equal(m.size(), 0);
  });
});

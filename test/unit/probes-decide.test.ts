import assert from 'node:assert/strict';
import {
  containerState,
  firstDelayMs,
  initialWorkerState,
  invalidWorkerState,
  nextDelayMs,
  recordOutcome,
  type ContainerWorkers,
  type ProbeResult,
  type WorkerState,
} from '../../agent/probes/decide.js';
import type { ProbeKind, ProbeSpec } from '../../agent/probes/spec.js';
import type { ProbeState } from '../../agent/probes/types.js';

function spec(kind: ProbeKind, over: Partial<ProbeSpec> = {}): ProbeSpec {
  return { kind, handler: { type: 'exec', command: ['check'] }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3, ...over };
}

const S = 'success';
const F = 'failure';
const U = 'unknown';

/** Feeds outcomes one by one; returns the thresholded result and hold after each. */
function feed(kind: ProbeKind, over: Partial<ProbeSpec>, results: ProbeResult[]): string[] {
  const sp = spec(kind, over);
  let w = initialWorkerState(kind);
  return results.map((r) => {
    w = recordOutcome(w, sp, { result: r, message: r === F ? 'boom' : r === U ? 'docker down' : '' });
    return `${w.result ?? '?'}${w.hold ? '/hold' : ''}`;
  });
}

describe('probes: what one result does to a worker (pure)', () => {
  const cases: { name: string; kind: ProbeKind; over?: Partial<ProbeSpec>; results: ProbeResult[]; want: string[] }[] = [
    { name: 'readiness starts failed and passes on the first success', kind: 'readiness', results: [S, S], want: [S, S] },
    { name: 'readiness successThreshold 3', kind: 'readiness', over: { successThreshold: 3 }, results: [S, S, S, S], want: [F, F, S, S] },
    { name: 'readiness flapping: failureThreshold 3 then back', kind: 'readiness', results: [S, F, F, F, S, F, S], want: [S, S, S, F, S, S, S] },
    { name: 'readiness successes must be consecutive', kind: 'readiness', over: { successThreshold: 2 }, results: [S, F, S, S], want: [F, F, F, S] },
    { name: 'liveness starts passed; holds after failureThreshold', kind: 'liveness', results: [F, F, F, S], want: [S, S, F + '/hold', F + '/hold'] },
    { name: 'liveness failures must be consecutive', kind: 'liveness', results: [F, F, S, F, F, S], want: [S, S, S, S, S, S] },
    { name: 'liveness failureThreshold 1', kind: 'liveness', over: { failureThreshold: 1 }, results: [F], want: [F + '/hold'] },
    { name: 'unknown results change no counter', kind: 'liveness', results: [F, U, F, U, U, F], want: [S, S, S, S, S, F + '/hold'] },
    { name: 'startup is unknown until it passes, then holds', kind: 'startup', results: [F, F, S, F], want: ['?', '?', S + '/hold', S + '/hold'] },
    { name: 'startup failing failureThreshold times holds failed', kind: 'startup', over: { failureThreshold: 2 }, results: [F, F], want: ['?', F + '/hold'] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(feed(c.kind, c.over ?? {}, c.results), c.want));
  }

  it('keeps the message of the last outcome that was not a success', () => {
    const sp = spec('readiness');
    let w = initialWorkerState('readiness');
    w = recordOutcome(w, sp, { result: 'failure', message: 'HTTP probe failed with statuscode: 500' });
    assert.equal(w.message, 'Readiness probe failed: HTTP probe failed with statuscode: 500');
    w = recordOutcome(w, sp, { result: 'unknown', message: 'docker down' });
    assert.equal(w.message, 'Readiness probe errored: docker down');
    w = recordOutcome(w, sp, { result: 'success', message: '' });
    assert.equal(w.message, undefined);
  });
});

describe('probes: a container state from its workers (pure)', () => {
  const w = (kind: ProbeKind, over: Partial<WorkerState> = {}): WorkerState => ({ ...initialWorkerState(kind), ...over });
  const cases: { name: string; workers: ContainerWorkers; want: ProbeState }[] = [
    { name: 'no probes: started and ready', workers: {}, want: { started: true, ready: true, mustRestart: false } },
    { name: 'fresh readiness: not ready', workers: { readiness: w('readiness') }, want: { started: true, ready: false, mustRestart: false } },
    { name: 'fresh liveness only: ready', workers: { liveness: w('liveness') }, want: { started: true, ready: true, mustRestart: false } },
    {
      name: 'fresh startup gates readiness-less container',
      workers: { startup: w('startup'), liveness: w('liveness') },
      want: { started: false, ready: false, mustRestart: false },
    },
    {
      name: 'startup passed, readiness passing',
      workers: { startup: w('startup', { result: 'success', hold: true }), readiness: w('readiness', { result: 'success' }) },
      want: { started: true, ready: true, mustRestart: false },
    },
    {
      name: 'startup failing below threshold shows why',
      workers: { startup: w('startup', { last: 'failure', run: 1, message: 'Startup probe failed: no' }), readiness: w('readiness') },
      want: { started: false, ready: false, mustRestart: false, message: 'Startup probe failed: no', probe: 'startup' },
    },
    {
      name: 'startup failed: must restart',
      workers: { startup: w('startup', { result: 'failure', hold: true, message: 'Startup probe failed: no' }) },
      want: { started: false, ready: false, mustRestart: true, message: 'Startup probe failed: no', probe: 'startup' },
    },
    {
      name: 'liveness failed: must restart, not ready, its message first',
      workers: {
        liveness: w('liveness', { result: 'failure', hold: true, message: 'Liveness probe failed: dead' }),
        readiness: w('readiness', { result: 'success', last: 'failure', message: 'Readiness probe failed: slow' }),
      },
      want: { started: true, ready: false, mustRestart: true, message: 'Liveness probe failed: dead', probe: 'liveness' },
    },
    {
      name: 'readiness failed: not ready, no restart',
      workers: { liveness: w('liveness'), readiness: w('readiness', { result: 'failure', last: 'failure', run: 3, message: 'Readiness probe failed: 503' }) },
      want: { started: true, ready: false, mustRestart: false, message: 'Readiness probe failed: 503', probe: 'readiness' },
    },
    {
      name: 'liveness failing below threshold: still ready, message shown',
      workers: { liveness: w('liveness', { last: 'failure', run: 1, message: 'Liveness probe failed: x' }) },
      want: { started: true, ready: true, mustRestart: false, message: 'Liveness probe failed: x', probe: 'liveness' },
    },
    {
      name: 'invalid readiness: never ready',
      workers: { readiness: invalidWorkerState('readiness', 'must specify a handler type') },
      want: { started: true, ready: false, mustRestart: false, message: 'Readiness probe is invalid: must specify a handler type', probe: 'readiness' },
    },
    {
      name: 'invalid liveness: never restarts, says so',
      workers: { liveness: invalidWorkerState('liveness', 'bad') },
      want: { started: true, ready: true, mustRestart: false, message: 'Liveness probe is invalid: bad', probe: 'liveness' },
    },
    {
      name: 'invalid startup: never started',
      workers: { startup: invalidWorkerState('startup', 'bad'), readiness: w('readiness') },
      want: { started: false, ready: false, mustRestart: false, message: 'Startup probe is invalid: bad', probe: 'startup' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(containerState(c.workers), c.want));
  }
});

describe('probes: when probes are due (pure)', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const at = (ms: number): Date => new Date(t0.getTime() + ms);
  const cases: { name: string; fn: () => number; want: number }[] = [
    { name: 'first probe at once without initialDelay', fn: () => firstDelayMs(spec('readiness'), t0, t0), want: 0 },
    { name: 'first probe after initialDelay from start', fn: () => firstDelayMs(spec('readiness', { initialDelaySeconds: 15 }), t0, at(4000)), want: 11_000 },
    { name: 'initialDelay already past', fn: () => firstDelayMs(spec('liveness', { initialDelaySeconds: 5 }), t0, at(60_000)), want: 0 },
    { name: 'next one period after the last start', fn: () => nextDelayMs(spec('liveness'), t0, at(300)), want: 9700 },
    { name: 'a probe longer than its period is followed at once', fn: () => nextDelayMs(spec('liveness', { periodSeconds: 1 }), t0, at(3000)), want: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(c.fn(), c.want));
  }
});

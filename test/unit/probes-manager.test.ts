import assert from 'node:assert/strict';
import type { JsonObject } from '../../shared/util/guards.js';
import { RUNNER_GRACE_MS } from '../../agent/probes/manager.js';
import type { ProbeKind } from '../../agent/probes/spec.js';
import type { ProbeState } from '../../agent/probes/types.js';
import { exec, msg, NOT_READY, NOT_STARTED, podWith, READY, rig, T0, targetOf, type Step } from '../support/probe-rig.js';

interface Case {
  name: string;
  container: JsonObject;
  script?: Partial<Record<ProbeKind, Step[]>>;
  /** The container started this many seconds before T0 (default 0). */
  startedAgo?: number;
  /** [seconds after T0, the state then], in order. */
  expect: [number, ProbeState][];
  /** Probe start times (seconds after T0), checked after the last checkpoint. */
  calls?: Partial<Record<ProbeKind, number[]>>;
}

const CASES: Case[] = [
  { name: 'no probes: started and ready at once, nothing runs', container: {}, expect: [[0, READY], [60, READY]], calls: { startup: [], liveness: [], readiness: [] } },
  {
    name: 'readiness with every default: first probe at start, then every 10 s',
    container: { readinessProbe: exec },
    expect: [[0, READY], [35, READY]],
    calls: { readiness: [0, 10, 20, 30] },
  },
  {
    name: 'initialDelaySeconds counts from the container start',
    container: { readinessProbe: { ...exec, initialDelaySeconds: 5 } },
    expect: [[4.75, NOT_READY], [5, READY], [30, READY]],
    calls: { readiness: [5, 15, 25] },
  },
  {
    name: 'initialDelaySeconds already partly past when probing begins',
    container: { livenessProbe: { ...exec, initialDelaySeconds: 5, periodSeconds: 3 } },
    startedAgo: 3,
    expect: [[9, READY]],
    calls: { liveness: [2, 5, 8] },
  },
  {
    name: 'readiness successThreshold 2',
    container: { readinessProbe: { ...exec, successThreshold: 2 } },
    expect: [[0, NOT_READY], [9, NOT_READY], [10, READY]],
  },
  {
    name: 'readiness flapping: unready after failureThreshold failures, never restarted',
    container: { readinessProbe: exec },
    script: { readiness: ['ok', 'fail', 'fail', 'fail', 'ok', 'ok'] },
    expect: [
      [0, READY],
      [10, msg(READY, 'readiness', 'Readiness probe failed: boom')],
      [20, msg(READY, 'readiness', 'Readiness probe failed: boom')],
      [30, msg(NOT_READY, 'readiness', 'Readiness probe failed: boom')],
      [40, READY],
      [50, READY],
    ],
  },
  {
    name: 'liveness: failureThreshold consecutive failures → mustRestart, then probing stops',
    container: { livenessProbe: { ...exec, periodSeconds: 5 } },
    script: { liveness: ['fail'] },
    expect: [
      [0, msg(READY, 'liveness', 'Liveness probe failed: boom')],
      [5, msg(READY, 'liveness', 'Liveness probe failed: boom')],
      [10, msg({ started: true, ready: false, mustRestart: true }, 'liveness', 'Liveness probe failed: boom')],
      [60, msg({ started: true, ready: false, mustRestart: true }, 'liveness', 'Liveness probe failed: boom')],
    ],
    calls: { liveness: [0, 5, 10] },
  },
  {
    name: 'liveness: a success in between starts the count over',
    container: { livenessProbe: exec },
    script: { liveness: ['fail', 'fail', 'ok', 'fail', 'fail', 'ok'] },
    expect: [[15, msg(READY, 'liveness', 'Liveness probe failed: boom')], [25, READY], [45, msg(READY, 'liveness', 'Liveness probe failed: boom')], [55, READY]],
  },
  {
    name: 'liveness with readiness: readiness failing does not restart',
    container: { livenessProbe: exec, readinessProbe: { ...exec, failureThreshold: 1 } },
    script: { readiness: ['fail'] },
    expect: [[30, msg(NOT_READY, 'readiness', 'Readiness probe failed: boom')]],
  },
  {
    name: 'startup gates liveness and readiness; they start the moment it passes',
    container: { startupProbe: { ...exec, periodSeconds: 2, failureThreshold: 10 }, livenessProbe: exec, readinessProbe: exec },
    script: { startup: ['fail', 'fail', 'fail', 'ok'] },
    expect: [
      [0, msg(NOT_STARTED, 'startup', 'Startup probe failed: boom')],
      [5, msg(NOT_STARTED, 'startup', 'Startup probe failed: boom')],
      [6, READY],
      [20, READY],
    ],
    calls: { startup: [0, 2, 4, 6], liveness: [6, 16], readiness: [6, 16] },
  },
  {
    name: 'startup failing failureThreshold times → mustRestart; liveness never runs',
    container: { startupProbe: { ...exec, periodSeconds: 1, failureThreshold: 3 }, livenessProbe: exec },
    script: { startup: ['fail'] },
    expect: [
      [1, msg(NOT_STARTED, 'startup', 'Startup probe failed: boom')],
      [2, msg({ started: false, ready: false, mustRestart: true }, 'startup', 'Startup probe failed: boom')],
      [30, msg({ started: false, ready: false, mustRestart: true }, 'startup', 'Startup probe failed: boom')],
    ],
    calls: { startup: [0, 1, 2], liveness: [] },
  },
  {
    name: 'initialDelay of readiness counts from container start, not from startup success',
    container: { startupProbe: { ...exec, initialDelaySeconds: 3, periodSeconds: 1 }, readinessProbe: { ...exec, initialDelaySeconds: 10 } },
    expect: [[2, NOT_STARTED], [3, NOT_READY], [9, NOT_READY], [10, READY]],
    calls: { startup: [3], readiness: [10] },
  },
  {
    name: 'a probe that never answers fails after timeoutSeconds (+ the runner grace); its late answer is ignored',
    container: { livenessProbe: { ...exec, timeoutSeconds: 2, failureThreshold: 1 } },
    script: { liveness: ['hang'] },
    expect: [
      [(2000 + RUNNER_GRACE_MS) / 1000 - 0.25, READY],
      [(2000 + RUNNER_GRACE_MS) / 1000, msg({ started: true, ready: false, mustRestart: true }, 'liveness', 'Liveness probe failed: exec [check]: no result within 2s')],
      [30, msg({ started: true, ready: false, mustRestart: true }, 'liveness', 'Liveness probe failed: exec [check]: no result within 2s')],
    ],
    calls: { liveness: [0] },
  },
  {
    name: 'unknown results (the prober could not run) never restart',
    container: { livenessProbe: { ...exec, failureThreshold: 1 } },
    script: { liveness: ['error'] },
    expect: [[30, msg(READY, 'liveness', 'Liveness probe errored: docker down')]],
    calls: { liveness: [0, 10, 20, 30] },
  },
  {
    name: 'a runner that rejects counts as unknown',
    container: { readinessProbe: exec },
    script: { readiness: ['throw'] },
    expect: [[0, msg(NOT_READY, 'readiness', 'Readiness probe errored: runner exploded')]],
  },
  {
    name: 'bad spec, no handler: clear error, never ready, nothing runs',
    container: { readinessProbe: { periodSeconds: 5 } },
    expect: [[0, msg(NOT_READY, 'readiness', 'Readiness probe is invalid: must specify a handler type (exec, httpGet or tcpSocket)')], [60, msg(NOT_READY, 'readiness', 'Readiness probe is invalid: must specify a handler type (exec, httpGet or tcpSocket)')]],
    calls: { readiness: [] },
  },
  {
    name: 'bad spec, two handlers in liveness: never restarts, says why; readiness still runs',
    container: { livenessProbe: { ...exec, tcpSocket: { port: 80 } }, readinessProbe: exec },
    expect: [[20, msg(READY, 'liveness', 'Liveness probe is invalid: may not specify more than 1 handler type, got exec and tcpSocket')]],
    calls: { liveness: [], readiness: [0, 10, 20] },
  },
  {
    name: 'bad spec, startup: never started, liveness never runs',
    container: { startupProbe: { ...exec, successThreshold: 2 }, livenessProbe: exec },
    expect: [[30, msg(NOT_STARTED, 'startup', 'Startup probe is invalid: successThreshold must be 1 for startup probes, got 2')]],
    calls: { startup: [], liveness: [] },
  },
  {
    name: 'bad spec, unknown named port',
    container: { ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { httpGet: { port: 'web' } } },
    expect: [[0, msg(NOT_READY, 'readiness', 'Readiness probe is invalid: httpGet.port: the container has no port named "web" (named ports: http)')]],
  },
];

describe('probes: the manager on fake time (scripted runner)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const r = rig(c.script);
      r.pm.sync([targetOf(podWith(c.container), { startedAt: new Date(T0 - (c.startedAgo ?? 0) * 1000) })]);
      for (const [at, want] of c.expect) {
        await r.to(at);
        assert.deepEqual(r.st(), want, `state at ${at}s`);
      }
      for (const [kind, times] of Object.entries(c.calls ?? {})) {
        assert.deepEqual(r.runner.times(kind as ProbeKind), times, `${kind} probe times`);
      }
      r.pm.stop();
      assert.equal(r.clock.pendingTimers, 0, 'stop cancels every timer');
    });
  }
});

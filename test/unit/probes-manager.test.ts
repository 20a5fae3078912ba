import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import type { JsonObject } from '../../shared/util/guards.js';
import { silentLogger } from '../../shared/util/logger.js';
import type { ContainerEngine } from '../../agent/engine/types.js';
import { createProbeManager, RUNNER_GRACE_MS } from '../../agent/probes/manager.js';
import type { ProbeOutcome, ProbeRunner } from '../../agent/probes/runner.js';
import type { ProbeKind, ProbeSpec } from '../../agent/probes/spec.js';
import type { ProbeManager, ProbeState, ProbeTarget } from '../../agent/probes/types.js';
import { FakeClock } from '../support/fake-clock.js';

/** The manager only reaches the engine through the runner; these tests give it a scripted one. */
const NO_ENGINE = new Proxy({} as ContainerEngine, {
  get: (_t, p) => {
    throw new Error(`the engine must not be used here (called ${String(p)})`);
  },
});

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/** ok / fail / error (unknown) / hang (answers success only when aborted: must be ignored) / throw. */
type Step = 'ok' | 'fail' | 'error' | 'hang' | 'throw';

interface Call {
  kind: ProbeKind;
  at: number;
  containerId: string;
  probe: ProbeSpec;
}

class ScriptedRunner implements ProbeRunner {
  calls: Call[] = [];
  aborted = 0;
  constructor(
    private readonly clock: FakeClock,
    private readonly t0: number,
    public script: Partial<Record<ProbeKind, Step[]>> = {},
  ) {}

  run(probe: ProbeSpec, target: ProbeTarget, signal: AbortSignal): Promise<ProbeOutcome> {
    const n = this.calls.filter((c) => c.kind === probe.kind && c.containerId === target.containerId).length;
    this.calls.push({ kind: probe.kind, at: (this.clock.now().getTime() - this.t0) / 1000, containerId: target.containerId, probe });
    const steps = this.script[probe.kind] ?? ['ok'];
    const step = steps[Math.min(n, steps.length - 1)] ?? 'ok';
    switch (step) {
      case 'ok':
        return Promise.resolve({ result: 'success', message: '' });
      case 'fail':
        return Promise.resolve({ result: 'failure', message: 'boom' });
      case 'error':
        return Promise.resolve({ result: 'unknown', message: 'docker down' });
      case 'throw':
        return Promise.reject(new Error('runner exploded'));
      case 'hang':
        return new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            this.aborted += 1;
            resolve({ result: 'success', message: 'too late' });
          });
        });
    }
  }

  times(kind: ProbeKind, containerId = 'c1'): number[] {
    return this.calls.filter((c) => c.kind === kind && c.containerId === containerId).map((c) => c.at);
  }
}

function podWith(container: JsonObject, uid = 'uid-1'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid }, spec: { containers: [{ name: 'app', image: 'busybox', ...container }] } };
}

function targetOf(pod: KubeObject, over: Partial<ProbeTarget> = {}): ProbeTarget {
  return { pod, podUid: pod.metadata.uid ?? '', container: 'app', containerId: 'c1', hostNetwork: false, startedAt: new Date(T0), ...over };
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
const exec = { exec: { command: ['check'] } };

interface Rig {
  clock: FakeClock;
  runner: ScriptedRunner;
  pm: ProbeManager;
  changes: string[];
  /** Moves fake time to `seconds` after T0 in small steps, letting probe results land. */
  to(seconds: number): Promise<void>;
  st(): ProbeState;
}

function rig(script: Partial<Record<ProbeKind, Step[]>> = {}): Rig {
  const clock = new FakeClock(T0);
  const runner = new ScriptedRunner(clock, T0, script);
  const pm = createProbeManager({ engine: NO_ENGINE, clock, logger: silentLogger, runner });
  const changes: string[] = [];
  pm.onChange((uid) => changes.push(uid));
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) {
      clock.advance(0);
      await flush();
    }
  };
  return {
    clock,
    runner,
    pm,
    changes,
    async to(seconds) {
      const end = T0 + seconds * 1000;
      await settle();
      while (clock.now().getTime() < end) {
        clock.advance(Math.min(250, end - clock.now().getTime()));
        await settle();
      }
    },
    st: () => pm.state('uid-1', 'app'),
  };
}

const READY: ProbeState = { started: true, ready: true, mustRestart: false };
const NOT_READY: ProbeState = { started: true, ready: false, mustRestart: false };
const NOT_STARTED: ProbeState = { started: false, ready: false, mustRestart: false };
const msg = (s: ProbeState, probe: ProbeKind, message: string): ProbeState => ({ ...s, message, probe });

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

  it('resolves named ports and passes the target to the runner', async () => {
    const r = rig();
    const pod = podWith({ ports: [{ name: 'http', containerPort: 8080 }, { name: 'db', containerPort: 5432 }], livenessProbe: { httpGet: { port: 'http', path: '/healthz' } }, readinessProbe: { tcpSocket: { port: 'db' } } });
    r.pm.sync([targetOf(pod, { hostNetwork: true })]);
    await r.to(0);
    const live = r.runner.calls.find((x) => x.kind === 'liveness')?.probe.handler;
    const ready = r.runner.calls.find((x) => x.kind === 'readiness')?.probe.handler;
    assert.deepEqual(live, { type: 'httpGet', scheme: 'HTTP', port: 8080, path: '/healthz', headers: [] });
    assert.deepEqual(ready, { type: 'tcpSocket', port: 5432 });
    r.pm.stop();
  });

  it('liveness restart, then a new container (new id) starts over; a restarted one (same id, new startedAt) too', async () => {
    const r = rig({ liveness: ['fail'] });
    const pod = podWith({ livenessProbe: { ...exec, periodSeconds: 5, failureThreshold: 2 } });
    r.pm.sync([targetOf(pod)]);
    await r.to(5);
    assert.equal(r.st().mustRestart, true);
    // Reconcile restarts it: a new container, started now.
    r.runner.script = { liveness: ['ok'] };
    r.pm.sync([targetOf(pod, { containerId: 'c2', startedAt: r.clock.now() })]);
    assert.deepEqual(r.st(), READY, 'a new container starts with a clean slate');
    await r.to(20);
    assert.deepEqual(r.st(), READY);
    assert.deepEqual(r.runner.times('liveness', 'c1'), [0, 5]);
    assert.deepEqual(r.runner.times('liveness', 'c2'), [5, 10, 15, 20]);
    // Docker restarted the same container: same id, new startedAt.
    r.runner.script = { liveness: ['fail'] };
    await r.to(30);
    assert.equal(r.st().mustRestart, true);
    r.runner.script = { liveness: ['ok'] };
    r.pm.sync([targetOf(pod, { containerId: 'c2', startedAt: r.clock.now() })]);
    assert.equal(r.st().mustRestart, false);
    r.pm.stop();
  });

  it('sync is idempotent: the same target (even a new pod object) keeps its workers and schedule', async () => {
    const r = rig({ readiness: ['ok', 'fail', 'fail', 'fail'] });
    const t = targetOf(podWith({ readinessProbe: exec }));
    r.pm.sync([t]);
    await r.to(15);
    r.pm.sync([t]);
    r.pm.sync([{ ...t, pod: { ...podWith({ readinessProbe: exec }), metadata: { name: 'web', uid: 'uid-1', labels: { a: 'b' } } } }]);
    await r.to(30);
    assert.deepEqual(r.runner.times('readiness'), [0, 10, 20, 30]);
    assert.equal(r.st().ready, false, 'the failure count survived the syncs');
    r.pm.stop();
  });

  it('a changed probe spec starts the container’s probes over', async () => {
    const r = rig();
    r.pm.sync([targetOf(podWith({ readinessProbe: exec }))]);
    await r.to(3);
    r.pm.sync([targetOf(podWith({ readinessProbe: { ...exec, periodSeconds: 4 } }))]);
    await r.to(12);
    assert.deepEqual(r.runner.times('readiness'), [0, 3, 7, 11]);
    r.pm.stop();
  });

  it('removed targets stop probing: timers cancelled, the in-flight probe aborted and ignored', async () => {
    const r = rig({ readiness: ['ok', 'hang'] });
    r.pm.sync([targetOf(podWith({ readinessProbe: exec }))]);
    await r.to(10);
    assert.equal(r.runner.calls.length, 2);
    r.pm.sync([]);
    await r.to(11);
    assert.equal(r.runner.aborted, 1);
    assert.equal(r.clock.pendingTimers, 0);
    assert.deepEqual(r.st(), NOT_STARTED, 'a container the manager does not know is neither started nor ready');
    await r.to(60);
    assert.equal(r.runner.calls.length, 2);
    r.pm.stop();
  });

  it('onChange fires on every state change from a probe result, not on sync, and not after unsubscribe', async () => {
    const r = rig({ readiness: ['ok', 'ok', 'fail', 'fail', 'fail', 'fail', 'ok'] });
    const seen: ProbeState[] = [];
    const off = r.pm.onChange(() => seen.push(r.st()));
    r.pm.onChange(() => {
      throw new Error('a bad listener does not stop the others');
    });
    r.pm.sync([targetOf(podWith({ readinessProbe: exec }))]);
    assert.equal(seen.length, 0, 'sync itself does not announce');
    await r.to(60);
    assert.deepEqual(seen, [
      READY, // 0
      msg(READY, 'readiness', 'Readiness probe failed: boom'), // 20
      msg(NOT_READY, 'readiness', 'Readiness probe failed: boom'), // 40
      READY, // 60
    ]);
    assert.deepEqual(r.changes, ['uid-1', 'uid-1', 'uid-1', 'uid-1']);
    off();
    r.runner.script = { readiness: ['fail'] };
    await r.to(100);
    assert.equal(seen.length, 4);
    assert.equal(r.changes.length, 6, 'first failure (message), then unready');
    r.pm.stop();
  });

  it('probes containers of several pods independently', async () => {
    const r = rig({ liveness: ['fail'] });
    const a = targetOf(podWith({ livenessProbe: { ...exec, failureThreshold: 1 } }, 'uid-a'), { containerId: 'ca' });
    const b = targetOf(podWith({ readinessProbe: exec }, 'uid-b'), { containerId: 'cb' });
    r.pm.sync([a, b]);
    await r.to(0);
    assert.equal(r.pm.state('uid-a', 'app').mustRestart, true);
    assert.deepEqual(r.pm.state('uid-b', 'app'), READY);
    assert.deepEqual(r.changes.sort(), ['uid-a', 'uid-b']);
    r.pm.stop();
  });

  it('stop() ends everything; later syncs do nothing', async () => {
    const r = rig({ liveness: ['hang'] });
    r.pm.sync([targetOf(podWith({ livenessProbe: exec }))]);
    await r.to(0);
    r.pm.stop();
    assert.equal(r.clock.pendingTimers, 0);
    assert.equal(r.runner.aborted, 1);
    r.pm.sync([targetOf(podWith({ livenessProbe: exec }))]);
    await r.to(60);
    assert.equal(r.runner.calls.length, 1);
    assert.equal(r.changes.length, 0);
  });
});

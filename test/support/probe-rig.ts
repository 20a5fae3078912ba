// A probe manager on fake time with a scripted runner, shared by the probe manager tests.
import type { KubeObject } from '../../shared/api/meta.js';
import type { JsonObject } from '../../shared/util/guards.js';
import { silentLogger } from '../../shared/util/logger.js';
import type { ContainerEngine } from '../../agent/engine/types.js';
import { createProbeManager } from '../../agent/probes/manager.js';
import type { ProbeOutcome, ProbeRunner } from '../../agent/probes/runner.js';
import type { ProbeKind, ProbeSpec } from '../../agent/probes/spec.js';
import type { ProbeManager, ProbeState, ProbeTarget } from '../../agent/probes/types.js';
import { FakeClock } from './fake-clock.js';

/** The manager only reaches the engine through the runner; these tests give it a scripted one. */
export const NO_ENGINE = new Proxy({} as ContainerEngine, {
  get: (_t, p) => {
    throw new Error(`the engine must not be used here (called ${String(p)})`);
  },
});

export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/** ok / fail / error (unknown) / hang (answers success only when aborted: must be ignored) / throw. */
export type Step = 'ok' | 'fail' | 'error' | 'hang' | 'throw';

interface Call {
  kind: ProbeKind;
  at: number;
  containerId: string;
  probe: ProbeSpec;
}

export class ScriptedRunner implements ProbeRunner {
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

export function podWith(container: JsonObject, uid = 'uid-1'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid }, spec: { containers: [{ name: 'app', image: 'busybox', ...container }] } };
}

export function targetOf(pod: KubeObject, over: Partial<ProbeTarget> = {}): ProbeTarget {
  return { pod, podUid: pod.metadata.uid ?? '', container: 'app', containerId: 'c1', hostNetwork: false, startedAt: new Date(T0), ...over };
}

export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const exec = { exec: { command: ['check'] } };

export interface Rig {
  clock: FakeClock;
  runner: ScriptedRunner;
  pm: ProbeManager;
  changes: string[];
  /** Moves fake time to `seconds` after T0 in small steps, letting probe results land. */
  to(seconds: number): Promise<void>;
  st(): ProbeState;
}

export function rig(script: Partial<Record<ProbeKind, Step[]>> = {}): Rig {
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

export const READY: ProbeState = { started: true, ready: true, mustRestart: false };
export const NOT_READY: ProbeState = { started: true, ready: false, mustRestart: false };
export const NOT_STARTED: ProbeState = { started: false, ready: false, mustRestart: false };
export const msg = (s: ProbeState, probe: ProbeKind, message: string): ProbeState => ({ ...s, message, probe });

/**
 * The probe manager: one worker per (pod uid, container, probe kind), started and stopped by
 * `sync`, probing on the injected clock and feeding results to the pure rules in decide.ts.
 *
 * - A worker belongs to one container instance: a target with another containerId or
 *   startedAt (the container was restarted or recreated) or other probe specs replaces the
 *   container's workers, so counters and a pending restart start over.
 * - The startup probe gates the others: liveness and readiness are first scheduled when the
 *   container counts as started (at once without a startup probe), each initialDelaySeconds
 *   after the container's start (or right away if that is past), then every periodSeconds.
 * - A probe that has not answered within timeoutSeconds (+2 s for the runner to report its own
 *   timeout first) is abandoned as a failure; its late answer is ignored.
 * - `onChange` fires whenever a container's ProbeState changes because of a probe result.
 *   Changes made by `sync` itself (a new container, a removed one) are not announced: the
 *   caller knows, and `state()` shows them at once.
 */
import type { ContainerEngine } from '../engine/types.js';
import type { Clock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import {
  containerState,
  firstDelayMs,
  initialWorkerState,
  invalidWorkerState,
  isStarted,
  nextDelayMs,
  recordOutcome,
  sameState,
  type ContainerWorkers,
  type ProbeOutcome,
  type WorkerState,
} from './decide.js';
import { createProbeRunner } from './default-runner.js';
import type { ProbeRunner } from './runner.js';
import { PROBE_KINDS, containerProbes, describeHandler, type ProbeKind, type ProbeSpec } from './spec.js';
import type { ProbeManager, ProbeState, ProbeTarget } from './types.js';

/** How long past timeoutSeconds the manager waits for a runner before abandoning the probe. */
export const RUNNER_GRACE_MS = 2000;

export interface ProbeManagerDeps {
  engine: ContainerEngine;
  clock: Clock;
  logger: Logger;
  /** Runs one probe; defaults to exec through the engine and http/tcp per runner.ts. */
  runner?: ProbeRunner;
}

/** The state of a container the manager was not given (not running, or not synced yet). */
export const UNKNOWN_CONTAINER_STATE: Readonly<ProbeState> = { started: false, ready: false, mustRestart: false };

interface Worker {
  kind: ProbeKind;
  spec?: ProbeSpec;
  state: WorkerState;
  cancelTimer?: () => void;
  /** The probe running now: abort it, cancel its deadline. */
  inflight?: { abort: AbortController; cancelDeadline: () => void };
  scheduled: boolean;
}

interface Entry {
  key: string;
  target: ProbeTarget;
  fingerprint: string;
  workers: Partial<Record<ProbeKind, Worker>>;
  state: ProbeState;
  stopped: boolean;
  log: Logger;
}

function keyOf(podUid: string, container: string): string {
  return `${podUid}/${container}`;
}

export function createProbeManager(deps: ProbeManagerDeps): ProbeManager {
  const { clock } = deps;
  const logger = deps.logger.child({ component: 'probes' });
  const runner = deps.runner ?? createProbeRunner({ engine: deps.engine });
  const entries = new Map<string, Entry>();
  const listeners = new Set<(podUid: string) => void>();
  let stopped = false;

  const workerStates = (e: Entry): ContainerWorkers => {
    const out: ContainerWorkers = {};
    for (const kind of PROBE_KINDS) {
      const w = e.workers[kind];
      if (w) out[kind] = w.state;
    }
    return out;
  };

  const emit = (podUid: string): void => {
    for (const fn of [...listeners]) {
      try {
        fn(podUid);
      } catch (err) {
        logger.error('probe change listener threw', { podUid, error: errorMessage(err) });
      }
    }
  };

  const schedule = (e: Entry, w: Worker, delayMs: number): void => {
    w.cancelTimer?.();
    w.scheduled = true;
    w.cancelTimer = clock.setTimer(() => {
      w.cancelTimer = undefined;
      runOnce(e, w);
    }, delayMs);
  };

  /** Starts the workers whose turn it is: startup at once, the others once started. */
  const startWorkers = (e: Entry): void => {
    const started = isStarted(workerStates(e));
    for (const kind of PROBE_KINDS) {
      const w = e.workers[kind];
      if (!w?.spec || w.scheduled || w.state.hold) continue;
      if (kind !== 'startup' && !started) continue;
      schedule(e, w, firstDelayMs(w.spec, e.target.startedAt, clock.now()));
    }
  };

  const update = (e: Entry): void => {
    if (e.stopped) return;
    startWorkers(e);
    const next = containerState(workerStates(e));
    if (sameState(next, e.state)) return;
    const prev = e.state;
    e.state = next;
    const fields = { started: next.started, ready: next.ready, mustRestart: next.mustRestart, probe: next.probe, message: next.message };
    if (next.mustRestart && !prev.mustRestart) e.log.warn('container must be restarted', fields);
    else e.log.info('probe state changed', fields);
    emit(e.target.podUid);
  };

  const record = (e: Entry, w: Worker, spec: ProbeSpec, outcome: ProbeOutcome, began: Date): void => {
    w.inflight = undefined;
    if (e.stopped || stopped) return;
    w.state = recordOutcome(w.state, spec, outcome);
    if (outcome.result !== 'success') e.log.debug('probe did not pass', { probe: w.kind, result: outcome.result, message: outcome.message });
    if (w.state.hold) w.scheduled = false;
    else schedule(e, w, nextDelayMs(spec, began, clock.now()));
    update(e);
  };

  const runOnce = (e: Entry, w: Worker): void => {
    const spec = w.spec;
    if (e.stopped || stopped || !spec || w.state.hold) return;
    const began = clock.now();
    const ac = new AbortController();
    let done = false;
    const finish = (o: ProbeOutcome): void => {
      if (done) return;
      done = true;
      cancelDeadline();
      record(e, w, spec, o, began);
    };
    const cancelDeadline = clock.setTimer(() => {
      ac.abort();
      finish({ result: 'failure', message: `${describeHandler(spec.handler)}: no result within ${spec.timeoutSeconds}s` });
    }, spec.timeoutSeconds * 1000 + RUNNER_GRACE_MS);
    w.inflight = { abort: ac, cancelDeadline };
    let pending: Promise<ProbeOutcome>;
    try {
      pending = runner.run(spec, e.target, ac.signal);
    } catch (err) {
      finish({ result: 'unknown', message: errorMessage(err) });
      return;
    }
    pending.then(finish, (err: unknown) => finish({ result: 'unknown', message: errorMessage(err) }));
  };

  const stopEntry = (e: Entry): void => {
    e.stopped = true;
    for (const kind of PROBE_KINDS) {
      const w = e.workers[kind];
      if (!w) continue;
      w.cancelTimer?.();
      w.cancelTimer = undefined;
      w.inflight?.cancelDeadline();
      w.inflight?.abort.abort();
      w.inflight = undefined;
    }
  };

  const createEntry = (target: ProbeTarget, key: string, fingerprint: string): Entry => {
    const parsed = containerProbes(target.pod, target.container);
    const log = logger.child({ podUid: target.podUid, container: target.container, containerId: target.containerId.slice(0, 12) });
    if (!parsed.found) log.warn('container not in the pod spec: not probed');
    const workers: Partial<Record<ProbeKind, Worker>> = {};
    for (const kind of PROBE_KINDS) {
      const p = parsed.probes[kind];
      if (!p) continue;
      if (p.ok) workers[kind] = { kind, spec: p.probe, state: initialWorkerState(kind), scheduled: false };
      else {
        log.warn('probe spec is invalid', { probe: kind, error: p.error });
        workers[kind] = { kind, state: invalidWorkerState(kind, p.error), scheduled: false };
      }
    }
    const e: Entry = { key, target, fingerprint, workers, state: UNKNOWN_CONTAINER_STATE, stopped: false, log };
    e.state = containerState(workerStates(e));
    return e;
  };

  /** What makes a container instance and its probes; a change restarts its workers. */
  const fingerprintOf = (t: ProbeTarget): string =>
    JSON.stringify([t.containerId, t.startedAt.getTime(), containerProbes(t.pod, t.container)]);

  return {
    sync(targets) {
      if (stopped) return;
      const wanted = new Map<string, ProbeTarget>();
      for (const t of targets) wanted.set(keyOf(t.podUid, t.container), t);
      for (const [key, e] of entries) {
        if (!wanted.has(key)) {
          stopEntry(e);
          entries.delete(key);
          e.log.debug('container no longer probed');
        }
      }
      for (const [key, t] of wanted) {
        const fingerprint = fingerprintOf(t);
        const old = entries.get(key);
        if (old && old.fingerprint === fingerprint) {
          old.target = t;
          continue;
        }
        if (old) {
          stopEntry(old);
          old.log.debug('container changed: probes start over');
        }
        const e = createEntry(t, key, fingerprint);
        entries.set(key, e);
        startWorkers(e);
      }
    },

    state(podUid, container) {
      const e = entries.get(keyOf(podUid, container));
      return e ? { ...e.state } : { ...UNKNOWN_CONTAINER_STATE };
    },

    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    stop() {
      stopped = true;
      for (const e of entries.values()) stopEntry(e);
      entries.clear();
      listeners.clear();
    },
  };
}

/**
 * The pure half of probing: what one probe result does to a worker (thresholds, holding after a
 * liveness/startup failure or a startup success), how the three workers of a container combine
 * into its ProbeState, and when the next probe is due. No timers, no I/O: the manager feeds it.
 *
 * The rules follow the kubelet's prober worker:
 * - A result only takes effect after `successThreshold` consecutive successes or
 *   `failureThreshold` consecutive failures; until then the previous result stands.
 * - Before any result: readiness counts as failed (not ready), liveness as passed, startup as
 *   unknown (not started).
 * - A liveness or startup result of failure means the container must be restarted; that worker
 *   then holds (stops probing) until the container changes. A startup success also holds: the
 *   startup probe is done for this container.
 * - A result of `unknown` (the prober itself failed: Docker unreachable, exec refused) is thrown
 *   away: it changes no counter, only the message.
 */
import type { ProbeState } from './types.js';
import { PROBE_TITLE, type ProbeKind, type ProbeSpec } from './spec.js';

/** `unknown`: the probe could not be run at all; it counts neither as success nor as failure. */
export type ProbeResult = 'success' | 'failure' | 'unknown';

export interface ProbeOutcome {
  result: ProbeResult;
  /** Why it failed (empty or a short note on success). */
  message: string;
}

export interface WorkerState {
  kind: ProbeKind;
  /** The result thresholds let through; `undefined` = unknown (startup before its first pass). */
  result: 'success' | 'failure' | undefined;
  /** The last success/failure seen and how many times in a row. */
  last: 'success' | 'failure' | undefined;
  run: number;
  /** Stop probing this container: liveness/startup failed, or startup passed, or the spec is bad. */
  hold: boolean;
  /** Set while the last outcome was not a success, and for a bad spec (`… probe failed: …`). */
  message?: string;
  /** The probe spec could not be read; the worker never runs. */
  invalid?: boolean;
}

export function initialWorkerState(kind: ProbeKind): WorkerState {
  return { kind, result: kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : undefined, last: undefined, run: 0, hold: false };
}

/**
 * A probe whose spec is bad never runs. It then fails safe: a bad readiness probe keeps the
 * container unready, a bad startup probe keeps it unstarted (so liveness/readiness never run),
 * and a bad liveness probe never restarts it. The error is the message.
 */
export function invalidWorkerState(kind: ProbeKind, error: string): WorkerState {
  return { ...initialWorkerState(kind), hold: true, invalid: true, message: `${PROBE_TITLE[kind]} probe is invalid: ${error}` };
}

/** What one outcome does to the worker. */
export function recordOutcome(s: WorkerState, spec: ProbeSpec, o: ProbeOutcome): WorkerState {
  const title = PROBE_TITLE[s.kind];
  if (s.hold) return s;
  if (o.result === 'unknown') return { ...s, message: `${title} probe errored: ${o.message}` };
  const run = s.last === o.result ? s.run + 1 : 1;
  const next: WorkerState = { ...s, last: o.result, run };
  if (o.result === 'success') delete next.message;
  else next.message = `${title} probe failed: ${o.message}`;
  const threshold = o.result === 'success' ? spec.successThreshold : spec.failureThreshold;
  if (run < threshold) return next;
  next.result = o.result;
  if ((s.kind === 'liveness' || s.kind === 'startup') && o.result === 'failure') {
    next.hold = true;
    next.run = 0;
  }
  if (s.kind === 'startup' && o.result === 'success') next.hold = true;
  return next;
}

export type ContainerWorkers = Partial<Record<ProbeKind, WorkerState>>;

/** Startup passed, or there is no startup probe: liveness and readiness may run. */
export function isStarted(w: ContainerWorkers): boolean {
  return w.startup === undefined || w.startup.result === 'success';
}

/**
 * The container's state from its workers.
 * - started: no startup probe, or it passed.
 * - mustRestart: liveness or startup reached failureThreshold.
 * - ready: started, not about to be restarted, and the readiness probe passing (or none).
 * - message: the most important thing going wrong, in this order: the failure that forces a
 *   restart, a bad spec, what keeps the container unstarted, then unready, then any other
 *   probe whose last outcome was not a success.
 */
export function containerState(w: ContainerWorkers): ProbeState {
  const started = isStarted(w);
  const mustRestart = w.startup?.result === 'failure' || w.liveness?.result === 'failure';
  const ready = started && !mustRestart && (w.readiness === undefined || w.readiness.result === 'success');
  const all = [w.startup, w.liveness, w.readiness];
  const pick =
    (w.startup?.result === 'failure' ? w.startup : undefined) ??
    (w.liveness?.result === 'failure' ? w.liveness : undefined) ??
    all.find((x) => x?.invalid === true) ??
    (!started ? w.startup : undefined) ??
    (!ready && w.readiness?.message !== undefined ? w.readiness : undefined) ??
    all.find((x) => x?.message !== undefined);
  const state: ProbeState = { started, ready, mustRestart };
  if (pick?.message !== undefined) {
    state.message = pick.message;
    state.probe = pick.kind;
  }
  return state;
}

export function sameState(a: ProbeState, b: ProbeState): boolean {
  return a.started === b.started && a.ready === b.ready && a.mustRestart === b.mustRestart && a.message === b.message && a.probe === b.probe;
}

/** Until the first probe: initialDelaySeconds after the container started (0 if already past). */
export function firstDelayMs(spec: ProbeSpec, startedAt: Date, now: Date): number {
  return Math.max(0, startedAt.getTime() + spec.initialDelaySeconds * 1000 - now.getTime());
}

/**
 * Until the next probe: periodSeconds after the previous one *started*, as the kubelet's ticker;
 * a probe that ran longer than the period is followed at once.
 */
export function nextDelayMs(spec: ProbeSpec, lastStart: Date, now: Date): number {
  return Math.max(0, lastStart.getTime() + spec.periodSeconds * 1000 - now.getTime());
}

/**
 * Executors: carry out one pod's steps against the engine and the disk, in order, reporting
 * each outcome. A failed step skips the rest of its chain (and steps that need that chain);
 * other chains go on. An abort (a newer desired state) stops at the next step boundary and is
 * passed into pulls and stops. What each step did is reported to the event policy
 * (agent/pods/event-policy.ts), which decides the events.
 */
import { isEngineError } from '../engine/errors.js';
import type { ContainerEngine, PullProgress } from '../engine/types.js';
import type { Clock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { PodVolumePlan } from '../volumes/plan.js';
import { setUpPodVolumes, tearDownPodVolumes } from '../volumes/setup.js';
import type { HostPathPolicy } from '../volumes/host-path-policy.js';
import { imageUser } from './security-context.js';
import { resolveSubPath } from '../volumes/subpath.js';
import { relative } from 'node:path';
import type { StepReport } from '../pods/event-policy.js';
import type { Outcome } from './memory.js';
import { SANDBOX_CONTAINER } from './naming.js';
import type { PodRef } from './pod-model.js';
import type { Step } from './types.js';

export type ReportStep = (pod: PodRef, report: StepReport) => void;

export interface ExecutorDeps {
  engine: ContainerEngine;
  clock: Clock;
  logger: Logger;
  report: ReportStep;
  podsDir: string;
  /** `RUN_DIR/pods` on tmpfs (Secret volumes), removed with the pod. */
  memoryDir?: string;
  /** The node's platform (`linux/arm64`) for pulls. */
  platform?: string;
  /** The volume plan of a desired pod (syncVolumes). */
  volumePlan: (uid: string) => PodVolumePlan | undefined;
  /** The device's host path policy, applied again to hostPaths with symlinks resolved. */
  hostPaths?: HostPathPolicy;
  /**
   * The agent is shutting down: pulls are aborted and no further step starts, but a stop in
   * progress completes its grace period (aborting it would kill the container at once).
   */
  shutdown?: AbortSignal;
}

const PROGRESS_LOG_INTERVAL_MS = 5000;

function aborted(e: unknown, signal: AbortSignal): boolean {
  return signal.aborted || isEngineError(e, 'Aborted') || (e instanceof Error && e.name === 'AbortError');
}

function notFound(e: unknown): boolean {
  return isEngineError(e, 'NotFound');
}

class PodExecutor {
  constructor(
    private readonly deps: ExecutorDeps,
    private readonly signal: AbortSignal,
    private readonly log: Logger,
  ) {}

  async run(step: Step): Promise<Outcome> {
    switch (step.kind) {
      case 'syncVolumes':
        return this.syncVolumes(step);
      case 'pull':
        return this.pull(step);
      case 'run':
        return this.create(step);
      case 'start':
        return this.guard(async () => {
          await this.deps.engine.startContainer(step.id);
          this.deps.report(step.pod, { kind: 'started', container: step.container, sandbox: step.container === SANDBOX_CONTAINER });
        });
      case 'stop':
        return this.stop(step);
      case 'remove':
        return this.guard(async () => {
          try {
            await this.deps.engine.removeContainer(step.id);
          } catch (e) {
            if (!notFound(e)) throw e;
          }
        });
      case 'removePodDir':
        return this.guard(() => tearDownPodVolumes(this.deps.podsDir, step.pod.uid, this.deps.memoryDir));
      case 'finalize':
        return { status: 'ok' };
    }
  }

  private async guard(fn: () => Promise<void>): Promise<Outcome> {
    try {
      await fn();
      return { status: 'ok' };
    } catch (e) {
      if (aborted(e, this.signal)) return { status: 'aborted' };
      return { status: 'failed', error: errorMessage(e) };
    }
  }

  private async syncVolumes(step: Extract<Step, { kind: 'syncVolumes' }>): Promise<Outcome> {
    const plan = this.deps.volumePlan(step.pod.uid);
    if (!plan) return { status: 'failed', error: 'the pod is no longer desired' };
    for (const message of plan.warnings) this.deps.report(step.pod, { kind: 'volumeWarning', message });
    let result;
    try {
      result = await setUpPodVolumes(plan, this.deps.clock.now(), this.deps.hostPaths);
    } catch (e) {
      return { status: 'failed', error: errorMessage(e) };
    }
    if (result.updated.length > 0) this.log.info('volumes updated', { volumes: result.updated });
    if (result.problems.length === 0) return { status: 'ok', updated: result.updated };
    for (const p of result.problems) this.deps.report(step.pod, { kind: 'mountFailed', volume: p.volume, message: p.message });
    const first = result.problems[0];
    return { status: 'failed', error: first ? first.message : 'volume setup failed', problems: result.problems };
  }

  private async pull(step: Extract<Step, { kind: 'pull' }>): Promise<Outcome> {
    const { engine, clock, report } = this.deps;
    const { image } = step;
    const started = clock.now().getTime();
    report(step.pod, { kind: 'pulling', image });
    let lastLog = 0;
    const onProgress = (p: PullProgress): void => {
      const now = clock.now().getTime();
      if (now - lastLog < PROGRESS_LOG_INTERVAL_MS) return;
      lastLog = now;
      this.log.debug('pull progress', { image: step.image, status: p.status, layer: p.id, current: p.current, total: p.total });
    };
    const signal = this.deps.shutdown ? AbortSignal.any([this.signal, this.deps.shutdown]) : this.signal;
    try {
      await engine.pullImage(step.image, {
        onProgress,
        signal,
        ...(step.auth ? { auth: step.auth } : {}),
        ...(this.deps.platform !== undefined ? { platform: this.deps.platform } : {}),
      });
    } catch (e) {
      if (aborted(e, signal)) return { status: 'aborted' };
      const error = errorMessage(e);
      report(step.pod, { kind: 'pullFailed', image, error, usingPresent: step.present });
      // imagePullPolicy Always with the registry out of reach: run what the device has (offline autonomy).
      return step.present ? { status: 'ok' } : { status: 'failed', error };
    }
    const seconds = ((clock.now().getTime() - started) / 1000).toFixed(3);
    report(step.pod, { kind: 'pulled', image, seconds });
    return { status: 'ok' };
  }

  private async create(step: Extract<Step, { kind: 'run' }>): Promise<Outcome> {
    const { engine, report } = this.deps;
    const who = { container: step.container, sandbox: step.role === 'sandbox' };
    let id: string;
    try {
      const spec = step.imageUser ? await this.withImageUser(step) : step.spec;
      // Right before the bind: a symlink planted since setup must not lead a subPath out of its volume.
      for (const m of spec.mounts) if (m.volumeRoot !== undefined) await resolveSubPath(m.volumeRoot, relative(m.volumeRoot, m.hostPath), false);
      id = await engine.createContainer(spec);
    } catch (e) {
      const error = errorMessage(e);
      report(step.pod, { kind: 'createFailed', ...who, error });
      return { status: 'failed', error, phase: 'create' };
    }
    this.log.info('container created', { container: step.container, attempt: step.attempt, id });
    report(step.pod, { kind: 'created', ...who, warnings: step.warnings });
    try {
      await engine.startContainer(id);
    } catch (e) {
      const error = errorMessage(e);
      report(step.pod, { kind: 'startFailed', ...who, error });
      return { status: 'failed', error, phase: 'start' };
    }
    report(step.pod, { kind: 'started', ...who });
    return { status: 'ok' };
  }

  /** runAsNonRoot and runAsGroup read the image's user; a root image is refused, never run. */
  private async withImageUser(step: Extract<Step, { kind: 'run' }>): Promise<Extract<Step, { kind: 'run' }>['spec']> {
    const check = step.imageUser;
    if (!check) return step.spec;
    const info = await this.deps.engine.inspectImage(step.spec.image);
    if (!info) throw new Error(`image ${step.spec.image} is not present to check its user`);
    const r = imageUser(check, step.container, info.user);
    if ('error' in r) throw new Error(r.error);
    return r.user !== undefined ? { ...step.spec, user: r.user } : step.spec;
  }

  private async stop(step: Extract<Step, { kind: 'stop' }>): Promise<Outcome> {
    this.deps.report(step.pod, { kind: 'stopping', container: step.container, sandbox: step.container === SANDBOX_CONTAINER, reason: step.reason, message: step.message });
    this.log.info('stopping container', { container: step.container, id: step.id, reason: step.reason, graceSeconds: step.graceSeconds });
    return this.guard(async () => {
      try {
        await this.deps.engine.stopContainer(step.id, step.graceSeconds, this.signal);
      } catch (e) {
        if (!notFound(e)) throw e;
      }
    });
  }
}

/**
 * Runs one pod's steps; `onOutcome` sees every step's outcome (skipped and aborted included).
 * Consecutive `parallel` stops of one chain run together.
 */
export async function executeSteps(
  steps: readonly Step[],
  deps: ExecutorDeps,
  signal: AbortSignal,
  onOutcome: (step: Step, outcome: Outcome) => void,
  reconcileId?: string,
): Promise<void> {
  const first = steps[0];
  if (!first) return;
  const log = deps.logger.child({ pod: `${first.pod.namespace}/${first.pod.name}`, uid: first.pod.uid, ...(reconcileId ? { reconcile: reconcileId } : {}) });
  const exec = new PodExecutor(deps, signal, log);
  const failed = new Set<string>();
  const blocked = (s: Step): boolean => failed.has(s.chain) || (s.needs ?? []).some((c) => failed.has(c));
  const settle = (s: Step, o: Outcome): void => {
    if (o.status === 'failed') {
      failed.add(s.chain);
      log.warn('step failed', { step: s.kind, chain: s.chain, ...('container' in s ? { container: s.container } : {}), error: o.error });
    }
    onOutcome(s, o);
  };
  for (let i = 0; i < steps.length; ) {
    const step = steps[i] as Step;
    if (signal.aborted || deps.shutdown?.aborted) {
      onOutcome(step, { status: 'aborted' });
      i++;
      continue;
    }
    if (blocked(step)) {
      onOutcome(step, { status: 'skipped' });
      i++;
      continue;
    }
    if (step.kind === 'stop' && step.parallel === true) {
      const group: Step[] = [];
      while (i < steps.length) {
        const s = steps[i] as Step;
        if (s.kind !== 'stop' || s.parallel !== true || s.chain !== step.chain) break;
        group.push(s);
        i++;
      }
      const outcomes = await Promise.all(group.map((s) => exec.run(s)));
      group.forEach((s, k) => settle(s, outcomes[k] ?? { status: 'skipped' }));
      continue;
    }
    settle(step, await exec.run(step));
    i++;
  }
}

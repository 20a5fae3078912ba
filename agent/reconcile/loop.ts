/**
 * The reconcile loop. A pass observes (engine.listManaged(), images, probes, pod directories),
 * plans (pure), reports the conditions it found to the event policy, publishes pod status on
 * change, and hands each pod's steps to that pod's executor, unless one is still busy with the
 * pod (its completion triggers the next pass). Passes run one at a time; they are triggered by a new desired state
 * (which also aborts the executors of pods whose spec changed or went away), a probe change,
 * an executor finishing, a backoff ending, and a poll of Docker every `pollIntervalMs` (which
 * is how container exits are noticed).
 *
 * It starts from whatever desired state it is given (the persisted one at boot), with or
 * without a connection to the hub.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../shared/api/meta.js';
import type { ContainerEngine, ObservedContainer, RuntimeInfo } from '../engine/types.js';
import type { ProbeManager, ProbeState } from '../probes/types.js';
import type { SendEvents } from '../pods/events.js';
import { PodEvents } from '../pods/event-policy.js';
import { PodStatusPublisher, type SendPods } from '../pods/publisher.js';
import { backoffDelay } from '../../shared/reconcile/backoff.js';
import { canonicalJson } from '../../shared/protocol/canonical-json.js';
import { revisionOf, type DesiredState } from '../../shared/protocol/desired.js';
import type { DesiredRevision } from '../../shared/protocol/revision.js';
import { openSecretObject } from '../../shared/protocol/sealed-secret.js';
import type { PodStatusReport } from '../../shared/protocol/messages.js';
import type { Clock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import { STEP_BACKOFF } from './backoff.js';
import { buildDesired, EMPTY_DESIRED, type DesiredPod, type DesiredPods } from './desired.js';
import { executeSteps, type ExecutorDeps } from './executor.js';
import { PodInstances, timeMs } from './instances.js';
import { PlannerMemory } from './memory.js';
import { imagesToCheck, listPodDirs, presentImages, probeTargets } from './observe.js';
import { plan } from './planner.js';
import { podReports } from './reports.js';
import { probeKey, type Plan, type Step } from './types.js';
import { DEFAULT_DEVICE_POD_SECURITY, type DevicePodSecurity } from './device-policy.js';
import { podInfraFor, type PodInfra } from '../network/infra.js';
import type { PodNetworkSettings } from '../network/settings.js';

export interface ReconcilerConfig {
  nodeName: string;
  /** `DATA_DIR/pods`: pod volume directories. */
  podsDir: string;
  /** `RUN_DIR/pods` on tmpfs: Secret volumes and medium Memory emptyDirs. */
  memoryDir?: string;
  /** The node's IP: status.hostIP, and podIP of hostNetwork pods. */
  hostIP: string;
  podInfraImage: string;
  podInfraCommand?: string[];
  /** Build podInfraImage from this host binary when it is missing (it is never pulled then). */
  podInfraBinary?: string;
  /** The pod network sandboxes join; unset: sandboxes have only loopback. */
  podNetwork?: PodNetworkSettings;
  /** Per container; 0 or less: none. */
  podPidsLimit: number;
  allowPrivileged: boolean;
  /** The device's pod security policy (highest level, host paths); default baseline, no host paths. */
  podSecurity?: DevicePodSecurity;
  /** How often Docker is listed to notice exits. */
  pollIntervalMs: number;
  /** Node allocatable, for resourceFieldRef of unset limits. */
  nodeCpuCores: number;
  nodeMemoryBytes: number;
}

export interface DesiredSource {
  current(): DesiredState | undefined;
}

export interface ReconcilerDeps {
  engine: ContainerEngine;
  probes: ProbeManager;
  /** Where the desired state is kept (the verified cache): read once at start. */
  desired?: DesiredSource;
  /** This node's box secret key: opens the document's sealed Secrets, in memory only. Unset: Secrets read as sent (tests). */
  boxSecretKey?: Uint8Array;
  publishPodStatus: SendPods;
  publishEvents: SendEvents;
  config: ReconcilerConfig;
  clock: Clock;
  logger: Logger;
  random?: () => number;
}

export interface Reconciler {
  /** A newer desired state: replaces the old one, cancels queued work for pods it changes. */
  update(state: DesiredState): void;
  /** Plan again now (or right after the pass in progress). */
  trigger(): void;
  /** Resolves when no pass and no executor is running or due (tests). */
  idle(): Promise<void>;
  /** The latest status report of each pod. */
  reports(): PodStatusReport[];
  /**
   * The revision of the desired state last carried out: a pass planned it and found nothing left
   * to do now (every step done, or waiting out a backoff). Undefined before the first.
   */
  applied(): DesiredRevision | undefined;
  /** Stops reconciling (containers keep running) and waits for in-flight work to end. */
  stop(): Promise<void>;
}

interface Worker {
  abort: AbortController;
  /** Hash of the pod object the work was planned for (undefined for a pod no longer desired). */
  objHash: string | undefined;
  done: Promise<void>;
}

/** Step kinds whose failures no planner memory models: the pod cools down instead. */
const UNMODELED: ReadonlySet<Step['kind']> = new Set(['start', 'stop', 'remove', 'removePodDir', 'finalize']);

function objHash(o: unknown): string {
  return createHash('sha256').update(canonicalJson(o)).digest('hex');
}

class ReconcileLoop implements Reconciler {
  private state: DesiredState | undefined;
  private built: { state: DesiredState; pods: DesiredPods; byUid: Map<string, DesiredPod> } | undefined;
  private info: RuntimeInfo | undefined;
  private readonly memory = new PlannerMemory();
  private readonly workers = new Map<string, Worker>();
  private readonly publisher: PodStatusPublisher;
  private readonly events: PodEvents;
  private readonly log: Logger;
  private readonly random: () => number;
  private passing: Promise<void> | undefined;
  private appliedRevision: DesiredRevision | undefined;
  private again = false;
  private stopped = false;
  private passSeq = 0;
  private passFailures = 0;
  private notBefore = 0;
  private cancelPoll: (() => void) | undefined;
  private cancelWake: { at: number; cancel: () => void } | undefined;
  private readonly unsubscribeProbes: () => void;
  private readonly shutdown = new AbortController();
  private readonly podSecurity: DevicePodSecurity;
  /** The pod network and the pause image, ensured before pods are planned. */
  private readonly infra: PodInfra | undefined;

  constructor(private readonly deps: ReconcilerDeps) {
    this.podSecurity = deps.config.podSecurity ?? DEFAULT_DEVICE_POD_SECURITY;
    this.log = deps.logger.child({ component: 'reconcile', node: deps.config.nodeName });
    this.random = deps.random ?? Math.random;
    this.publisher = new PodStatusPublisher(deps.publishPodStatus, this.log);
    this.events = new PodEvents(deps.publishEvents, deps.clock, this.log);
    this.state = deps.desired?.current();
    this.infra = podInfraFor(deps.config, { engine: deps.engine, logger: this.log, backoff: STEP_BACKOFF, random: this.random });
    this.unsubscribeProbes = deps.probes.onChange(() => this.trigger());
    this.schedulePoll();
    this.trigger();
  }

  update(state: DesiredState): void {
    if (this.stopped) return;
    this.state = state;
    const hashes = new Map<string, string>();
    for (const p of state.pods) if (p.metadata.uid) hashes.set(p.metadata.uid, objHash(p));
    for (const [uid, w] of this.workers) {
      if (hashes.get(uid) !== w.objHash) {
        this.log.info('queued work cancelled by a newer desired state', { uid, seq: state.seq });
        w.abort.abort();
      }
    }
    this.trigger();
  }

  trigger(): void {
    if (this.stopped) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = this.runPass().finally(() => {
      this.passing = undefined;
      if (this.again) {
        this.again = false;
        this.trigger();
      }
    });
  }

  async idle(): Promise<void> {
    for (;;) {
      const pending = [this.passing, ...[...this.workers.values()].map((w) => w.done)].filter((p): p is Promise<void> => p !== undefined);
      if (pending.length === 0 && !this.again) return;
      await Promise.allSettled(pending);
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  reports(): PodStatusReport[] {
    return this.publisher.reports();
  }

  applied(): DesiredRevision | undefined {
    return this.appliedRevision;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelPoll?.();
    this.cancelWake?.cancel();
    this.unsubscribeProbes();
    // Pulls end now and no new step starts; a graceful stop in progress finishes its grace period.
    this.shutdown.abort();
    await this.passing?.catch(() => undefined);
    await Promise.allSettled([...this.workers.values()].map((w) => w.done));
    await Promise.allSettled([this.publisher.flush(), this.events.flush()]);
  }

  // ---- timers ---------------------------------------------------------------------------------

  private schedulePoll(): void {
    if (this.stopped) return;
    this.cancelPoll = this.deps.clock.setTimer(() => {
      this.trigger();
      this.schedulePoll();
    }, this.deps.config.pollIntervalMs);
  }

  private wakeAt(at: number): void {
    if (this.stopped) return;
    if (this.cancelWake && this.cancelWake.at <= at && this.cancelWake.at > this.deps.clock.now().getTime()) return;
    this.cancelWake?.cancel();
    const delay = Math.max(0, at - this.deps.clock.now().getTime());
    this.cancelWake = {
      at,
      cancel: this.deps.clock.setTimer(() => {
        this.cancelWake = undefined;
        this.trigger();
      }, delay + 1),
    };
  }

  // ---- one pass -------------------------------------------------------------------------------

  private async runPass(): Promise<void> {
    if (this.deps.clock.now().getTime() < this.notBefore) return;
    const id = `r${++this.passSeq}`;
    try {
      await this.pass(id);
      this.passFailures = 0;
    } catch (e) {
      const delay = backoffDelay(STEP_BACKOFF, this.passFailures++, this.random);
      this.notBefore = this.deps.clock.now().getTime() + delay;
      this.log.warn('reconcile pass failed', { reconcile: id, error: errorMessage(e), retryInMs: delay, failures: this.passFailures });
      this.wakeAt(this.notBefore);
    }
    await Promise.allSettled([this.publisher.flush(), this.events.flush()]);
  }

  private async runtimeInfo(): Promise<RuntimeInfo> {
    this.info ??= await this.deps.engine.info();
    return this.info;
  }

  private desiredPods(info: RuntimeInfo): { pods: DesiredPods; byUid: Map<string, DesiredPod> } {
    const state = this.state;
    if (!state) return { pods: EMPTY_DESIRED, byUid: new Map() };
    if (this.built?.state !== state) {
      const c = this.deps.config;
      const boxKey = this.deps.boxSecretKey;
      const pods = buildDesired(state, {
        podsDir: c.podsDir,
        ...(c.memoryDir !== undefined ? { memoryDir: c.memoryDir } : {}),
        ...(boxKey ? { unsealSecret: (o: KubeObject) => openSecretObject(o, state.node, boxKey) } : {}),
        node: { hostIP: c.hostIP, cpuCores: c.nodeCpuCores, memoryBytes: c.nodeMemoryBytes },
        runtime: info,
        podPidsLimit: c.podPidsLimit,
        allowPrivileged: c.allowPrivileged,
        podSecurity: this.podSecurity,
        security: info.securityOptions ? { securityOptions: info.securityOptions } : {},
        podInfraImage: c.podInfraImage,
        ...(c.podInfraCommand ? { podInfraCommand: c.podInfraCommand } : {}),
        ...(c.podNetwork ? { podNetwork: { name: c.podNetwork.name, hostPortAddress: c.podNetwork.hostPortAddress } } : {}),
      });
      for (const s of pods.skipped) this.log.error('pod in the desired state cannot be run', { pod: s.name, error: s.error, seq: state.seq });
      this.built = { state, pods, byUid: new Map(pods.pods.map((p) => [p.model.ref.uid, p])) };
      this.log.info('desired state', { seq: state.seq, pods: pods.pods.map((p) => `${p.model.ref.namespace}/${p.model.ref.name}`) });
    }
    return this.built;
  }

  private async pass(id: string): Promise<void> {
    const { engine, probes, clock } = this.deps;
    const info = await this.runtimeInfo();
    const planned = this.state;
    const { pods: desired, byUid } = this.desiredPods(info);
    const infra = desired.pods.some((p) => p.sandbox) ? await this.infra?.sync(() => clock.now().getTime()) : undefined;
    const containers = await engine.listManaged();
    const podDirs = await listPodDirs(this.deps.config.podsDir);
    const now = clock.now();
    const t = now.getTime();
    const grouped = new Map<string, ObservedContainer[]>();
    for (const c of containers) grouped.set(c.podUid, [...(grouped.get(c.podUid) ?? []), c]);
    const byPod = new Map([...grouped].map(([uid, list]) => [uid, new PodInstances(list)]));

    const oldest = new Map<string, number>();
    for (const c of containers) {
      const at = timeMs(c.createdAt);
      if (at !== undefined) oldest.set(c.podUid, Math.min(at, oldest.get(c.podUid) ?? at));
    }
    this.memory.remember(desired, t, oldest);
    const images = await presentImages(engine, imagesToCheck(desired, byPod), this.log);
    const targets = probeTargets(desired, byPod, now);
    probes.sync(targets);
    const probeStates = new Map<string, ProbeState>();
    for (const tg of targets) probeStates.set(probeKey(tg.podUid, tg.container), probes.state(tg.podUid, tg.container));
    this.memory.forget(new Set(byUid.keys()), new Set([...grouped.keys(), ...podDirs]), new Set(containers.map((c) => c.id)));

    const observed = { containers, images, probes: probeStates, podDirs, ...(infra?.blocked !== undefined ? { sandboxBlocked: infra.blocked } : {}) };
    const result = plan(desired, observed, this.memory, now);
    if (infra?.wakeAt !== undefined) this.wakeAt(infra.wakeAt);
    this.events.conditions(result.conditions);
    this.publish(result, byUid, grouped, probeStates);
    // A newer desired state arrived meanwhile: its pass (already due) plans and dispatches instead.
    const dispatched = this.state === planned ? this.dispatch(result, byUid, id, t) : 0;
    if (planned && this.state === planned && dispatched === 0 && this.workers.size === 0) this.markApplied(revisionOf(planned));
    if (result.steps.length > 0) this.log.debug('reconcile pass', { reconcile: id, steps: result.steps.length, dispatched, pods: desired.pods.length });
    if (result.wakeAt !== undefined) this.wakeAt(result.wakeAt);
  }

  private markApplied(rev: DesiredRevision): void {
    if (this.appliedRevision?.seq === rev.seq && this.appliedRevision.epoch === rev.epoch) return;
    this.appliedRevision = rev;
    this.log.info('desired state applied', { seq: rev.seq, epoch: rev.epoch });
  }

  private publish(result: Plan, byUid: Map<string, DesiredPod>, grouped: Map<string, ObservedContainer[]>, probeStates: Map<string, ProbeState>): void {
    this.publisher.update(podReports(result.views, { byUid, grouped, probeStates, hostIP: this.deps.config.hostIP, memory: this.memory }));
  }

  private executorDeps(byUid: Map<string, DesiredPod>): ExecutorDeps {
    return {
      engine: this.deps.engine,
      clock: this.deps.clock,
      logger: this.log,
      podsDir: this.deps.config.podsDir,
      ...(this.deps.config.memoryDir !== undefined ? { memoryDir: this.deps.config.memoryDir } : {}),
      report: (pod, r) => this.events.report(pod, r),
      volumePlan: (uid) => byUid.get(uid)?.volumes,
      hostPaths: this.podSecurity.hostPaths,
      shutdown: this.shutdown.signal,
      ...(this.info ? { platform: this.info.platform } : {}),
    };
  }

  private dispatch(result: Plan, byUid: Map<string, DesiredPod>, id: string, now: number): number {
    const byPod = new Map<string, Step[]>();
    for (const s of result.steps) byPod.set(s.pod.uid, [...(byPod.get(s.pod.uid) ?? []), s]);
    let dispatched = 0;
    if (this.stopped) return 0;
    for (const [uid, steps] of byPod) {
      if (this.workers.has(uid)) continue; // its end triggers a new pass
      const cooldown = this.memory.cooldown(uid);
      if (cooldown && now < cooldown.retryAt) {
        this.wakeAt(cooldown.retryAt);
        continue;
      }
      const d = byUid.get(uid);
      const abort = new AbortController();
      let failedUnmodeled = false;
      const done = executeSteps(
        steps,
        this.executorDeps(byUid),
        abort.signal,
        (step, outcome) => {
          this.memory.apply(step, outcome, this.deps.clock.now().getTime(), this.random);
          if (outcome.status === 'failed' && UNMODELED.has(step.kind)) failedUnmodeled = true;
        },
        id,
      )
        .catch((e: unknown) => this.log.error('executor failed', { reconcile: id, uid, error: errorMessage(e) }))
        .finally(() => {
          this.workers.delete(uid);
          if (!failedUnmodeled) this.memory.clearCooldown(uid);
          this.trigger();
        });
      this.workers.set(uid, { abort, objHash: d ? objHash(d.model.obj) : undefined, done });
      dispatched += 1;
    }
    return dispatched;
  }
}

export function startReconciler(deps: ReconcilerDeps): Reconciler {
  return new ReconcileLoop(deps);
}

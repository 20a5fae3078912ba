/**
 * Planning one pod that should run, in the kubelet's order (computePodActions): garbage of
 * earlier attempts, volumes, the sandbox, init containers one at a time to completion, then the
 * app containers (start, restart by policy with CrashLoopBackOff, recreate on a spec change or
 * a failed liveness/startup probe). Steps are only what can be done now; the loop observes and
 * plans again after they ran. Pure.
 */
import type { ObservedContainer } from '../engine/types.js';
import { crashBackoffUntil, ERR_IMAGE_PULL_HOLD_MS, goDuration, nextCrashDelay } from './backoff.js';
import { finalSpec, SANDBOX_CONTAINER, type DesiredContainer } from './container-spec.js';
import type { DesiredPod } from './desired.js';
import { endedMs, exitCodeOf, isRunning, isTerminated, isUnstarted, PodInstances, timeMs } from './instances.js';
import { PodOutput } from './plan-output.js';
import { SANDBOX_STOP_GRACE_SECONDS } from './naming.js';
import { podDisplay } from './pod-model.js';
import { killingMessage, specChangedMessage, type PodCondition } from '../pods/event-policy.js';
import type { PortRefusal } from '../network/host-ports.js';
import type { MemoryView } from './memory.js';
import { probeKey, type Observed, type StopReason } from './types.js';

export const POD_CHAIN = 'pod';
/** Pod status reason (and event reason) of a pod the device's policy refuses. */
export const POD_SECURITY_REASON = 'PodSecurity';
export const containerChain = (name: string): string => `c:${name}`;

type VolumeReadiness = 'ready' | 'pending' | 'blocked';

class ActivePodPlanner {
  readonly out: PodOutput;
  private readonly inst: PodInstances;
  private sandbox: { id: string; ip?: string } | undefined;
  private sandboxCreated: number | undefined;
  private needs: string[] = [];

  constructor(
    private readonly pod: DesiredPod,
    observed: readonly ObservedContainer[],
    private readonly world: Observed,
    private readonly mem: MemoryView,
    private readonly now: number,
    private readonly portRefusal: PortRefusal | undefined,
  ) {
    this.out = new PodOutput(pod.model.ref);
    this.inst = new PodInstances(observed);
  }

  private get uid(): string {
    return this.pod.model.ref.uid;
  }

  plan(): PodOutput {
    this.collectGarbage();
    if (this.pod.forbidden !== undefined) {
      this.refuse(POD_SECURITY_REASON, this.pod.forbidden, { kind: 'forbidden', message: this.pod.forbidden });
      return this.out;
    }
    if (this.portRefusal) {
      const { reason, message } = this.portRefusal;
      this.refuse(reason, message, { kind: 'hostPortRefused', reason, message });
      return this.out;
    }
    if (this.terminal()) {
      this.finish();
      return this.out;
    }
    if (!this.planSandbox()) return this.out;
    const volumes = this.planVolumes();
    if (volumes === 'blocked') return this.out;
    if (volumes === 'pending') this.needs = [POD_CHAIN];
    if (!this.planInit()) return this.out;
    for (const c of this.pod.app) this.planApp(c);
    return this.out;
  }

  // ---- garbage: superseded sandboxes, containers no longer in the spec, old attempts --------

  private collectGarbage(): void {
    const spec = new Set([...this.pod.init.map((c) => `init/${c.name}`), ...this.pod.app.map((c) => `app/${c.name}`)]);
    for (const [role, name, list] of this.inst.entries()) {
      const inSpec = role === 'sandbox' ? name === SANDBOX_CONTAINER : spec.has(`${role}/${name}`);
      // A sandbox keeps only its newest; a container its newest and the one before (lastState).
      const keep = !inSpec ? 0 : role === 'sandbox' ? 1 : 2;
      list.forEach((c, i) => {
        if (c.state === 'removing') return;
        const chain = `gc:${c.id}`;
        const superseded = i > 0 || !inSpec;
        if (superseded && isRunning(c)) {
          const reason: StopReason = !inSpec ? 'not-in-spec' : role === 'sandbox' ? 'superseded' : 'duplicate';
          this.stop(c, reason, `Stopping container ${name}`, chain);
        }
        if (i >= keep) this.out.step({ kind: 'remove', pod: this.pod.model.ref, chain, container: name, id: c.id });
      });
    }
  }

  // ---- pod completion -----------------------------------------------------------------------

  /** Newest instance of a container, whatever sandbox it ran in. */
  private newest(role: 'init' | 'app', name: string): ObservedContainer | undefined {
    return this.inst.of(role, name)[0];
  }

  /** The pod has run to completion and its restartPolicy says nothing restarts. */
  private terminal(): boolean {
    const policy = this.pod.model.restartPolicy;
    if (policy === 'Always') return false;
    if (policy === 'Never') {
      const initFailed = this.pod.init.some((c) => {
        const cur = this.newest('init', c.name);
        return cur !== undefined && isTerminated(cur) && exitCodeOf(cur) !== 0;
      });
      if (initFailed) return true;
    }
    if (this.pod.app.length === 0) return false;
    return this.pod.app.every((c) => {
      const cur = this.newest('app', c.name);
      if (!cur || !isTerminated(cur)) return false;
      const intent = this.mem.restartIntent(cur.id);
      if (intent === 'always' || (intent === 'unless-never' && policy !== 'Never')) return false;
      return policy === 'Never' || exitCodeOf(cur) === 0;
    });
  }

  /** A finished pod keeps its containers (for status and logs) but not its sandbox running. */
  private finish(): void {
    const sb = this.inst.of('sandbox', SANDBOX_CONTAINER)[0];
    if (sb && isRunning(sb)) this.stop(sb, 'pod-completed', 'Stopping pod sandbox: the pod completed', `gc:${sb.id}`);
  }

  // ---- refused by the device's policy ----------------------------------------------------------

  /**
   * Nothing of the pod runs (a policy tightened since it started stops it; a pod refused its
   * hostPorts never started); the pod fails.
   */
  private refuse(reason: string, message: string, condition: PodCondition): void {
    for (const c of this.inst.all) {
      if (isRunning(c)) this.stop(c, 'forbidden', `Stopping container ${c.container}: ${message}`, POD_CHAIN, c.role !== 'sandbox');
    }
    this.out.found(condition);
    this.out.reject(reason, message);
    this.waitAll('CreateContainerConfigError', message);
  }

  // ---- sandbox -------------------------------------------------------------------------------

  /** True when the pod's network is there (or it uses the host's); else plans the sandbox. */
  private planSandbox(): boolean {
    const want = this.pod.sandbox;
    if (!want) return true;
    const ref = this.pod.model.ref;
    const sb = this.inst.of('sandbox', SANDBOX_CONTAINER)[0];
    if (sb && isRunning(sb) && sb.specHash === want.specHash) {
      this.sandbox = sb.ip !== undefined ? { id: sb.id, ip: sb.ip } : { id: sb.id };
      this.sandboxCreated = timeMs(sb.createdAt);
      return true;
    }
    const ran = this.inst.all.some((c) => c.role !== 'sandbox');
    if (sb) {
      this.out.found({ kind: 'sandboxChanged', sandboxId: sb.id });
      for (const c of this.inst.all) {
        if (c.role !== 'sandbox' && isRunning(c)) this.stop(c, 'sandbox-changed', `Stopping container ${c.container}`, POD_CHAIN, true);
      }
      if (isRunning(sb)) this.stop(sb, 'sandbox-changed', 'Stopping pod sandbox', POD_CHAIN);
      // The kubelet does not bring back the sandbox of a restartPolicy Never pod that already ran.
      if (this.pod.model.restartPolicy === 'Never' && ran) return false;
    }
    const blocked = this.world.sandboxBlocked;
    if (blocked !== undefined) {
      this.waitAll('ContainerCreating', `Failed to create pod sandbox: ${blocked}`);
      return false;
    }
    const failure = this.mem.sandboxFailure(this.uid);
    if (failure && this.now < failure.retryAt) {
      this.waitAll('ContainerCreating', `Failed to create pod sandbox: ${failure.error}`);
      this.out.wake(failure.retryAt);
      return false;
    }
    if (!this.world.images.has(want.image)) {
      const pull = this.mem.pullFailure(this.uid, want.image);
      if (pull && this.now < pull.retryAt) {
        this.waitAll('ContainerCreating', `Failed to create pod sandbox: pulling image "${want.image}": ${pull.error}`);
        this.out.wake(pull.retryAt);
        return false;
      }
      this.out.step({ kind: 'pull', pod: ref, chain: POD_CHAIN, container: SANDBOX_CONTAINER, image: want.image, present: false });
    }
    const attempt = this.inst.nextAttempt('sandbox', SANDBOX_CONTAINER);
    this.out.step({
      kind: 'run',
      pod: ref,
      chain: POD_CHAIN,
      container: SANDBOX_CONTAINER,
      role: 'sandbox',
      attempt,
      spec: finalSpec(ref, SANDBOX_CONTAINER, 'sandbox', want.specHash, attempt, want.template, undefined),
      warnings: want.warnings,
    });
    return false;
  }

  // ---- volumes --------------------------------------------------------------------------------

  private planVolumes(): VolumeReadiness {
    const plan = this.pod.volumes;
    const state = this.mem.volumes(this.uid);
    const synced = state?.hash === plan.hash;
    if (synced && state.problems.length === 0) return 'ready';
    if (!synced || this.now >= state.retryAt) {
      this.out.step({ kind: 'syncVolumes', pod: this.pod.model.ref, chain: POD_CHAIN, hash: plan.hash });
      return 'pending';
    }
    this.out.wake(state.retryAt);
    const first = state.problems[0];
    const message = first ? `MountVolume.SetUp failed for volume "${first.volume}" : ${first.message}` : 'volumes not ready';
    this.waitAll('ContainerCreating', message);
    return 'blocked';
  }

  // ---- init containers ------------------------------------------------------------------------

  /** The newest instance that ran in the current sandbox (any, on the host network). */
  private current(role: 'init' | 'app', name: string): ObservedContainer | undefined {
    return this.inst.of(role, name).find((c) => this.sandboxCreated === undefined || (timeMs(c.createdAt) ?? 0) >= this.sandboxCreated);
  }

  /** True when every init container completed (plans the next one if not). */
  private planInit(): boolean {
    // App containers already created in this sandbox: initialization happened (init containers may be gone).
    if (this.pod.app.some((c) => this.current('app', c.name) !== undefined)) return true;
    for (const c of this.pod.init) {
      const cur = this.current('init', c.name);
      if (!cur) {
        this.start(c);
        return false;
      }
      if (isRunning(cur) || cur.state === 'removing') return false;
      if (isUnstarted(cur)) {
        this.startExisting(cur);
        return false;
      }
      if (exitCodeOf(cur) === 0) continue;
      // Init containers restart on failure under Always and OnFailure; Never made the pod terminal.
      this.restart(c, cur);
      return false;
    }
    return true;
  }

  // ---- app containers -------------------------------------------------------------------------

  private planApp(c: DesiredContainer): void {
    const policy = this.pod.model.restartPolicy;
    const cur = this.current('app', c.name);
    if (!cur) {
      this.start(c);
      return;
    }
    if (isRunning(cur)) {
      if (cur.specHash !== c.specHash) {
        this.out.found({ kind: 'specChanged', container: c.name, containerId: cur.id });
        this.stop(cur, 'spec-changed', specChangedMessage(c.name), containerChain(c.name), false, 'always');
        return;
      }
      const probe = this.world.probes.get(probeKey(this.uid, c.name));
      if (probe?.mustRestart) {
        const failed = { container: c.name, probe: probe.probe === 'startup' ? ('startup' as const) : ('liveness' as const), restart: policy !== 'Never' };
        this.out.found({ kind: 'probeFailed', containerId: cur.id, ...failed, ...(probe.message !== undefined ? { message: probe.message } : {}) });
        this.stop(cur, failed.probe, killingMessage(failed), containerChain(c.name), false, failed.restart ? 'unless-never' : undefined);
      }
      return;
    }
    if (cur.state === 'removing') return;
    if (isUnstarted(cur)) {
      this.startExisting(cur);
      return;
    }
    const intent = this.mem.restartIntent(cur.id);
    const failed = exitCodeOf(cur) !== 0;
    const restart =
      intent === 'always' || (intent === 'unless-never' && policy !== 'Never') || policy === 'Always' || (policy === 'OnFailure' && failed);
    if (restart) this.restart(c, cur);
  }

  // ---- starting, restarting, stopping ---------------------------------------------------------

  /** Restart after an exit, unless the crash-loop backoff says wait. */
  private restart(c: DesiredContainer, cur: ObservedContainer): void {
    const entry = this.mem.crashBackoff(this.uid, c.name, c.specHash);
    const until = crashBackoffUntil(entry, endedMs(cur), this.now);
    if (until !== undefined && entry) {
      const display = podDisplay(this.pod.model.ref);
      this.out.wait(c.name, 'CrashLoopBackOff', `back-off ${goDuration(entry.delayMs)} restarting failed container=${c.name} pod=${display}`);
      this.out.found({ kind: 'crashBackOff', container: c.name, containerId: cur.id, pod: display });
      this.out.wake(until);
      return;
    }
    this.start(c, { specHash: c.specHash, delayMs: nextCrashDelay(entry, this.now) });
  }

  private start(c: DesiredContainer, backoff?: { specHash: string; delayMs: number }): void {
    const ref = this.pod.model.ref;
    if (c.configError !== undefined || !c.template) {
      const message = c.configError ?? 'container cannot be created';
      this.out.wait(c.name, 'CreateContainerConfigError', message);
      this.out.found({ kind: 'configError', container: c.name, message });
      return;
    }
    const created = this.mem.createFailure(this.uid, c.name);
    if (created && this.now < created.retryAt) {
      this.out.wait(c.name, 'CreateContainerError', created.error);
      this.out.wake(created.retryAt);
      return;
    }
    const chain = containerChain(c.name);
    const attempt = this.inst.nextAttempt(c.role, c.name);
    const present = this.world.images.has(c.image);
    if (c.pullPolicy === 'Never' && !present) {
      const message = `Container image "${c.image}" is not present with pull policy of Never`;
      this.out.wait(c.name, 'ErrImageNeverPull', message);
      this.out.found({ kind: 'neverPull', container: c.name, image: c.image, message });
      return;
    }
    for (const problem of c.authProblems) {
      this.out.found({ kind: 'pullSecretMissing', problem });
    }
    if (c.pullPolicy === 'Always' || !present) {
      const pull = this.mem.pullFailure(this.uid, c.image);
      if (pull && this.now < pull.retryAt) {
        const hold = pull.failedAt + ERR_IMAGE_PULL_HOLD_MS;
        if (this.now < hold) {
          this.out.wait(c.name, 'ErrImagePull', pull.error);
          this.out.wake(hold);
        } else {
          this.out.wait(c.name, 'ImagePullBackOff', `Back-off pulling image "${c.image}"`);
          this.out.found({ kind: 'pullBackOff', image: c.image, failures: pull.failures });
        }
        this.out.wake(pull.retryAt);
        return;
      }
      const step = { kind: 'pull' as const, pod: ref, chain, needs: this.needs, container: c.name, image: c.image, present };
      this.out.step(c.auth ? { ...step, auth: c.auth } : step);
    } else {
      this.out.found({ kind: 'imagePresent', container: c.name, image: c.image, attempt });
    }
    const spec = finalSpec(ref, c.name, c.role, c.specHash, attempt, c.template, this.sandbox);
    const run = { kind: 'run' as const, pod: ref, chain, needs: this.needs, container: c.name, role: c.role, attempt, spec, warnings: c.warnings, ...(c.imageUser ? { imageUser: c.imageUser } : {}) };
    this.out.step(backoff ? { ...run, backoff } : run);
  }

  private startExisting(cur: ObservedContainer): void {
    this.out.step({ kind: 'start', pod: this.pod.model.ref, chain: containerChain(cur.container), needs: this.needs, container: cur.container, id: cur.id });
  }

  private stop(c: ObservedContainer, reason: StopReason, message: string, chain: string, parallel = false, restart?: 'always' | 'unless-never'): void {
    const step = {
      kind: 'stop' as const,
      pod: this.pod.model.ref,
      chain,
      container: c.container,
      id: c.id,
      graceSeconds: c.role === 'sandbox' ? Math.min(this.pod.model.terminationGracePeriodSeconds, SANDBOX_STOP_GRACE_SECONDS) : this.pod.model.terminationGracePeriodSeconds,
      reason,
      message,
      parallel,
    };
    this.out.step(restart ? { ...step, restart } : step);
  }

  /** Every container without a running instance waits for `reason`. */
  private waitAll(reason: string, message: string): void {
    for (const c of [...this.pod.init, ...this.pod.app]) {
      const cur = this.current(c.role === 'init' ? 'init' : 'app', c.name);
      if (!cur || !isRunning(cur)) this.out.wait(c.name, reason, message);
    }
  }
}

export function planActivePod(
  pod: DesiredPod,
  observed: readonly ObservedContainer[],
  world: Observed,
  mem: MemoryView,
  now: number,
  portRefusal?: PortRefusal,
): PodOutput {
  return new ActivePodPlanner(pod, observed, world, mem, now, portRefusal).plan();
}

/**
 * A pod's status as the kubelet reports it, computed from what Docker shows (the containers the
 * agent created for the pod), what the planner decided (waiting reasons such as
 * CrashLoopBackOff or ImagePullBackOff) and the probes: phase (the kubelet's getPhase),
 * conditions, container and init container statuses, host and pod IPs. Pure.
 *
 * Condition times are left to the hub, which stamps lastTransitionTime with its own clock (a
 * Pi has no RTC); container times are Docker's.
 */
import type { ObservedContainer } from '../engine/types.js';
import type { ProbeState } from '../probes/types.js';
import { rfc3339 } from '../../shared/util/clock.js';
import type { JsonObject } from '../../shared/util/guards.js';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface WaitingReason {
  reason: string;
  message?: string;
}

export interface StatusContainer {
  name: string;
  image: string;
}

export interface PodStatusInput {
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
  hostNetwork: boolean;
  hostIP: string;
  init: readonly StatusContainer[];
  app: readonly StatusContainer[];
  /** The pod's observed containers (any role). */
  containers: readonly ObservedContainer[];
  /** The planner's waiting reasons, by container name. */
  waiting: ReadonlyMap<string, WaitingReason>;
  probe: (container: string) => ProbeState | undefined;
  /** When the agent first saw the pod. */
  startTime?: Date;
  /** The pod's address on the pod network (its sandbox's); hostNetwork pods have the host's. */
  podIP?: string;
  /** The device refused the pod (as a kubelet's admission does): phase Failed with this reason. */
  rejected?: WaitingReason;
}

export interface ContainerStateJson {
  waiting?: { reason: string; message?: string };
  running?: { startedAt?: string };
  terminated?: TerminatedJson;
}

interface TerminatedJson {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  containerID: string;
}

export interface ContainerStatusJson {
  name: string;
  state: ContainerStateJson;
  lastState: ContainerStateJson;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started: boolean;
}

function running(c: ObservedContainer): boolean {
  return c.state === 'running' || c.state === 'paused' || c.state === 'restarting';
}

function unstarted(c: ObservedContainer): boolean {
  return c.state === 'created' && (c.error === undefined || c.error === '');
}

function dockerTime(t: string | undefined): string | undefined {
  if (t === undefined || t === '' || t.startsWith('0001-')) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : rfc3339(new Date(ms));
}

export function containerIdOf(c: ObservedContainer): string {
  return `docker://${c.id}`;
}

/** How a container that is not running ended: Completed, Error, OOMKilled or StartError. */
export function terminatedOf(c: ObservedContainer): TerminatedJson {
  const startError = c.state === 'created' && !unstarted(c);
  const exitCode = c.exitCode ?? (startError ? 128 : 0);
  const reason = startError ? 'StartError' : c.oomKilled === true ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error';
  const out: TerminatedJson = { exitCode, reason, containerID: containerIdOf(c) };
  if (c.error !== undefined && c.error !== '') out.message = c.error;
  const startedAt = dockerTime(c.startedAt);
  const finishedAt = dockerTime(c.finishedAt);
  if (startedAt !== undefined) out.startedAt = startedAt;
  if (finishedAt !== undefined) out.finishedAt = finishedAt;
  return out;
}

function ended(c: ObservedContainer | undefined): c is ObservedContainer {
  return c !== undefined && !running(c) && !unstarted(c) && c.state !== 'removing';
}

function containerStatus(
  spec: StatusContainer,
  instances: readonly ObservedContainer[],
  isInit: boolean,
  defaultReason: string,
  input: PodStatusInput,
): ContainerStatusJson {
  const cur = instances[0];
  const prev = instances[1];
  const out: ContainerStatusJson = {
    name: spec.name,
    state: {},
    lastState: {},
    ready: false,
    restartCount: cur?.attempt ?? 0,
    image: spec.image,
    imageID: cur?.imageId ?? '',
    started: false,
  };
  if (cur) out.containerID = containerIdOf(cur);
  const waiting = input.waiting.get(spec.name);
  if (cur && running(cur)) {
    const startedAt = dockerTime(cur.startedAt);
    out.state.running = startedAt !== undefined ? { startedAt } : {};
    const probe = isInit ? undefined : input.probe(spec.name);
    out.started = probe ? probe.started : true;
    out.ready = !isInit && out.started && (probe ? probe.ready : true);
    if (ended(prev)) out.lastState.terminated = terminatedOf(prev);
  } else if (waiting) {
    out.state.waiting = waiting.message !== undefined ? { reason: waiting.reason, message: waiting.message } : { reason: waiting.reason };
    if (ended(cur)) out.lastState.terminated = terminatedOf(cur);
    else if (ended(prev)) out.lastState.terminated = terminatedOf(prev);
  } else if (ended(cur)) {
    out.state.terminated = terminatedOf(cur);
    // An init container that completed counts as ready, as the kubelet reports it.
    out.ready = isInit && out.state.terminated.exitCode === 0;
    if (ended(prev)) out.lastState.terminated = terminatedOf(prev);
  } else {
    out.state.waiting = { reason: cur && unstarted(cur) ? 'ContainerCreating' : defaultReason };
    if (ended(prev)) out.lastState.terminated = terminatedOf(prev);
  }
  return out;
}

/** The kubelet's getPhase over the computed container statuses. */
export function podPhase(restartPolicy: PodStatusInput['restartPolicy'], init: readonly ContainerStatusJson[], app: readonly ContainerStatusJson[]): PodPhase {
  let pendingInit = 0;
  let failedInit = 0;
  for (const s of init) {
    if (s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.lastState.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  let runningN = 0;
  let waitingN = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of app) {
    if (s.state.running) runningN++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState.terminated) stopped++;
    else waitingN++;
  }
  if (failedInit > 0 && restartPolicy === 'Never') return 'Failed';
  if (pendingInit > 0 || waitingN > 0) return 'Pending';
  if (runningN > 0) return 'Running';
  if (stopped > 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, reason?: string, message?: string): JsonObject {
  const c: JsonObject = { type, status: ok ? 'True' : 'False' };
  if (!ok && reason !== undefined) c['reason'] = reason;
  if (!ok && message !== undefined) c['message'] = message;
  return c;
}

export function computePodStatus(input: PodStatusInput): JsonObject {
  const byName = (role: 'init' | 'app', name: string): ObservedContainer[] =>
    input.containers.filter((c) => c.role === role && c.container === name).sort((a, b) => b.attempt - a.attempt);
  const init = input.init.map((c) => containerStatus(c, byName('init', c.name), true, 'PodInitializing', input));
  const app = input.app.map((c) => containerStatus(c, byName('app', c.name), false, input.init.length > 0 ? 'PodInitializing' : 'ContainerCreating', input));
  // Init containers not reached yet wait for the ones before them.
  let blocked = false;
  for (const s of init) {
    if (s.state.waiting?.reason === 'PodInitializing' && s.containerID === undefined) s.state.waiting = { reason: blocked ? 'PodInitializing' : 'ContainerCreating' };
    if (!s.state.terminated || s.state.terminated.exitCode !== 0) blocked = true;
  }

  const phase = input.rejected ? 'Failed' : podPhase(input.restartPolicy, init, app);
  const done = phase === 'Succeeded' || phase === 'Failed';
  const anyAppRan = app.some((s) => s.containerID !== undefined);
  const incomplete = init.filter((s) => !(s.state.terminated?.exitCode === 0)).map((s) => s.name);
  const initialized = incomplete.length === 0 || anyAppRan;
  const unready = app.filter((s) => !s.ready).map((s) => s.name);
  const ready = unready.length === 0 && !done;
  const notReadyReason = done ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMessage = done ? undefined : `containers with unready status: [${unready.join(' ')}]`;

  const status: JsonObject = {
    phase,
    conditions: [
      condition('Initialized', initialized, done ? 'PodCompleted' : 'ContainersNotInitialized', done ? undefined : `containers with incomplete status: [${incomplete.join(' ')}]`),
      condition('Ready', ready, notReadyReason, notReadyMessage),
      condition('ContainersReady', ready, notReadyReason, notReadyMessage),
      condition('PodScheduled', true),
    ],
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    containerStatuses: app,
  };
  const podIP = input.hostNetwork ? input.hostIP : input.podIP;
  if (podIP !== undefined) {
    status['podIP'] = podIP;
    status['podIPs'] = [{ ip: podIP }];
  }
  if (init.length > 0) status['initContainerStatuses'] = init;
  if (input.rejected) {
    status['reason'] = input.rejected.reason;
    if (input.rejected.message !== undefined) status['message'] = input.rejected.message;
  }
  if (input.startTime) status['startTime'] = rfc3339(input.startTime);
  return status;
}

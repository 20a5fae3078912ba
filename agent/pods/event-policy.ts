/**
 * Which pod events the agent emits, decided in one place. The planner reports the lasting
 * conditions it finds in a pass (a crash-loop backoff, a failed probe, …) and the executors
 * report what they did (pulled, created, failed to start, …); `eventsOf` turns either into the
 * kubelet's events (reason and message as Kubernetes words them), and `PodEvents` announces
 * a lasting condition once while it lasts. Nobody else writes an event.
 */
import type { EventType } from '../../shared/protocol/messages.js';
import type { Clock } from '../../shared/util/clock.js';
import type { Logger } from '../../shared/util/logger.js';
import { PodEventRecorder, type PodEventRef, type SendEvents } from './events.js';

/** Why the agent stops a container. */
export type StopReason =
  | 'spec-changed'
  | 'liveness'
  | 'startup'
  | 'pod-deleted'
  | 'pod-removed'
  | 'sandbox-changed'
  | 'pod-completed'
  | 'not-in-spec'
  | 'duplicate'
  | 'superseded'
  | 'forbidden';

/** A condition the planner found in a pass; it lasts as long as the planner keeps finding it. */
export type PodCondition =
  | { kind: 'sandboxChanged'; sandboxId: string }
  | { kind: 'specChanged'; container: string; containerId: string }
  | { kind: 'probeFailed'; container: string; containerId: string; probe: 'liveness' | 'startup'; message?: string; restart: boolean }
  | { kind: 'crashBackOff'; container: string; containerId: string; pod: string }
  | { kind: 'configError'; container: string; message: string }
  | { kind: 'forbidden'; message: string }
  | { kind: 'hostPortRefused'; reason: string; message: string }
  | { kind: 'neverPull'; container: string; image: string; message: string }
  | { kind: 'pullSecretMissing'; problem: string }
  | { kind: 'pullBackOff'; image: string; failures: number }
  | { kind: 'imagePresent'; container: string; image: string; attempt: number };

/** What an executor did for a step. */
export type StepReport =
  | { kind: 'volumeWarning'; message: string }
  | { kind: 'mountFailed'; volume: string; message: string }
  | { kind: 'pulling'; image: string }
  | { kind: 'pulled'; image: string; seconds: string }
  | { kind: 'pullFailed'; image: string; error: string; usingPresent: boolean }
  | { kind: 'created'; container: string; sandbox: boolean; warnings: readonly { reason: string; message: string }[] }
  | { kind: 'createFailed'; container: string; sandbox: boolean; error: string }
  | { kind: 'started'; container: string; sandbox: boolean }
  | { kind: 'startFailed'; container: string; sandbox: boolean; error: string }
  | { kind: 'stopping'; container: string; sandbox: boolean; reason: StopReason; message: string };

export interface PodEvent {
  type: EventType;
  reason: string;
  message: string;
}

const normal = (reason: string, message: string): PodEvent => ({ type: 'Normal', reason, message });
const warning = (reason: string, message: string): PodEvent => ({ type: 'Warning', reason, message });

/** Stops the planner announced when it decided them (with the condition that caused them). */
const ANNOUNCED_STOPS: ReadonlySet<StopReason> = new Set(['liveness', 'startup', 'spec-changed']);

export function killingMessage(c: { container: string; probe: 'liveness' | 'startup'; restart: boolean }): string {
  return `Container ${c.container} failed ${c.probe} probe${c.restart ? ', will be restarted' : ''}`;
}

export function specChangedMessage(container: string): string {
  return `Container ${container} definition changed, will be restarted`;
}

/** The events of a condition or a step report (none, one or several). Pure. */
export function eventsOf(r: PodCondition | StepReport): PodEvent[] {
  switch (r.kind) {
    case 'sandboxChanged':
      return [normal('SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.')];
    case 'specChanged':
      return [normal('Killing', specChangedMessage(r.container))];
    case 'probeFailed': {
      const title = r.probe === 'startup' ? 'Startup' : 'Liveness';
      return [warning('Unhealthy', r.message ?? `${title} probe failed`), normal('Killing', killingMessage(r))];
    }
    case 'crashBackOff':
      return [warning('BackOff', `Back-off restarting failed container ${r.container} in pod ${r.pod}`)];
    case 'configError':
      return [warning('Failed', `Error: ${r.message}`)];
    case 'forbidden':
      return [warning('PodSecurity', `Pod refused by this device: ${r.message}`)];
    case 'hostPortRefused':
      return [warning(r.reason, `Pod was rejected: ${r.message}`)];
    case 'neverPull':
      return [warning('ErrImageNeverPull', r.message)];
    case 'pullSecretMissing':
      return [warning('FailedToRetrieveImagePullSecret', `Unable to retrieve some image pull secrets (${r.problem}); attempting to pull the image may not succeed.`)];
    case 'pullBackOff':
      return [normal('BackOff', `Back-off pulling image "${r.image}"`)];
    case 'imagePresent':
      return [normal('Pulled', `Container image "${r.image}" already present on machine`)];
    case 'volumeWarning':
      return [warning('FailedMount', r.message)];
    case 'mountFailed':
      return [warning('FailedMount', `MountVolume.SetUp failed for volume "${r.volume}" : ${r.message}`)];
    case 'pulling':
      return [normal('Pulling', `Pulling image "${r.image}"`)];
    case 'pulled':
      return [normal('Pulled', `Successfully pulled image "${r.image}" in ${r.seconds}s`)];
    case 'pullFailed':
      // imagePullPolicy Always with the registry out of reach: the device runs what it has.
      if (r.usingPresent) return [warning('Failed', `Failed to pull image "${r.image}": ${r.error}; using the image already present on the device`)];
      return [warning('Failed', `Failed to pull image "${r.image}": ${r.error}`), warning('Failed', 'Error: ErrImagePull')];
    case 'created':
      return [...(r.sandbox ? [] : [normal('Created', `Created container ${r.container}`)]), ...r.warnings.map((w) => warning(w.reason, w.message))];
    case 'createFailed':
      return [r.sandbox ? warning('FailedCreatePodSandBox', `Failed to create pod sandbox: ${r.error}`) : warning('Failed', `Error: ${r.error}`)];
    case 'started':
      return r.sandbox ? [] : [normal('Started', `Started container ${r.container}`)];
    case 'startFailed':
      return [
        r.sandbox
          ? warning('FailedCreatePodSandBox', `Failed to start pod sandbox: ${r.error}`)
          : warning('Failed', `Error: failed to start container "${r.container}": ${r.error}`),
      ];
    case 'stopping':
      return r.sandbox || ANNOUNCED_STOPS.has(r.reason) ? [] : [normal('Killing', r.message)];
  }
}

/** Identifies a condition within its pod, so that while it lasts it is announced once. */
export function conditionKey(c: PodCondition): string {
  switch (c.kind) {
    case 'sandboxChanged':
      return `sandbox-changed/${c.sandboxId}`;
    case 'specChanged':
      return `spec-changed/${c.containerId}`;
    case 'probeFailed':
      return `probe-failed/${c.containerId}`;
    case 'crashBackOff':
      return `backoff/${c.containerId}`;
    case 'configError':
      return `config-error/${c.container}/${c.message}`;
    case 'forbidden':
      return `forbidden/${c.message}`;
    case 'hostPortRefused':
      return `host-port/${c.message}`;
    case 'neverPull':
      return `never-pull/${c.container}/${c.image}`;
    case 'pullSecretMissing':
      return `pull-secret/${c.problem}`;
    case 'pullBackOff':
      return `pull-backoff/${c.image}/${c.failures}`;
    case 'imagePresent':
      return `present/${c.container}/${c.attempt}`;
  }
}

export interface PodConditionReport {
  pod: PodEventRef;
  condition: PodCondition;
}

/** The one emitter of pod events: conditions and step reports in, recorded events out. */
export class PodEvents {
  private readonly recorder: PodEventRecorder;
  /** Condition keys of the last pass (already announced), by pod uid. */
  private announced = new Map<string, Set<string>>();

  constructor(send: SendEvents, clock: Clock, log: Logger, maxBuffered?: number) {
    this.recorder = new PodEventRecorder(send, clock, log, maxBuffered);
  }

  /**
   * All conditions of a pass: those not found in the pass before are announced. Only this
   * pass's keys are kept, so a condition that lasts is announced once and keys of conditions
   * that ended (a container that is gone) do not pile up.
   */
  conditions(list: readonly PodConditionReport[]): void {
    const seen = new Map<string, Set<string>>();
    for (const { pod, condition } of list) {
      const key = conditionKey(condition);
      let keys = seen.get(pod.uid);
      if (!keys) seen.set(pod.uid, (keys = new Set()));
      if (keys.has(key)) continue;
      keys.add(key);
      if (!this.announced.get(pod.uid)?.has(key)) this.record(pod, condition);
    }
    this.announced = seen;
  }

  /** What an executor did: its events, if any, are recorded now. */
  report(pod: PodEventRef, r: StepReport): void {
    this.record(pod, r);
  }

  /** Pods with conditions announced in the last pass (diagnostics, tests). */
  trackedPods(): number {
    return this.announced.size;
  }

  flush(): Promise<void> {
    return this.recorder.flush();
  }

  private record(pod: PodEventRef, r: PodCondition | StepReport): void {
    for (const e of eventsOf(r)) this.recorder.record(pod, e.type, e.reason, e.message);
  }
}

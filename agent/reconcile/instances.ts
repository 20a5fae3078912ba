/** Reading observed containers: running or not, how they ended, which attempt is current. */
import type { ContainerRole, ObservedContainer } from '../engine/types.js';

export function isRunning(c: ObservedContainer): boolean {
  return c.state === 'running' || c.state === 'paused' || c.state === 'restarting';
}

/** Created but never started, and Docker recorded no start error (the agent died in between). */
export function isUnstarted(c: ObservedContainer): boolean {
  return c.state === 'created' && (c.error === undefined || c.error === '');
}

/** The process ran and ended, or could not be started (a created container with an error). */
export function isTerminated(c: ObservedContainer): boolean {
  return c.state === 'exited' || c.state === 'dead' || (c.state === 'created' && !isUnstarted(c));
}

/** A start that failed (executable not found, …): the kubelet's StartError. */
export function isStartError(c: ObservedContainer): boolean {
  return c.state === 'created' && !isUnstarted(c);
}

export function exitCodeOf(c: ObservedContainer): number {
  if (c.exitCode !== undefined) return c.exitCode;
  return isStartError(c) ? 128 : 0;
}

/** A Docker time, or undefined for Docker's zero time (`0001-01-01T00:00:00Z`) and garbage. */
export function timeMs(t: string | undefined): number | undefined {
  if (t === undefined || t === '' || t.startsWith('0001-')) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** When the container ended (finishedAt, else when it was created). */
export function endedMs(c: ObservedContainer): number {
  return timeMs(c.finishedAt) ?? timeMs(c.createdAt) ?? 0;
}

/** Newest first: highest attempt, then latest created. */
export function byAttemptDesc(a: ObservedContainer, b: ObservedContainer): number {
  return b.attempt - a.attempt || (timeMs(b.createdAt) ?? 0) - (timeMs(a.createdAt) ?? 0);
}

/** A pod's observed containers grouped by role and container name, newest first. */
export class PodInstances {
  private readonly groups = new Map<string, ObservedContainer[]>();

  constructor(readonly all: readonly ObservedContainer[]) {
    for (const c of all) {
      const k = `${c.role}/${c.container}`;
      const list = this.groups.get(k) ?? [];
      list.push(c);
      this.groups.set(k, list);
    }
    for (const list of this.groups.values()) list.sort(byAttemptDesc);
  }

  of(role: ContainerRole, name: string): ObservedContainer[] {
    return this.groups.get(`${role}/${name}`) ?? [];
  }

  entries(): [ContainerRole, string, ObservedContainer[]][] {
    return [...this.groups.values()].map((list) => {
      const first = list[0] as ObservedContainer;
      return [first.role, first.container, list];
    });
  }

  /** The attempt number of the next instance of this container. */
  nextAttempt(role: ContainerRole, name: string): number {
    const list = this.of(role, name);
    return list.length === 0 ? 0 : Math.max(...list.map((c) => c.attempt)) + 1;
  }
}

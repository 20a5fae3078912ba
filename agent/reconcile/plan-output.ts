/** What planning one pod produces, accumulated as the planner walks the pod. */
import type { PodRef } from './pod-model.js';
import type { Notice, PodView, Step, Waiting } from './types.js';

export class PodOutput {
  readonly steps: Step[] = [];
  readonly notices: Notice[] = [];
  readonly waiting = new Map<string, Waiting>();
  wakeAt: number | undefined;

  constructor(readonly ref: PodRef) {}

  step(s: Step): void {
    this.steps.push(s);
  }

  notice(key: string, type: Notice['type'], reason: string, message: string): void {
    this.notices.push({ key, pod: this.ref, type, reason, message });
  }

  wait(container: string, reason: string, message?: string): void {
    this.waiting.set(container, message === undefined ? { reason } : { reason, message });
  }

  wake(at: number): void {
    if (this.wakeAt === undefined || at < this.wakeAt) this.wakeAt = at;
  }

  view(flags: { terminating: boolean; deleted: boolean }): PodView {
    return { ref: this.ref, waiting: this.waiting, ...flags };
  }
}

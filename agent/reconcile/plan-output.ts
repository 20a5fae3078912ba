/** What planning one pod produces, accumulated as the planner walks the pod. */
import type { PodRef } from './pod-model.js';
import type { PodCondition } from '../pods/event-policy.js';
import type { PlannedCondition, PodView, Step, Waiting } from './types.js';

export class PodOutput {
  readonly steps: Step[] = [];
  readonly conditions: PlannedCondition[] = [];
  readonly waiting = new Map<string, Waiting>();
  wakeAt: number | undefined;
  private rejected: Waiting | undefined;

  constructor(readonly ref: PodRef) {}

  step(s: Step): void {
    this.steps.push(s);
  }

  found(condition: PodCondition): void {
    this.conditions.push({ pod: this.ref, condition });
  }

  wait(container: string, reason: string, message?: string): void {
    this.waiting.set(container, message === undefined ? { reason } : { reason, message });
  }

  /** The pod fails as a whole (phase Failed with this reason). */
  reject(reason: string, message: string): void {
    this.rejected = { reason, message };
  }

  wake(at: number): void {
    if (this.wakeAt === undefined || at < this.wakeAt) this.wakeAt = at;
  }

  view(flags: { terminating: boolean; deleted: boolean }): PodView {
    return { ref: this.ref, waiting: this.waiting, ...flags, ...(this.rejected ? { rejected: this.rejected } : {}) };
  }
}

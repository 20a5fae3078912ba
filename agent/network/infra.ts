/**
 * The node-level stage of a reconcile pass, before pods are planned: observe the pod network
 * and the pause image, plan (plan.ts), carry the steps out, observe again, and say what blocks
 * sandboxes. Failures back off with jitter, remembered here (lost on restart, like the planner's).
 */
import { readFile } from 'node:fs/promises';
import { isEngineError } from '../engine/errors.js';
import type { ContainerEngine } from '../engine/types.js';
import { backoffDelay, type BackoffPolicy } from '../../shared/reconcile/backoff.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import { pauseRootfs } from './pause-image.js';
import type { PodNetworkSettings } from './settings.js';
import { planInfra, type InfraDesired, type InfraFailure, type InfraObserved, type InfraPlan, type InfraStep, type InfraStepKind } from './plan.js';

/** Largest host binary the pause image is built from. */
const PAUSE_BINARY_MAX_BYTES = 16 * 1024 * 1024;

export interface InfraDeps {
  engine: ContainerEngine;
  logger: Logger;
  backoff: BackoffPolicy;
  random: () => number;
}

export interface InfraResult {
  /** Why no sandbox can be created now. */
  blocked?: string;
  wakeAt?: number;
}

export class PodInfra {
  private readonly failures = new Map<InfraStepKind, InfraFailure>();
  private lastReport = '';

  constructor(
    private readonly desired: InfraDesired,
    private readonly deps: InfraDeps,
  ) {}

  async sync(now: () => number): Promise<InfraResult> {
    let plan = planInfra(this.desired, await this.observe(), this.failures, now());
    if (plan.steps.length > 0) {
      for (const step of plan.steps) await this.run(step, now());
      plan = planInfra(this.desired, await this.observe(), this.failures, now());
    }
    this.report(plan);
    const out: InfraResult = {};
    if (plan.blocked !== undefined) out.blocked = plan.blocked;
    if (plan.wakeAt !== undefined) out.wakeAt = plan.wakeAt;
    return out;
  }

  private async observe(): Promise<InfraObserved> {
    const { engine } = this.deps;
    const out: InfraObserved = { pauseImagePresent: true };
    if (this.desired.network) {
      const net = await engine.inspectNetwork(this.desired.network.name);
      if (net) out.network = net;
    }
    if (this.desired.pauseImage) out.pauseImagePresent = (await engine.inspectImage(this.desired.pauseImage.ref)) !== undefined;
    return out;
  }

  private async run(step: InfraStep, now: number): Promise<void> {
    const log = this.deps.logger;
    try {
      if (step.kind === 'createNetwork') {
        try {
          await this.deps.engine.createNetwork(step.spec);
        } catch (e) {
          // Another agent on this Docker created it meanwhile: the next observation decides.
          if (!isEngineError(e, 'NameConflict')) throw e;
        }
        log.info('pod network created', { network: step.spec.name, subnet: step.spec.subnet });
      } else {
        const binary = await readFile(step.binaryPath);
        if (binary.length > PAUSE_BINARY_MAX_BYTES) throw new Error(`${step.binaryPath} is larger than ${PAUSE_BINARY_MAX_BYTES} bytes`);
        await this.deps.engine.importImage(step.ref, pauseRootfs(step.binaryPath, binary));
        log.info('pause image built', { image: step.ref, from: step.binaryPath, bytes: binary.length });
      }
      this.failures.delete(step.kind);
    } catch (e) {
      const prev = this.failures.get(step.kind);
      const failures = (prev?.failures ?? 0) + 1;
      const delay = backoffDelay(this.deps.backoff, failures - 1, this.deps.random);
      this.failures.set(step.kind, { error: errorMessage(e), failures, retryAt: now + delay });
      log.warn('pod infrastructure step failed', { step: step.kind, error: errorMessage(e), failures, retryInMs: delay });
    }
  }

  /** Logs what blocks sandboxes when it changes (a blocked network is the user's to fix). */
  private report(plan: InfraPlan): void {
    const text = [plan.blocked ?? '', ...plan.warnings].join('\n');
    if (text === this.lastReport) return;
    this.lastReport = text;
    if (plan.blocked !== undefined) this.deps.logger.error('pod sandboxes cannot be created', { reason: plan.blocked });
    for (const w of plan.warnings) this.deps.logger.warn('pod network', { warning: w });
    if (plan.blocked === undefined && plan.warnings.length === 0) this.deps.logger.info('pod infrastructure ready', { network: this.desired.network?.name });
  }
}

/** The stage for the reconciler's settings: undefined when there is no pod network and no image to build. */
export function podInfraFor(
  c: { podNetwork?: PodNetworkSettings; podInfraBinary?: string; podInfraImage: string },
  deps: InfraDeps,
): PodInfra | undefined {
  if (!c.podNetwork && c.podInfraBinary === undefined) return undefined;
  const desired: InfraDesired = {};
  if (c.podNetwork) desired.network = c.podNetwork;
  if (c.podInfraBinary !== undefined) desired.pauseImage = { ref: c.podInfraImage, binaryPath: c.podInfraBinary };
  return new PodInfra(desired, deps);
}

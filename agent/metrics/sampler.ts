/**
 * Samples the node's and the pods' usage: reads the cgroups, waits the window, reads again
 * (usage.ts turns the two into rates); and reports at a slow default period, or sooner when the
 * hub asks (someone ran `kubectl top`), at most once per `minIntervalMs`.
 */
import type { MetricsMessage } from '../../shared/protocol/metrics.js';
import type { Clock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { ContainerEngine } from '../engine/types.js';
import type { CgroupReader } from './cgroups.js';
import { usageReport, type Readings, type SampledContainer } from './usage.js';

export interface MetricsConfig {
  /** CPU rates are averaged over this window. */
  windowMs: number;
  /** A report is sent this often even when nobody asks. */
  periodMs: number;
  /** Requests closer together than this share one report. */
  minIntervalMs: number;
}

export const DEFAULT_METRICS_CONFIG: Readonly<MetricsConfig> = { windowMs: 1_000, periodMs: 60_000, minIntervalMs: 5_000 };

export interface MetricsSamplerDeps {
  engine: Pick<ContainerEngine, 'listManaged'>;
  cgroups: CgroupReader;
  clock: Clock;
  logger: Logger;
  config?: Partial<MetricsConfig>;
}

export class MetricsSampler {
  readonly config: MetricsConfig;
  private timer: (() => void) | undefined;
  private inFlight: Promise<void> | undefined;
  private lastStartedAt = -Infinity;
  private send: ((m: MetricsMessage) => Promise<unknown>) | undefined;

  constructor(private readonly deps: MetricsSamplerDeps) {
    this.config = { ...DEFAULT_METRICS_CONFIG, ...deps.config };
  }

  /** One report: two readings `windowMs` apart. */
  async sample(): Promise<MetricsMessage> {
    const containers: SampledContainer[] = (await this.deps.engine.listManaged()).filter((c) => c.role === 'app' && c.state === 'running');
    const before = await this.read(containers);
    const t0 = this.deps.clock.now().getTime();
    await new Promise<void>((resolve) => this.deps.clock.setTimer(resolve, this.config.windowMs));
    const after = await this.read(containers);
    return usageReport(containers, before, after, this.deps.clock.now().getTime() - t0);
  }

  /** Reports through `send` every periodMs, and on request(). */
  start(send: (m: MetricsMessage) => Promise<unknown>): void {
    this.send = send;
    this.schedule();
  }

  /** The hub asked: report now unless a report is under way or was started within minIntervalMs. */
  request(): void {
    if (this.inFlight || this.deps.clock.now().getTime() - this.lastStartedAt < this.config.minIntervalMs) return;
    this.report();
  }

  async stop(): Promise<void> {
    this.timer?.();
    this.timer = undefined;
    this.send = undefined;
    await this.inFlight;
  }

  private schedule(): void {
    this.timer?.();
    this.timer = this.deps.clock.setTimer(() => this.report(), this.config.periodMs);
  }

  private report(): void {
    const send = this.send;
    if (!send || this.inFlight) return;
    this.lastStartedAt = this.deps.clock.now().getTime();
    this.schedule();
    this.inFlight = this.sample()
      .then((m) => send(m))
      .then(
        () => undefined,
        (e: unknown) => this.deps.logger.warn('metrics sample failed', { error: errorMessage(e) }),
      )
      .finally(() => (this.inFlight = undefined));
  }

  private async read(containers: readonly SampledContainer[]): Promise<Readings> {
    const out: Readings = { node: await this.deps.cgroups.node(), containers: new Map() };
    for (const c of containers) {
      const r = await this.deps.cgroups.container(c.id);
      if (r) out.containers.set(c.id, r);
    }
    return out;
  }
}

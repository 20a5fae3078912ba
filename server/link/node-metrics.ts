/**
 * The latest resource usage each node reported, in memory only (no store write per sample). A
 * Metrics API request asks the nodes whose sample is stale for a fresh one (a `metrics` command,
 * QoS 0: an offline node's session queues nothing) and waits a moment for it; each node is asked
 * at most once per `askIntervalMs`, whoever is asking.
 */
import { encode, nodeTopic, type MetricsMessage } from '../../shared/protocol/index.js';
import type { Clock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { Publish } from './publish.js';

export interface NodeMetricsSample {
  /** Hub time the report arrived: the end of its window. */
  receivedAt: Date;
  report: MetricsMessage;
}

export interface NodeMetricsConfig {
  /** A sample older than this is refreshed when asked for. */
  staleMs: number;
  /** A sample older than this is not served (the node is gone quiet). */
  maxAgeMs: number;
  /** How long a request waits for fresh samples. */
  waitMs: number;
  /** A node is asked at most this often. */
  askIntervalMs: number;
}

export const DEFAULT_NODE_METRICS_CONFIG: Readonly<NodeMetricsConfig> = { staleMs: 15_000, maxAgeMs: 180_000, waitMs: 4_000, askIntervalMs: 5_000 };

export class NodeMetrics {
  private readonly samples = new Map<string, NodeMetricsSample>();
  private readonly lastAsked = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly config: NodeMetricsConfig;

  constructor(private readonly deps: { publish: Publish; clock: Clock; logger: Logger; config?: Partial<NodeMetricsConfig> }) {
    this.config = { ...DEFAULT_NODE_METRICS_CONFIG, ...deps.config };
  }

  /** A report decoded (and so validated and bounded) from `node`'s own metrics topic. */
  onReport(node: string, report: MetricsMessage): void {
    this.samples.set(node, { receivedAt: this.deps.clock.now(), report });
    const waiting = this.waiters.get(node);
    this.waiters.delete(node);
    for (const wake of waiting ?? []) wake();
  }

  /** The samples of `nodes` no older than maxAgeMs, refreshing the stale ones first (waiting at most waitMs). */
  async current(nodes: Iterable<string>): Promise<Map<string, NodeMetricsSample>> {
    const now = this.deps.clock.now().getTime();
    const wanted = [...new Set(nodes)];
    const stale = wanted.filter((n) => now - (this.samples.get(n)?.receivedAt.getTime() ?? -Infinity) > this.config.staleMs);
    await Promise.all(stale.map((n) => this.refresh(n, now)));
    const out = new Map<string, NodeMetricsSample>();
    const after = this.deps.clock.now().getTime();
    for (const n of wanted) {
      const s = this.samples.get(n);
      if (s && after - s.receivedAt.getTime() <= this.config.maxAgeMs) out.set(n, s);
    }
    return out;
  }

  private refresh(node: string, now: number): Promise<void> {
    if (now - (this.lastAsked.get(node) ?? -Infinity) >= this.config.askIntervalMs) {
      this.lastAsked.set(node, now);
      this.deps.publish(nodeTopic(node, 'cmd'), encode({ v: 1, t: 'cmd', cmd: 'metrics' }), { qos: 0, retain: false }).catch((e: unknown) => {
        this.deps.logger.warn('metrics request not sent', { node, error: errorMessage(e) });
      });
    }
    return new Promise<void>((resolve) => {
      let cancel: () => void = () => undefined;
      const wake = (): void => {
        cancel();
        this.waiters.get(node)?.delete(wake);
        resolve();
      };
      let set = this.waiters.get(node);
      if (!set) this.waiters.set(node, (set = new Set()));
      set.add(wake);
      cancel = this.deps.clock.setTimer(wake, this.config.waitMs);
    });
  }
}

/**
 * Node status reporting. Every heartbeat interval, while the link is online, the reporter
 * collects the node's status and sends either
 *
 *   - the full status (QoS 1) when it is the first on this connection, its digest or the
 *     applied desired revision changed,
 *     `statusIntervalMs` passed since the last one, or the hub asked (cmd `sendStatus`); or
 *   - a heartbeat `{v:1,t:'hb',s,h}` (QoS 0, a few dozen bytes), `h` being statusHash() of
 *     the last full status sent, so the hub can tell whether it holds the latest.
 */
import type { CollectedStatus, RuntimeState } from '../conditions/index.js';
import { formatRevision, statusHash } from '../../shared/protocol/index.js';
import type { AgentMessage, DesiredRevision, HeartbeatMessage, StatusMessage } from '../../shared/protocol/index.js';
import type { Clock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { LinkState, LinkStatus, SendResult } from '../link/index.js';
import type { RuntimeProbe } from './runtime-probe.js';

/** The part of AgentLink the reporter uses. */
export interface ReportLink {
  readonly state: LinkState;
  send(channel: 'status' | 'hb', msg: AgentMessage): Promise<SendResult>;
  onState(fn: (status: LinkStatus) => void): () => void;
}

/** The part of NodeStatusCollector the reporter uses. */
export interface StatusCollector {
  collect(runtime: RuntimeState): Promise<CollectedStatus>;
}

export interface StatusReporterOptions {
  heartbeatIntervalMs: number;
  statusIntervalMs: number;
  /** Labels from the agent's configuration, merged under the ones the agent owns. */
  extraLabels?: Record<string, string>;
}

export interface StatusReporterDeps {
  link: ReportLink;
  collector: StatusCollector;
  runtime: RuntimeProbe;
  clock: Clock;
  logger: Logger;
  /** The revision of the desired state the workloads last carried out. */
  applied?: () => DesiredRevision | undefined;
}

export type FullStatusReason = 'connected' | 'changed' | 'interval' | 'requested';

export interface ReporterStats {
  heartbeats: number;
  statuses: number;
  /** Payload and on-the-wire PUBLISH size of the last heartbeat. */
  lastHeartbeat?: { payloadBytes: number; packetBytes: number };
  lastStatus?: { payloadBytes: number; packetBytes: number; hash: string; reason: FullStatusReason };
}

export class StatusReporter {
  private hbSeq = 0;
  private lastSentHash: string | undefined;
  private lastSentDigest: string | undefined;
  private lastSentApplied: string | undefined;
  private lastFullAt = 0;
  private sentOnConnection = false;
  private fullRequested = false;
  private heartbeatLogged = false;
  private running = false;
  private ticking: Promise<void> | undefined;
  private again = false;
  private cancelTimer: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly stats_: ReporterStats = { heartbeats: 0, statuses: 0 };
  private readonly log: Logger;

  constructor(
    private readonly opts: StatusReporterOptions,
    private readonly deps: StatusReporterDeps,
  ) {
    this.log = deps.logger.child({ component: 'status' });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.deps.link.onState((s) => {
      if (s.state !== 'online') return;
      // A new connection: the hub may have restarted, send the full status first.
      this.sentOnConnection = false;
      this.heartbeatLogged = false;
      this.kick();
    });
    this.schedule();
    if (this.deps.link.state === 'online') this.kick();
  }

  stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    return this.ticking ?? Promise.resolve();
  }

  /** The hub asked for the full status (cmd `sendStatus`). */
  requestFullStatus(): void {
    this.fullRequested = true;
    this.kick();
  }

  stats(): ReporterStats {
    return structuredClone(this.stats_);
  }

  /** Resolves when the current report (if any) is done; for tests. */
  idle(): Promise<void> {
    return this.ticking ?? Promise.resolve();
  }

  private schedule(): void {
    if (!this.running) return;
    this.cancelTimer = this.deps.clock.setTimer(() => {
      this.cancelTimer = undefined;
      this.kick();
      this.schedule();
    }, this.opts.heartbeatIntervalMs);
  }

  /** Runs a report now, or right after the one in progress. */
  private kick(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.report()
      .catch((e: unknown) => this.log.error('status report failed', { error: errorMessage(e) }))
      .finally(() => {
        this.ticking = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async report(): Promise<void> {
    if (this.deps.link.state !== 'online') return;
    let collected: CollectedStatus | undefined;
    try {
      collected = await this.deps.collector.collect(await this.deps.runtime.probe());
    } catch (e) {
      this.log.warn('status collection failed', { error: errorMessage(e) });
    }
    if (this.deps.link.state !== 'online') return;
    const reason = collected ? this.fullReason(collected) : undefined;
    if (collected && reason) {
      await this.sendStatus(collected, reason);
      return;
    }
    if (this.lastSentHash !== undefined) await this.sendHeartbeat(this.lastSentHash);
  }

  private fullReason(c: CollectedStatus): FullStatusReason | undefined {
    if (!this.sentOnConnection) return 'connected';
    if (this.fullRequested) return 'requested';
    if (c.digest !== this.lastSentDigest || this.appliedKey() !== this.lastSentApplied) return 'changed';
    if (this.deps.clock.now().getTime() - this.lastFullAt >= this.opts.statusIntervalMs) return 'interval';
    return undefined;
  }

  private async sendStatus(c: CollectedStatus, reason: FullStatusReason): Promise<void> {
    const labels = { ...this.opts.extraLabels, ...c.labels };
    const applied = this.deps.applied?.();
    const content = { status: c.status, labels, annotations: c.annotations, ...(applied ? { applied } : {}) };
    const hash = statusHash(content);
    const msg: StatusMessage = { v: 1, t: 'status', hash, ...content };
    const requested = this.fullRequested;
    const r = await this.deps.link.send('status', msg);
    if (!r.delivered) {
      this.log.warn('status not delivered', { reason, error: r.error });
      return;
    }
    this.lastSentHash = hash;
    this.lastSentDigest = c.digest;
    this.lastSentApplied = applied ? formatRevision(applied) : undefined;
    this.lastFullAt = this.deps.clock.now().getTime();
    this.sentOnConnection = true;
    if (requested) this.fullRequested = false;
    this.stats_.statuses += 1;
    this.stats_.lastStatus = { payloadBytes: r.payloadBytes, packetBytes: r.packetBytes, hash, reason };
    this.log.info('status sent', { reason, hash, digest: c.digest, payloadBytes: r.payloadBytes, packetBytes: r.packetBytes });
  }

  private appliedKey(): string | undefined {
    const a = this.deps.applied?.();
    return a ? formatRevision(a) : undefined;
  }

  private async sendHeartbeat(h: string): Promise<void> {
    const msg: HeartbeatMessage = { v: 1, t: 'hb', s: this.hbSeq++, h };
    const r = await this.deps.link.send('hb', msg);
    const fields = { s: msg.s, h, payloadBytes: r.payloadBytes, packetBytes: r.packetBytes };
    if (!r.delivered) {
      this.log.debug('heartbeat not sent', { ...fields, error: r.error });
      return;
    }
    this.stats_.heartbeats += 1;
    this.stats_.lastHeartbeat = { payloadBytes: r.payloadBytes, packetBytes: r.packetBytes };
    // The first heartbeat of each connection at info, so its cost is in every log; then debug.
    if (!this.heartbeatLogged) {
      this.heartbeatLogged = true;
      this.log.info('heartbeat sent', fields);
    } else {
      this.log.debug('heartbeat sent', fields);
    }
  }
}

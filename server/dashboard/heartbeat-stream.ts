/**
 * The fleet page's heartbeat feed: one timer for every viewer, a snapshot on connect, then at
 * most one delta per `intervalMs` holding only the nodes heard from since the last one. Ages
 * are sent relative to the hub's `now` so the browser needs no clock agreement with the hub.
 * A viewer that reads too slowly (more than `maxBufferedBytes` queued) is cut off; it
 * reconnects and starts from a fresh snapshot.
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../../shared/util/clock.js';
import type { Logger } from '../../shared/util/logger.js';
import type { HeartbeatRing } from './heartbeat-ring.js';

export interface HeartbeatStreamLimits {
  intervalMs: number;
  /** An empty delta goes out this often, to keep proxies and the browser's clock offset fresh. */
  keepaliveMs: number;
  maxBufferedBytes: number;
  maxViewers: number;
}

/** One line of the stream: `ages` maps node → milliseconds since its last heartbeat at `now`. */
export interface HeartbeatFrame {
  type: 'snapshot' | 'delta';
  now: number;
  graceMs: number;
  ages: Record<string, number>;
}

export class HeartbeatStream {
  private readonly viewers = new Set<ServerResponse>();
  private stopTimer: (() => void) | undefined;
  private sinceKeepalive = 0;

  constructor(
    private readonly deps: { ring: HeartbeatRing; clock: Clock; logger: Logger; graceMs: number; limits: HeartbeatStreamLimits },
  ) {}

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** False when the hub already serves `maxViewers` streams. */
  attach(res: ServerResponse): boolean {
    if (this.viewers.size >= this.deps.limits.maxViewers) return false;
    if (this.viewers.size === 0) {
      this.deps.ring.takeChanged(); // the snapshot below covers everything heard so far
      this.schedule();
    }
    this.viewers.add(res);
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
    this.write(res, this.frame('snapshot', this.deps.ring.lastAll()));
    res.on('close', () => {
      this.viewers.delete(res);
      if (this.viewers.size === 0) this.stop();
    });
    return true;
  }

  closeAll(): void {
    this.stop();
    for (const v of this.viewers) v.destroy();
    this.viewers.clear();
  }

  private frame(type: HeartbeatFrame['type'], last: ReadonlyMap<string, number>): string {
    const now = this.deps.clock.now().getTime();
    const ages: Record<string, number> = {};
    for (const [node, t] of last) ages[node] = Math.max(0, now - t);
    const f: HeartbeatFrame = { type, now, graceMs: this.deps.graceMs, ages };
    return JSON.stringify(f) + '\n';
  }

  private write(res: ServerResponse, line: string): void {
    res.write(line);
    if (res.writableLength > this.deps.limits.maxBufferedBytes) {
      this.deps.logger.warn('heartbeat viewer too slow, disconnected', { queuedBytes: res.writableLength });
      res.destroy();
    }
  }

  private schedule(): void {
    this.stopTimer = this.deps.clock.setTimer(() => this.tick(), this.deps.limits.intervalMs);
  }

  private stop(): void {
    this.stopTimer?.();
    this.stopTimer = undefined;
  }

  private tick(): void {
    const changed = this.deps.ring.takeChanged();
    this.sinceKeepalive += this.deps.limits.intervalMs;
    if (changed.size > 0 || this.sinceKeepalive >= this.deps.limits.keepaliveMs) {
      this.sinceKeepalive = 0;
      const line = this.frame('delta', changed);
      for (const v of this.viewers) this.write(v, line);
    }
    if (this.viewers.size > 0) this.schedule();
  }
}

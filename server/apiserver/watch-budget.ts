/**
 * The memory all watch streams together may hold in send buffers. Each open watch gets a share
 * of the global cap (the cap over the number of open watches, never more than the per-watch
 * cap); a watch whose client does not read, so that its buffer grows past its share, is closed
 * and logged. A client that reads keeps its buffer near zero and is never affected; one that is
 * cut off resumes from its last resourceVersion, as Kubernetes clients do. The sum of what is
 * tracked stays under the cap (plus at most one event per watch in flight).
 */
import type { Logger } from '../../shared/util/logger.js';

export interface WatchBudgetLimits {
  /** Bytes one watch may hold buffered at most. */
  maxBufferedBytes: number;
  /** Bytes all watches together may hold buffered. */
  maxTotalBufferedBytes: number;
}

export const DEFAULT_WATCH_MEMORY_CAP_BYTES = 64 * 1024 * 1024;

export class WatchAccount {
  private bytes = 0;
  private open = true;

  constructor(
    private readonly budget: WatchBudget,
    readonly fields: Record<string, unknown>,
    private readonly drop: () => void,
  ) {}

  get buffered(): number {
    return this.bytes;
  }

  /** Tracks what the watch now holds buffered; true when that is within its share. */
  track(bytes: number): boolean {
    if (!this.open) return false;
    this.budget.moved(bytes - this.bytes);
    this.bytes = bytes;
    return bytes <= this.budget.share();
  }

  /** As track(), and a watch over its share is dropped: false then. */
  update(bytes: number): boolean {
    if (this.track(bytes)) return true;
    if (this.open) this.budget.dropWatch(this, 'client not reading');
    return false;
  }

  /** Dropped by the budget: closes the stream. */
  cutOff(): void {
    this.close();
    this.drop();
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.budget.closed(this);
  }
}

export class WatchBudget {
  private readonly accounts = new Set<WatchAccount>();
  private total = 0;
  private readonly log: Logger;

  constructor(
    private readonly limits: WatchBudgetLimits,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'watch-budget' });
  }

  /** Bytes all open watches hold buffered, as last tracked. */
  get totalBytes(): number {
    return this.total;
  }

  /** What one watch may hold now. */
  share(): number {
    return Math.min(this.limits.maxBufferedBytes, Math.floor(this.limits.maxTotalBufferedBytes / Math.max(1, this.accounts.size)));
  }

  /** A new watch; `drop` closes its stream. Watches already over the smaller share are dropped. */
  open(fields: Record<string, unknown>, drop: () => void): WatchAccount {
    const account = new WatchAccount(this, fields, drop);
    this.accounts.add(account);
    const share = this.share();
    for (const a of [...this.accounts]) if (a.buffered > share) this.dropWatch(a, 'over its share after a new watch opened');
    return account;
  }

  moved(delta: number): void {
    this.total += delta;
  }

  closed(account: WatchAccount): void {
    if (!this.accounts.delete(account)) return;
    this.total -= account.buffered;
  }

  dropWatch(account: WatchAccount, why: string): void {
    this.log.warn('watch dropped', {
      ...account.fields,
      why,
      bufferedBytes: account.buffered,
      shareBytes: this.share(),
      totalBufferedBytes: this.total,
      capBytes: this.limits.maxTotalBufferedBytes,
      watches: this.accounts.size,
    });
    account.cutOff();
  }
}

/**
 * Credit-based flow control of one stream direction (stream-messages.ts). Pure bookkeeping:
 * the sender's window, and the receiver's running totals and when to acknowledge.
 */

/** Bytes to send, with what the caller tagged them with. */
export interface Frame<Tag> {
  data: Buffer;
  tag: Tag;
}

/**
 * The sender's side: bytes sent and not yet acknowledged never exceed the window. What the
 * caller offers beyond it waits here until acks make room; the caller stops reading its source
 * while `open` is false, so the wait stays around one read's worth.
 */
export class SendWindow<Tag = undefined> {
  private sent = 0;
  private acked = 0;
  private pending: Frame<Tag>[] = [];
  private pendingSize = 0;

  constructor(
    readonly window: number,
    private readonly maxFrame: number,
  ) {}

  get inFlight(): number {
    return this.sent - this.acked;
  }

  get pendingBytes(): number {
    return this.pendingSize;
  }

  /** True while the caller may offer more without it piling up here. */
  get open(): boolean {
    return this.pendingSize === 0 && this.inFlight < this.window;
  }

  /** Queues bytes (with a tag, e.g. their channel); returns the frames that may be sent now, in order. */
  offer(data: Buffer, tag: Tag): Frame<Tag>[] {
    if (data.length > 0) {
      this.pending.push({ data, tag });
      this.pendingSize += data.length;
    }
    return this.release();
  }

  /** The peer's running total; returns the frames it makes room for, or undefined when it acknowledges bytes never sent or goes backwards. */
  ack(total: number): Frame<Tag>[] | undefined {
    if (total < this.acked || total > this.sent) return undefined;
    this.acked = total;
    return this.release();
  }

  private release(): Frame<Tag>[] {
    const out: Frame<Tag>[] = [];
    while (this.pendingSize > 0 && this.inFlight < this.window) {
      const head = this.pending[0];
      if (!head) break;
      const take = Math.min(head.data.length, this.maxFrame, this.window - this.inFlight);
      out.push({ data: head.data.subarray(0, take), tag: head.tag });
      if (take === head.data.length) this.pending.shift();
      else this.pending[0] = { data: head.data.subarray(take), tag: head.tag };
      this.pendingSize -= take;
      this.sent += take;
    }
    return out;
  }
}

/** The receiver's side: what arrived, what was delivered, and when to tell the sender. */
export class ReceiveWindow {
  private received = 0;
  private delivered = 0;
  private acked = 0;

  constructor(readonly window: number) {}

  /** False when the sender overran the window (a misbehaving peer). */
  arrive(bytes: number): boolean {
    this.received += bytes;
    return this.received - this.acked <= this.window;
  }

  /** Bytes were written out; returns the total to acknowledge now, if it is time. */
  deliver(bytes: number): number | undefined {
    this.delivered += bytes;
    // Acknowledge in quarters of the window (or when everything arrived was delivered) so a
    // bulk transfer sends few acks and an interactive one is never left waiting.
    if (this.delivered - this.acked >= this.window / 4 || this.delivered === this.received) {
      if (this.delivered === this.acked) return undefined;
      this.acked = this.delivered;
      return this.acked;
    }
    return undefined;
  }
}

/**
 * Credit-based flow control of one stream direction (stream-messages.ts). Pure bookkeeping:
 * the sender's window, and the receiver's running totals and when to acknowledge.
 */

/** The sender's side: bytes sent and not yet acknowledged stay within the window. */
export class SendWindow {
  private sent = 0;
  private acked = 0;

  constructor(readonly window: number) {}

  get inFlight(): number {
    return this.sent - this.acked;
  }

  /** True while the peer has room: more may be sent. */
  get open(): boolean {
    return this.inFlight < this.window;
  }

  add(bytes: number): void {
    this.sent += bytes;
  }

  /** The peer's running total; false when it acknowledges bytes never sent or goes backwards. */
  ack(total: number): boolean {
    if (total < this.acked || total > this.sent) return false;
    this.acked = total;
    return true;
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

/**
 * Admission of CONNECTs to authentication during a storm. At most `maxInFlight` run at once;
 * the next ones wait in arrival order (at most `maxQueued`, each at most `maxWaitMs`) and start
 * as soon as a slot frees, so the hub never idles while devices are waiting for it. Past either
 * bound a CONNECT is refused at once as busy (CONNACK 3), which agents back off from. A waiter
 * whose device gave up (socket closed) is dropped unseen: the hub never verifies and persists an
 * attempt nobody waits for any more. Refusing instead of waiting made devices back off up to
 * their 30 s cap while the hub had room, and the last of a fleet trickled in for minutes.
 */

export interface AdmissionLimits {
  maxInFlight: number;
  maxQueued: number;
  maxWaitMs: number;
}

export interface Candidate {
  /** Authenticates; settles when done (either way). */
  run: () => Promise<unknown>;
  /** Answers busy (CONNACK 3) and closes. */
  refuse: () => void;
  /** The device is gone (its socket closed). */
  gone: () => boolean;
}

interface Waiter {
  c: Candidate;
  at: number;
}

export type Admitted = 'running' | 'queued' | 'refused';

export class AuthAdmission {
  private inFlight = 0;
  private queue: Waiter[] = [];
  /** Index of the queue's head (the array is compacted now and then, not shifted per waiter). */
  private head = 0;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly now: () => number,
  ) {}

  get waiting(): number {
    return this.queue.length - this.head;
  }

  admit(c: Candidate): Admitted {
    if (this.inFlight < this.limits.maxInFlight && this.waiting === 0) {
      this.start(c);
      return 'running';
    }
    if (this.waiting >= this.limits.maxQueued) {
      c.refuse();
      return 'refused';
    }
    this.queue.push({ c, at: this.now() });
    return 'queued';
  }

  /** Refuses the waiters past `maxWaitMs` and drops the gone ones (called on a timer). */
  sweep(): void {
    const t = this.now();
    while (this.head < this.queue.length) {
      const w = this.queue[this.head];
      if (!w) break;
      if (w.c.gone()) this.head += 1;
      else if (t - w.at > this.limits.maxWaitMs) {
        this.head += 1;
        w.c.refuse();
      } else break; // in arrival order: the rest waited less
    }
    this.compact();
  }

  private start(c: Candidate): void {
    this.inFlight += 1;
    void c
      .run()
      .catch(() => undefined)
      .finally(() => {
        this.inFlight -= 1;
        this.next();
      });
  }

  private next(): void {
    this.sweep();
    while (this.inFlight < this.limits.maxInFlight && this.head < this.queue.length) {
      const w = this.queue[this.head];
      this.head += 1;
      if (w && !w.c.gone()) this.start(w.c);
    }
    this.compact();
  }

  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * Token buckets keyed by a name (one per node, say): each holds up to `burst` tokens and refills
 * at `perSecond`. Memory is bounded: past `maxTracked` keys the least recently used bucket is
 * forgotten (it comes back full, which costs at most one burst).
 */

export interface TokenBucketLimit {
  burst: number;
  perSecond: number;
  maxTracked: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: TokenBucketLimit,
    private readonly now: () => number,
  ) {}

  /** Takes up to `n` tokens from `key`'s bucket; returns how many it got (0 ≤ result ≤ n). */
  take(key: string, n: number): number {
    const t = this.now();
    const b = this.buckets.get(key);
    let tokens = this.limit.burst;
    if (b) {
      this.buckets.delete(key); // re-inserted below: most recently used last
      tokens = Math.min(this.limit.burst, b.tokens + (Math.max(0, t - b.at) / 1000) * this.limit.perSecond);
    } else if (this.buckets.size >= this.limit.maxTracked) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    const got = Math.max(0, Math.min(n, Math.floor(tokens)));
    this.buckets.set(key, { tokens: tokens - got, at: t });
    return got;
  }
}

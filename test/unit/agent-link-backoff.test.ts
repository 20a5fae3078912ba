import assert from 'node:assert/strict';
import { RECONNECT_BACKOFF, type LinkState } from '../../agent/link/index.js';
import { failAttempt, flush, harness, retry, started } from '../support/link-rig.js';
import { prng } from '../support/prng.js';

describe('agent link: reconnect backoff on fake time', () => {
  const ceiling = (n: number): number => Math.min(RECONNECT_BACKOFF.maxMs, RECONNECT_BACKOFF.initialMs * 2 ** n);

  it('the policy is 1 s doubling to 15 s with full jitter', () => {
    assert.deepEqual(RECONNECT_BACKOFF, { initialMs: 1000, maxMs: 15_000, factor: 2, jitter: 1 });
  });

  it('grows exponentially and caps at 15 s (jitter pinned at its top)', async () => {
    const h = harness({ random: () => 0.999999 });
    await started(h);
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const d = await failAttempt(h);
      delays.push(d);
      await retry(h, d);
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 15_000, 15_000, 15_000, 15_000, 15_000, 15_000]);
    assert.deepEqual(h.states.filter((s) => s.state === 'backoff').map((s) => s.failures), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('jittered delays stay within [0, min(15 s, 1 s·2^n)] and are spread out', async () => {
    const h = harness({ random: prng(42) });
    await started(h);
    const delays: number[] = [];
    for (let n = 0; n < 12; n++) {
      const d = await failAttempt(h);
      assert.ok(d >= 0 && d <= ceiling(n), `attempt ${n}: ${d} ms outside [0, ${ceiling(n)}]`);
      delays.push(d);
      await retry(h, d);
    }
    assert.ok(delays.slice(-4).some((d) => d !== ceiling(11)), 'not all at the cap: jitter applied');
  });

  it('a fleet restarting together spreads its first retries over the whole first window', async () => {
    const delays: number[] = [];
    const random = prng(7);
    for (let i = 0; i < 200; i++) {
      const h = harness({ random });
      await started(h);
      delays.push(await failAttempt(h));
    }
    assert.ok(Math.min(...delays) < 100 && Math.max(...delays) > 900, `spread ${Math.min(...delays)}..${Math.max(...delays)}`);
    const buckets = new Set(delays.map((d) => Math.floor(d / 100)));
    assert.ok(buckets.size >= 9, `delays fall into ${buckets.size} of 10 buckets`);
  });

  it('resets after a connection that stayed up (stableAfterMs), not after one that dropped at once', async () => {
    const h = harness({ random: () => 0.999999, stableAfterMs: 10_000 });
    await started(h);
    for (let i = 0; i < 4; i++) await retry(h, await failAttempt(h));
    // Online, then dropped at once: a flapping broker keeps the delays growing.
    await h.online();
    h.conn().close();
    await flush();
    assert.equal(h.link.status().retryInMs, 15_000);
    await retry(h, 15_000);
    // Online long enough: the count resets and the next delay is back to the first window.
    await h.online();
    h.clock.advance(10_000);
    h.conn().close();
    await flush();
    const s = h.link.status();
    assert.equal(s.state, 'backoff');
    assert.equal(s.failures, 1);
    assert.equal(s.retryInMs, 1000);
  });

  it('reports its state through status() and onState', async () => {
    const h = harness();
    const seen: LinkState[] = [];
    const off = h.link.onState((s) => seen.push(s.state));
    await started(h);
    await h.online();
    off();
    h.conn().close();
    await flush();
    assert.deepEqual(seen, ['connecting', 'online']);
    assert.equal(h.link.status().state, 'backoff');
    assert.equal(h.link.status().since.getTime(), h.clock.now().getTime());
  });
});

/** The watch budget: shares of the global cap, drops of watches over their share. */
import assert from 'node:assert/strict';
import { silentLogger } from '../../shared/util/logger.js';
import { WatchBudget } from '../../server/apiserver/watch-budget.js';

describe('watch budget', () => {
  it('gives each watch its share of the cap, never more than the per-watch cap', () => {
    const b = new WatchBudget({ maxBufferedBytes: 300, maxTotalBufferedBytes: 1000 }, silentLogger);
    const a = b.open({}, () => undefined);
    assert.equal(b.share(), 300);
    const others = Array.from({ length: 4 }, () => b.open({}, () => undefined));
    assert.equal(b.share(), 200);
    a.close();
    for (const o of others) o.close();
    assert.equal(b.totalBytes, 0);
  });

  it('drops a watch over its share and forgets its bytes; one that reads is kept', () => {
    const b = new WatchBudget({ maxBufferedBytes: 1000, maxTotalBufferedBytes: 1000 }, silentLogger);
    const dropped: string[] = [];
    const slow = b.open({}, () => dropped.push('slow'));
    const fast = b.open({}, () => dropped.push('fast'));
    assert.equal(slow.update(400), true);
    assert.equal(fast.update(450), true);
    assert.equal(b.totalBytes, 850);
    assert.equal(fast.update(0), true, 'drained');
    assert.equal(slow.update(501), false);
    assert.deepEqual(dropped, ['slow']);
    assert.equal(b.totalBytes, 0);
    assert.equal(slow.update(10), false, 'a dropped watch tracks nothing more');
    assert.equal(b.totalBytes, 0);
    assert.equal(fast.update(900), true, 'alone now: the whole cap is its share');
  });

  it('a new watch shrinks the shares: one already over the new share is dropped', () => {
    const b = new WatchBudget({ maxBufferedBytes: 1000, maxTotalBufferedBytes: 1000 }, silentLogger);
    const dropped: number[] = [];
    const first = b.open({}, () => dropped.push(1));
    first.track(800);
    b.open({}, () => dropped.push(2));
    assert.deepEqual(dropped, [1]);
    assert.equal(b.totalBytes, 0);
  });

  it('track() reports being over the share without dropping (the initial state waits for drain instead)', () => {
    const b = new WatchBudget({ maxBufferedBytes: 100, maxTotalBufferedBytes: 1000 }, silentLogger);
    let dropped = false;
    const w = b.open({}, () => (dropped = true));
    assert.equal(w.track(150), false);
    assert.equal(dropped, false);
    assert.equal(w.track(0), true);
  });
});

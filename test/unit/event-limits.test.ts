/** Event limits on fake time: the per-node token bucket, the drop summary, and the TTL planner. */
import assert from 'node:assert/strict';
import type { Event } from '../../shared/api/types/index.js';
import { createJsonLogger } from '../../shared/util/logger.js';
import { TokenBuckets } from '../../shared/util/token-bucket.js';
import { planEventTtl } from '../../server/controllers/event-ttl/index.js';
import { AGENT_EVENT_COMPONENT, NodeEventLimiter } from '../../server/events/node-rate-limit.js';
import type { EventSink, EventSource } from '../../server/events/recorder.js';
import { FakeClock } from '../support/fake-clock.js';

describe('token buckets', () => {
  it('gives a burst, then refills at the rate, per key', () => {
    let t = 0;
    const b = new TokenBuckets({ burst: 5, perSecond: 2, maxTracked: 10 }, () => t);
    assert.equal(b.take('a', 8), 5);
    assert.equal(b.take('a', 1), 0);
    assert.equal(b.take('b', 3), 3, 'another key has its own bucket');
    t = 1500;
    assert.equal(b.take('a', 10), 3);
    t = 100_000;
    assert.equal(b.take('a', 10), 5, 'never more than the burst');
  });

  it('forgets the least recently used key past maxTracked', () => {
    const b = new TokenBuckets({ burst: 1, perSecond: 0.001, maxTracked: 2 }, () => 0);
    assert.equal(b.take('a', 1), 1);
    assert.equal(b.take('b', 1), 1);
    assert.equal(b.take('a', 1), 0);
    assert.equal(b.take('c', 1), 1); // forgets b, the least recently used
    assert.equal(b.take('a', 1), 0, 'a is still tracked');
    assert.equal(b.take('b', 1), 1, 'b came back full');
  });
});

describe('per-node event rate limit', () => {
  it('drops the excess, attributes recorded events to the node, and logs one summary per node per interval', () => {
    const clock = new FakeClock();
    const lines: Record<string, unknown>[] = [];
    const logger = createJsonLogger((l) => lines.push(JSON.parse(l) as Record<string, unknown>), { level: 'info', now: () => clock.now() });
    const recorded: EventSource[] = [];
    const sink: EventSink = { record: (_i, _t, _r, _m, source) => void recorded.push(source ?? { component: 'none' }) };
    const limiter = new NodeEventLimiter(sink, { burst: 3, perSecond: 1, maxTracked: 100, summaryIntervalMs: 10_000 }, clock, logger);
    const results = Array.from({ length: 1000 }, (_, i) => limiter.record('pi-flood', { kind: 'Node', name: 'pi-flood' }, 'Warning', 'Spam', `spam ${i}`));
    assert.equal(results.filter(Boolean).length, 3);
    assert.deepEqual(recorded[0], { component: AGENT_EVENT_COMPONENT, host: 'pi-flood' });
    assert.equal(limiter.admit('pi-quiet', 2), 2, 'another node is not affected');
    assert.equal(lines.length, 0, 'no line per dropped event');
    clock.advance(10_000);
    assert.deepEqual(lines.map((l) => [l['msg'], l['node'], l['dropped']]), [['node events dropped: over its rate limit', 'pi-flood', 997]]);
    assert.equal(limiter.admit('pi-flood', 20), 3, 'refilled at 1/s, up to the burst');
    clock.advance(10_000);
    assert.equal(lines.length, 2);
    assert.equal(lines[1]?.['dropped'], 17);
    limiter.close();
  });
});

describe('event TTL planner', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const ev = (times: Partial<Pick<Event, 'lastTimestamp' | 'eventTime' | 'firstTimestamp'>> & { created?: string; series?: string }): Event => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e', namespace: 'default', ...(times.created ? { creationTimestamp: times.created } : {}) },
    involvedObject: { kind: 'Node', name: 'pi' },
    ...(times.lastTimestamp ? { lastTimestamp: times.lastTimestamp } : {}),
    ...(times.eventTime ? { eventTime: times.eventTime } : {}),
    ...(times.series ? { series: { count: 2, lastObservedTime: times.series } } : {}),
  });
  const hour = 3_600_000;
  const rows: { name: string; event: Event; step: ReturnType<typeof planEventTtl> }[] = [
    { name: 'created an hour ago: deleted', event: ev({ created: '2026-01-01T11:00:00Z' }), step: { kind: 'delete' } },
    { name: 'created 10 min ago: waits 50 min', event: ev({ created: '2026-01-01T11:50:00Z' }), step: { kind: 'wait', afterMs: 50 * 60_000 } },
    { name: 'old but seen again 1 min ago: waits', event: ev({ created: '2026-01-01T09:00:00Z', lastTimestamp: '2026-01-01T11:59:00Z' }), step: { kind: 'wait', afterMs: 59 * 60_000 } },
    { name: 'series observed recently keeps it', event: ev({ created: '2026-01-01T09:00:00Z', series: '2026-01-01T11:30:00Z' }), step: { kind: 'wait', afterMs: 30 * 60_000 } },
    { name: 'eventTime counts too', event: ev({ eventTime: '2026-01-01T11:45:00.000000Z' }), step: { kind: 'wait', afterMs: 45 * 60_000 } },
    { name: 'no time at all: deleted', event: ev({}), step: { kind: 'delete' } },
  ];
  for (const r of rows) it(r.name, () => assert.deepEqual(planEventTtl(r.event, now, hour), r.step));
});

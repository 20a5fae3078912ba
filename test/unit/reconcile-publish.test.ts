import assert from 'node:assert/strict';
import { PodEventRecorder } from '../../agent/pods/events.js';
import { PodStatusPublisher } from '../../agent/pods/publisher.js';
import type { EventsMessage, PodsMessage, PodStatusReport } from '../../shared/protocol/messages.js';
import { silentLogger } from '../../shared/util/logger.js';
import { FakeClock } from '../support/fake-clock.js';

const report = (uid: string, phase: string, deleted = false): PodStatusReport => ({
  uid,
  namespace: 'default',
  name: `p-${uid}`,
  status: { phase },
  ...(deleted ? { deleted: true as const } : {}),
});

describe('pod status publisher: on change only, until delivered', () => {
  it('sends changes once; resends after a failed send; forgets pods that went', async () => {
    const sent: PodsMessage[] = [];
    let online = false;
    const pub = new PodStatusPublisher((m) => {
      if (online) sent.push(m);
      return Promise.resolve(online);
    }, silentLogger);
    pub.update([report('a', 'Pending'), report('b', 'Running')]);
    await pub.flush();
    assert.equal(sent.length, 0);
    assert.equal(pub.pending().length, 2, 'kept while offline');
    online = true;
    await pub.flush();
    assert.deepEqual(sent.map((m) => m.pods.map((p) => `${p.uid}:${String(p.status['phase'])}`)), [['a:Pending', 'b:Running']]);
    pub.update([report('a', 'Pending'), report('b', 'Running')]);
    await pub.flush();
    assert.equal(sent.length, 1, 'unchanged: nothing sent');
    pub.update([report('a', 'Running'), report('b', 'Running', true)]);
    await pub.flush();
    assert.deepEqual(sent[1]?.pods.map((p) => `${p.uid}:${String(p.status['phase'])}:${String(p.deleted ?? false)}`), ['a:Running:false', 'b:Running:true']);
    pub.update([report('a', 'Running')]);
    assert.deepEqual(pub.reports().map((r) => r.uid), ['a']);
  });

  it('batches many pods', async () => {
    const sent: PodsMessage[] = [];
    const pub = new PodStatusPublisher((m) => {
      sent.push(m);
      return Promise.resolve(true);
    }, silentLogger, 2);
    pub.update(['1', '2', '3'].map((u) => report(u, 'Running')));
    await pub.flush();
    assert.deepEqual(sent.map((m) => m.pods.length), [2, 1]);
  });
});

describe('pod event recorder', () => {
  const pod = { uid: 'u', namespace: 'default', name: 'p' };

  it('aggregates repeats into a count and sends when the link takes them', async () => {
    const clock = new FakeClock();
    const sent: EventsMessage[] = [];
    let online = false;
    const rec = new PodEventRecorder((m) => {
      if (online) sent.push(m);
      return Promise.resolve(online);
    }, clock, silentLogger);
    rec.record(pod, 'Warning', 'BackOff', 'Back-off restarting failed container app in pod p_default(u)');
    clock.advance(10_000);
    rec.record(pod, 'Warning', 'BackOff', 'Back-off restarting failed container app in pod p_default(u)');
    rec.record(pod, 'Normal', 'Pulled', 'Container image "x" already present on machine');
    await rec.flush();
    assert.equal(rec.pending().length, 2);
    online = true;
    await rec.flush();
    const evs = sent[0]?.events ?? [];
    assert.deepEqual(evs.map((e) => `${e.reason}×${e.count ?? 1}`), ['BackOff×2', 'Pulled×1']);
    assert.equal(evs[0]?.firstTimestamp, '2026-01-01T00:00:00Z');
    assert.equal(evs[0]?.lastTimestamp, '2026-01-01T00:00:10Z');
    assert.deepEqual(evs[0]?.involved, { kind: 'Pod', namespace: 'default', name: 'p', uid: 'u' });
    assert.equal(rec.pending().length, 0);
  });

  it('keeps at most the bound while offline (oldest dropped); long messages truncated', () => {
    const rec = new PodEventRecorder(() => Promise.resolve(false), new FakeClock(), silentLogger, 3);
    for (let i = 0; i < 5; i++) rec.record(pod, 'Normal', 'Started', `Started container c${i}`);
    assert.deepEqual(rec.pending().map((e) => e.message), ['Started container c2', 'Started container c3', 'Started container c4']);
    rec.record(pod, 'Warning', 'Failed', 'x'.repeat(5000));
    assert.equal(rec.pending().at(-1)?.message.length, 1024);
  });
});

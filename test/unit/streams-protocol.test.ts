/** The stream link protocol's pure parts: schemas (device input is bounded), credit windows. */
import assert from 'node:assert/strict';
import { decodeAgentMessage, decodeHubMessage, encode, ProtocolError, STREAM_MAX_FRAME_BYTES, type StreamInMessage, type StreamOutMessage } from '../../shared/protocol/index.js';
import { ReceiveWindow, SendWindow } from '../../shared/protocol/stream-flow.js';

const out = (m: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify({ v: 1, t: 'streamOut', id: 'abc', ...m }));

describe('stream messages', function () {
  it('round-trips every op in both directions', function () {
    const msgs: StreamOutMessage[] = [
      { v: 1, t: 'streamOut', op: 'opened', id: 'abc' },
      { v: 1, t: 'streamOut', op: 'data', id: 'abc', seq: 0, ch: 2, data: Buffer.from('hi').toString('base64') },
      { v: 1, t: 'streamOut', op: 'end', id: 'abc', exitCode: 3 },
    ];
    for (const m of msgs) assert.deepEqual(decodeAgentMessage('stream-out', encode(m)), m);
    const open: StreamInMessage = { v: 1, t: 'streamIn', op: 'open', id: 'x1', kind: 'exec', namespace: 'default', pod: 'p', container: 'c', command: ['sh', '-c', 'true'], stdin: true, stdout: true, stderr: false, tty: true, window: 65536 };
    assert.deepEqual(decodeHubMessage('stream-in', encode(open)), open);
  });

  it('refuses from a device: oversized or non-base64 data, a bad channel, a bad id, an unknown op', function () {
    const big = Buffer.alloc(STREAM_MAX_FRAME_BYTES + 3).toString('base64');
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ op: 'data', seq: 0, ch: 1, data: big }, /data/],
      [{ op: 'data', seq: 0, ch: 1, data: 'not base64!' }, /data/],
      [{ op: 'data', seq: 0, ch: 3, data: 'aGk=' }, /ch/],
      [{ op: 'data', seq: -1, ch: 1, data: 'aGk=' }, /seq/],
      [{ op: 'ack', bytes: 1.5 }, /bytes/],
      [{ op: 'opened', error: 'x'.repeat(2000) }, /error/],
      [{ op: 'explode' }, /op/],
      [{ op: 'eof', id: 'a/b' }, /id/],
    ];
    for (const [m, field] of cases) assert.throws(() => decodeAgentMessage('stream-out', out(m)), (e: unknown) => e instanceof ProtocolError && field.test(e.message), JSON.stringify(m).slice(0, 80));
  });

  it('refuses an open without what its kind needs', function () {
    const base = { v: 1, t: 'streamIn', op: 'open', id: 'x', namespace: 'default', pod: 'p', container: 'c', stdin: false, stdout: true, stderr: true, tty: false, window: 65536 };
    assert.throws(() => decodeHubMessage('stream-in', Buffer.from(JSON.stringify({ ...base, kind: 'exec' }))), /command/);
    assert.throws(() => decodeHubMessage('stream-in', Buffer.from(JSON.stringify({ ...base, kind: 'portforward' }))), /port/);
    assert.throws(() => decodeHubMessage('stream-in', Buffer.from(JSON.stringify({ ...base, kind: 'attach', window: 10 ** 9 }))), /window/);
  });
});

describe('stream credit windows', function () {
  it('never has more than the window in flight; the rest waits, in order, with its tag', function () {
    const w = new SendWindow<number>(100, 40);
    const first = w.offer(Buffer.alloc(150, 1), 1);
    assert.deepEqual(first.map((f) => f.data.length), [40, 40, 20]);
    assert.equal(w.inFlight, 100);
    assert.equal(w.pendingBytes, 50);
    assert.equal(w.open, false);
    assert.deepEqual(w.offer(Buffer.alloc(10, 2), 2), []);
    const next = w.ack(60) ?? [];
    assert.deepEqual(next.map((f) => [f.data.length, f.tag]), [[40, 1], [10, 1], [10, 2]]);
    assert.equal(w.inFlight, 100);
    assert.equal(w.ack(200), undefined, 'an ack for bytes never sent');
    assert.equal(w.ack(10), undefined, 'an ack going backwards');
    assert.deepEqual(w.ack(160), []);
    assert.equal(w.open, true);
  });

  it('the receiver spots an overrun and acknowledges in quarters or when caught up', function () {
    const r = new ReceiveWindow(100);
    assert.equal(r.arrive(60), true);
    assert.equal(r.deliver(10), undefined);
    assert.equal(r.deliver(20), 30);
    assert.equal(r.deliver(30), 60);
    assert.equal(r.arrive(100), true);
    assert.equal(r.arrive(1), false, 'past the window');
  });
});

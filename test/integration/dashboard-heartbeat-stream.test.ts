// The heartbeat feed over a real HTTP connection on fake time: a snapshot on connect, then one
// delta per interval holding only the nodes heard from, keepalives when nothing changed, and a
// cap on viewers.
import assert from 'node:assert/strict';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeartbeatRing } from '../../server/dashboard/heartbeat-ring.js';
import { HeartbeatStream, type HeartbeatFrame } from '../../server/dashboard/heartbeat-stream.js';
import { silentLogger } from '../../shared/util/logger.js';
import { FakeClock } from '../support/fake-clock.js';
import { until } from '../support/wait.js';

describe('dashboard heartbeat stream', function () {
  let server: Server;
  let clock: FakeClock;
  let ring: HeartbeatRing;
  let stream: HeartbeatStream;
  const open: IncomingMessage[] = [];

  /** Connects a viewer; frames arrive in the returned array. */
  const viewer = async (): Promise<{ status: number; frames: HeartbeatFrame[] }> => {
    const port = (server.address() as AddressInfo).port;
    const frames: HeartbeatFrame[] = [];
    const res = await new Promise<IncomingMessage>((resolve) => get({ host: '127.0.0.1', port }, resolve));
    open.push(res);
    let rest = '';
    res.on('data', (c: Buffer) => {
      rest += c.toString();
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) frames.push(JSON.parse(l) as HeartbeatFrame);
    });
    return { status: res.statusCode ?? 0, frames };
  };

  beforeEach(async function () {
    clock = new FakeClock(1_000_000);
    ring = new HeartbeatRing();
    stream = new HeartbeatStream({ ring, clock, logger: silentLogger, graceMs: 40_000, limits: { intervalMs: 500, keepaliveMs: 5_000, maxBufferedBytes: 1 << 20, maxViewers: 2 } });
    server = createServer((_req, res) => {
      if (!stream.attach(res)) {
        res.writeHead(429);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterEach(async function () {
    for (const r of open.splice(0)) r.destroy();
    stream.closeAll();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('sends a snapshot, then batched deltas of only the nodes heard from, with ages at the hub clock', async function () {
    ring.record('a', 990_000);
    ring.record('b', 999_000);
    const v = await viewer();
    await until('snapshot', () => (v.frames.length >= 1 ? true : undefined));
    assert.deepEqual(v.frames[0], { type: 'snapshot', now: 1_000_000, graceMs: 40_000, ages: { a: 10_000, b: 1_000 } });

    for (let i = 0; i < 50; i++) {
      clock.advance(5);
      ring.record('a', clock.now().getTime());
    }
    clock.advance(250);
    await until('one delta', () => (v.frames.length >= 2 ? true : undefined));
    assert.deepEqual(v.frames[1]?.ages, { a: 495 }, 'many arrivals (merged by the ring), one entry at its last arrival; b did not change');
    assert.equal(v.frames[1]?.type, 'delta');

    clock.advance(2_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(v.frames.length, 2, 'nothing changed: no frame before the keepalive');
    clock.advance(3_000);
    await until('keepalive', () => (v.frames.length >= 3 ? true : undefined));
    assert.deepEqual(v.frames[2]?.ages, {});
  });

  it('refuses viewers past the cap and stops its timer when the last one leaves', async function () {
    await viewer();
    await viewer();
    assert.equal((await viewer()).status, 429);
    assert.equal(stream.viewerCount, 2);
    for (const r of open.splice(0)) r.destroy();
    await until('viewers gone', () => (stream.viewerCount === 0 ? true : undefined));
    assert.equal(clock.pendingTimers, 0);
  });
});

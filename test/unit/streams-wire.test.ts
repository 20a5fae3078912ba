/** The hub's WebSocket framing and SPDY framing, and the stream relay's checks on device frames. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { inflateSync } from 'node:zlib';
import { acceptKey, encodeFrame, WebSocket } from '../../server/apiserver/websocket.js';
import { parseHeaderBlock, SpdyFrameReader, spdyDictionary, SynReplyWriter } from '../../server/apiserver/spdy-frames.js';
import { endStatus, parseResize } from '../../server/apiserver/exec-channels.js';
import { StreamRelay } from '../../server/link/stream-relay.js';
import type { PodStreamEnd, PodStreamRequest, PodStreamSink } from '../../server/apiserver/pod-stream-types.js';
import { silentLogger } from '../../shared/util/logger.js';
import { FakeClock } from '../support/fake-clock.js';
import type { StreamInMessage } from '../../shared/protocol/index.js';

/** A client frame: masked, as browsers and kubectl send. */
function clientFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const plain = encodeFrame(opcode, payload);
  const headLen = plain.length - payload.length;
  const head = Buffer.from(plain.subarray(0, headLen));
  head[0] = (fin ? 0x80 : 0) | opcode;
  head[1] = (head[1] ?? 0) | 0x80;
  const body = Buffer.from(payload.map((b, i) => b ^ (mask[i & 3] ?? 0)));
  return Buffer.concat([head, mask, body]);
}

function socketPair(maxBytes = 1024): { ws: WebSocket; wire: PassThrough; got: Buffer[]; closed: () => boolean; sent: Buffer[] } {
  const wire = new PassThrough();
  const sent: Buffer[] = [];
  wire.write = ((chunk: Buffer, cb?: () => void): boolean => {
    sent.push(Buffer.from(chunk));
    cb?.();
    return true;
  }) as PassThrough['write'];
  wire.end = ((chunk?: Buffer): PassThrough => {
    if (chunk) sent.push(Buffer.from(chunk));
    return wire;
  }) as PassThrough['end'];
  const got: Buffer[] = [];
  let over = false;
  const ws = new WebSocket(wire, { message: (d) => got.push(d), closed: () => (over = true) }, maxBytes);
  return { ws, wire, got, closed: () => over, sent };
}

describe('WebSocket framing', function () {
  it('computes the RFC 6455 accept key', function () {
    assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('unmasks messages split anywhere and joins fragments; answers ping with pong', function () {
    const { ws, got, sent } = socketPair();
    const bytes = Buffer.concat([clientFrame(2, Buffer.from('hel'), false), clientFrame(0, Buffer.from('lo')), clientFrame(9, Buffer.from('p'))]);
    for (let i = 0; i < bytes.length; i += 3) ws.receive(bytes.subarray(i, i + 3));
    assert.deepEqual(got.map((b) => b.toString()), ['hello']);
    assert.deepEqual(sent.at(-1), encodeFrame(0xa, Buffer.from('p')));
  });

  it('closes on an unmasked frame and on a message over the limit', function () {
    const a = socketPair();
    a.ws.receive(encodeFrame(2, Buffer.from('x')));
    assert.equal(a.closed(), true);
    assert.equal(a.got.length, 0);
    const b = socketPair(16);
    b.ws.receive(clientFrame(2, Buffer.alloc(10), false));
    b.ws.receive(clientFrame(0, Buffer.alloc(10)));
    assert.equal(b.closed(), true);
    assert.equal(b.got.length, 0);
    assert.equal(b.sent.at(-1)?.readUInt16BE(2), 1009);
  });
});

describe('SPDY framing', function () {
  it('builds the 1423-byte SPDY/3 dictionary kubectl compresses with', function () {
    const d = spdyDictionary();
    assert.equal(d.length, 1423);
    // zlib's DICTID of it, as kubectl's first header block names it (recorded: 78 f9 e3 c6 a7 c2).
    let a = 1;
    let b = 0;
    for (const x of d) {
      a = (a + x) % 65521;
      b = (b + a) % 65521;
    }
    assert.equal(((b << 16) | a) >>> 0, 0xe3c6a7c2);
  });

  it('reads frames cut anywhere and refuses an oversized one', function () {
    const r = new SpdyFrameReader();
    const data = Buffer.from([0, 0, 0, 3, 1, 0, 0, 2, 0x61, 0x62]);
    assert.deepEqual(r.push(data.subarray(0, 5)), []);
    assert.deepEqual(r.push(data.subarray(5)), [{ control: false, streamId: 3, flags: 1, data: Buffer.from('ab') }]);
    assert.throws(() => new SpdyFrameReader().push(Buffer.from([0x80, 3, 0, 1, 0, 0xff, 0xff, 0xff])), /exceeds/);
  });

  it('writes SYN_REPLY header blocks that inflate to empty header sets, each ending at a sync marker', function () {
    const w = new SynReplyWriter();
    const blocks = [w.frame(1), w.frame(3)].map((f) => f.subarray(12));
    const joined = Buffer.concat(blocks);
    const plain = inflateSync(joined, { finishFlush: 2 });
    assert.deepEqual(plain, Buffer.alloc(8));
    for (const b of blocks) assert.deepEqual(b.subarray(-5), Buffer.from([0, 0, 0, 0xff, 0xff]));
    assert.deepEqual([...parseHeaderBlock(Buffer.alloc(4)).entries()], []);
    assert.throws(() => parseHeaderBlock(Buffer.from([0, 0, 0, 1, 0, 0, 0, 9, 0x61])), /truncated/);
  });
});

describe('exec channel helpers', function () {
  it('reports exit codes as Kubernetes does', function () {
    assert.deepEqual(endStatus({ kind: 'exit', exitCode: 0 }), { metadata: {}, status: 'Success' });
    const failed = endStatus({ kind: 'exit', exitCode: 3 });
    assert.equal(failed['reason'], 'NonZeroExitCode');
    assert.deepEqual(failed['details'], { causes: [{ reason: 'ExitCode', message: '3' }] });
    assert.deepEqual(parseResize(Buffer.from('{"Width":80,"Height":24}')), { width: 80, height: 24 });
    assert.equal(parseResize(Buffer.from('{"Width":-1,"Height":24}')), undefined);
    assert.equal(parseResize(Buffer.from('nope')), undefined);
  });
});

describe('stream relay: what a device may send', function () {
  function relaySetup(): { relay: StreamRelay; sent: StreamInMessage[]; ends: PodStreamEnd[]; data: string[]; flush: () => Promise<void> } {
    const sent: StreamInMessage[] = [];
    const relay = new StreamRelay({
      publish: (_topic, payload) => {
        sent.push(JSON.parse(payload.toString()) as StreamInMessage);
        return Promise.resolve();
      },
      clock: new FakeClock(),
      logger: silentLogger,
      config: { maxStreamsPerNode: 2, window: 64 * 1024 },
    });
    const ends: PodStreamEnd[] = [];
    const data: string[] = [];
    return { relay, sent, ends, data, flush: () => new Promise((r) => setImmediate(r)) };
  }
  const req: PodStreamRequest = { kind: 'exec', node: 'pi-1', namespace: 'default', pod: 'p', podUid: 'u', container: 'c', command: ['true'], stdin: false, stdout: true, stderr: true, tty: false };
  const sinkFor = (ends: PodStreamEnd[], data: string[]): PodStreamSink => ({ opened: () => undefined, data: (_c, b, w) => (data.push(b.toString()), w()), eof: () => undefined, end: (o) => ends.push(o) });

  it('drops frames from another node and ends the stream on a gap in seq', async function () {
    const { relay, sent, ends, data, flush } = relaySetup();
    relay.open(req, sinkFor(ends, data));
    await flush();
    const id = sent[0]?.id ?? '';
    relay.onMessage('pi-2', { v: 1, t: 'streamOut', op: 'opened', id });
    relay.onMessage('pi-2', { v: 1, t: 'streamOut', op: 'end', id, exitCode: 0 });
    assert.equal(relay.openStreams, 1, 'another node cannot end it');
    relay.onMessage('pi-1', { v: 1, t: 'streamOut', op: 'opened', id });
    relay.onMessage('pi-1', { v: 1, t: 'streamOut', op: 'data', id, seq: 0, ch: 1, data: Buffer.from('a').toString('base64') });
    relay.onMessage('pi-1', { v: 1, t: 'streamOut', op: 'data', id, seq: 2, ch: 1, data: Buffer.from('c').toString('base64') });
    assert.deepEqual(data, ['a']);
    assert.equal(ends[0]?.kind, 'error');
    await flush();
    assert.equal(sent.at(-1)?.op, 'close', 'the device is told to stop');
  });

  it('ends a stream whose device overruns the window, and limits streams per node', async function () {
    const { relay, sent, ends, flush } = relaySetup();
    relay.open(req, { opened: () => undefined, data: () => undefined, eof: () => undefined, end: (o) => ends.push(o) });
    relay.open(req, sinkFor([], []));
    assert.throws(() => relay.open(req, sinkFor([], [])), /too many/);
    await flush();
    const id = sent[0]?.id ?? '';
    relay.onMessage('pi-1', { v: 1, t: 'streamOut', op: 'opened', id });
    const chunk = Buffer.alloc(32 * 1024).toString('base64');
    for (let seq = 0; seq < 3; seq++) relay.onMessage('pi-1', { v: 1, t: 'streamOut', op: 'data', id, seq, ch: 1, data: chunk });
    assert.match(ends[0]?.kind === 'error' ? ends[0].message : '', /overran/);
  });
});

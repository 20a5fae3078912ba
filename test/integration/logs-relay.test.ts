/**
 * The hub's log relay and the agent's log streamer, wired to each other in process through the
 * real codec (every command and chunk is encoded and decoded), on fake time, with a scripted
 * container engine: the protocol contract between the two halves — answer, batching, chunk
 * size, keepalives, idle and answer timeouts, logsStop, and the choice of container.
 */
import assert from 'node:assert/strict';
import { ApiError } from '../../shared/api/errors.js';
import { decodeAgentMessage, decodeHubMessage, DEFAULT_DECODE_LIMITS, encode, type CommandMessage, type LogChunkMessage } from '../../shared/protocol/index.js';
import { silentLogger } from '../../shared/util/logger.js';
import type { LogOptions, ObservedContainer } from '../../agent/engine/types.js';
import { findLogContainer, LogStreamer, logsSince, splitChunks } from '../../agent/logs/log-streamer.js';
import type { PodLogEnd, PodLogRequest, PodLogSink } from '../../server/apiserver/pod-log.js';
import { LogRelay } from '../../server/link/log-relay.js';
import { FakeClock } from '../support/fake-clock.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

function container(over: Partial<ObservedContainer>): ObservedContainer {
  return {
    id: 'c-main-0',
    name: 'flotilla_default_web_main_0',
    podUid: 'uid-web',
    podNamespace: 'default',
    podName: 'web',
    container: 'main',
    role: 'app',
    specHash: 'h',
    attempt: 0,
    image: 'i',
    imageId: 'sha256:1',
    state: 'running',
    createdAt: '2026-01-01T00:00:00Z',
    ...over,
  };
}

/** A container log the test writes to; honours the abort signal as the Docker engine must. */
class ScriptedLog {
  private lines: string[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  opts: LogOptions | undefined;
  id = '';

  push(...lines: string[]): void {
    this.lines.push(...lines);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *read(id: string, opts: LogOptions): AsyncGenerator<{ stream: 'stdout' | 'stderr'; line: string }> {
    this.id = id;
    this.opts = opts;
    for (;;) {
      if (opts.signal?.aborted) return;
      const line = this.lines.shift();
      if (line !== undefined) {
        yield { stream: 'stdout', line };
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((r) => {
        this.wake = r;
        opts.signal?.addEventListener('abort', () => r(), { once: true });
      });
      this.wake = undefined;
    }
  }
}

interface Recorded {
  events: string[];
  data: string;
  end?: PodLogEnd;
}

function recordingSink(): { sink: PodLogSink; rec: Recorded } {
  const rec: Recorded = { events: [], data: '' };
  const sink: PodLogSink = {
    open: () => void rec.events.push('open'),
    data: (t) => {
      rec.events.push('data');
      rec.data += t;
    },
    lost: (n) => void rec.events.push(`lost ${n}`),
    end: (e) => {
      rec.events.push(`end ${e.kind}`);
      rec.end = e;
    },
  };
  return { sink, rec };
}

const REQUEST: PodLogRequest = { node: 'pi-a', namespace: 'default', pod: 'web', podUid: 'uid-web', container: 'main', follow: false, timestamps: false };

describe('logs: hub relay ⇄ agent streamer over the codec (in process, fake time)', () => {
  let clock: FakeClock;
  let relay: LogRelay;
  let streamer: LogStreamer;
  let log: ScriptedLog;
  let containers: ObservedContainer[];
  let commands: CommandMessage[];
  let chunks: LogChunkMessage[];
  let linkUp: boolean;
  let deviceListens: boolean;

  beforeEach(() => {
    clock = new FakeClock();
    log = new ScriptedLog();
    containers = [
      container({ id: 'c-main-0', attempt: 0 }),
      container({ id: 'c-main-1', attempt: 1, createdAt: '2026-01-01T00:01:00Z' }),
      container({ id: 'c-sandbox', role: 'sandbox', container: 'sandbox' }),
      container({ id: 'c-old-pod', podUid: 'uid-old', attempt: 7 }),
    ];
    commands = [];
    chunks = [];
    linkUp = true;
    deviceListens = true;
    relay = new LogRelay({
      clock,
      logger: silentLogger,
      newStreamId: (() => {
        let n = 0;
        return () => `stream-${n++}`;
      })(),
      config: { maxStreamsPerNode: 2 },
      publish: (_topic, payload) => {
        const cmd = decodeHubMessage('cmd', payload);
        commands.push(cmd);
        if (deviceListens && (cmd.cmd === 'logs' || cmd.cmd === 'logsStop')) streamer.handle(cmd);
        return Promise.resolve();
      },
    });
    streamer = new LogStreamer({
      clock,
      logger: silentLogger,
      engine: {
        listManaged: () => Promise.resolve(containers),
        logs: (id, opts) => log.read(id, opts),
      },
      send: (msg) => {
        const bytes = encode(msg);
        assert.ok(bytes.length <= DEFAULT_DECODE_LIMITS.maxBytes, `chunk of ${bytes.length} bytes`);
        const decoded = decodeAgentMessage('logs', bytes);
        chunks.push(decoded);
        if (!linkUp) return Promise.resolve({ delivered: false, error: 'link is backoff' });
        relay.onChunk('pi-a', decoded.streamId, decoded);
        return Promise.resolve({ delivered: true });
      },
    });
  });

  it("streams the pod's current container (by uid, latest attempt) and ends with eof", async () => {
    const { sink, rec } = recordingSink();
    relay.open({ ...REQUEST, tailLines: 5 }, sink);
    log.push('one', 'two');
    log.end();
    await settle();
    assert.equal(log.id, 'c-main-1');
    assert.deepEqual(log.opts && { follow: log.opts.follow, tail: log.opts.tail, timestamps: log.opts.timestamps }, { follow: false, tail: 5, timestamps: false });
    assert.equal(rec.data, 'one\ntwo\n');
    assert.deepEqual([rec.events[0], rec.events.at(-1)], ['open', 'end eof']);
    assert.equal(chunks[0]?.data, '', 'the first chunk is the empty answer');
    assert.equal(relay.openStreams, 0);
    assert.equal(streamer.activeStreams, 0);
    assert.ok(!commands.some((c) => c.cmd === 'logsStop'), 'a stream the device ended needs no logsStop');
  });

  it('a missing container is an error answer: the stream never opens', async () => {
    containers = containers.filter((c) => c.container !== 'main');
    const { sink, rec } = recordingSink();
    relay.open(REQUEST, sink);
    await settle();
    assert.deepEqual(rec.events, ['end error']);
    assert.match(rec.end?.kind === 'error' ? rec.end.message : '', /container "main" in pod "web" is waiting to start/);
  });

  it('batches lines that come together into one chunk', async () => {
    const { sink, rec } = recordingSink();
    relay.open({ ...REQUEST, follow: true }, sink);
    await settle();
    log.push('a', 'b', 'c');
    await settle();
    clock.advance(200);
    await settle();
    assert.equal(rec.data, 'a\nb\nc\n');
    assert.equal(chunks.filter((c) => c.data !== '').length, 1);
  });

  it('keeps every chunk under the codec limit, even for output that escapes badly', async () => {
    const { sink, rec } = recordingSink();
    relay.open(REQUEST, sink);
    const nasty = '\u0001'.repeat(100_000);
    const emoji = '😀'.repeat(40_000);
    log.push(nasty, emoji, 'tail');
    log.end();
    await settle();
    assert.equal(rec.end?.kind, 'eof');
    assert.equal(rec.data, `${nasty}\n${emoji}\ntail\n`);
    assert.ok(chunks.every((c) => c.data.length <= 32 * 1024));
    assert.ok(chunks.length >= 6);
  });

  it('a quiet followed container stays open on keepalives; a device that vanishes is ended after the idle timeout', async () => {
    const { sink, rec } = recordingSink();
    relay.open({ ...REQUEST, follow: true }, sink);
    await settle();
    for (let i = 0; i < 30; i++) {
      clock.advance(10_000);
      await settle();
    }
    assert.deepEqual(rec.events, ['open'], 'five quiet minutes, still open');
    assert.ok(chunks.length >= 10, 'keepalives went out');
    // The link drops: the agent aborts its streams and the hub hears nothing more.
    linkUp = false;
    streamer.abortAll('link backoff');
    await settle();
    clock.advance(89_000);
    assert.deepEqual(rec.events, ['open']);
    clock.advance(2_000);
    assert.deepEqual(rec.events, ['open', 'end idle']);
    assert.equal(commands.at(-1)?.cmd, 'logsStop');
    assert.equal(log.opts?.signal?.aborted, true, "the engine's log read was aborted");
  });

  it('a client that leaves: logsStop reaches the streamer, which aborts the engine read', async () => {
    const { sink, rec } = recordingSink();
    const cancel = relay.open({ ...REQUEST, follow: true }, sink);
    await settle();
    log.push('x');
    await settle();
    clock.advance(200);
    await settle();
    cancel();
    await settle();
    assert.deepEqual(rec.events, ['open', 'data'], 'the sink that cancelled hears no end');
    assert.deepEqual(commands.map((c) => c.cmd), ['logs', 'logsStop']);
    assert.equal(log.opts?.signal?.aborted, true);
    assert.equal(streamer.activeStreams, 0);
    assert.equal(relay.openStreams, 0);
  });

  it('no answer within 10 s: timeout, and logsStop for a device that may hear it later', () => {
    deviceListens = false;
    const { sink, rec } = recordingSink();
    relay.open(REQUEST, sink);
    clock.advance(9_999);
    assert.deepEqual(rec.events, []);
    clock.advance(1);
    assert.deepEqual(rec.events, ['end timeout']);
    assert.deepEqual(commands.map((c) => c.cmd), ['logs', 'logsStop']);
  });

  it('refuses more streams to one node than configured (429); they free up when done', () => {
    deviceListens = false;
    const first = relay.open(REQUEST, recordingSink().sink);
    relay.open(REQUEST, recordingSink().sink);
    assert.throws(() => relay.open(REQUEST, recordingSink().sink), (e: unknown) => e instanceof ApiError && e.code === 429);
    relay.open({ ...REQUEST, node: 'pi-b' }, recordingSink().sink);
    first();
    relay.open(REQUEST, recordingSink().sink);
  });

  it('a chunk for a stream the hub does not know gets one logsStop; one from another node is dropped', () => {
    relay.onChunk('pi-a', 'forgotten', { v: 1, t: 'logChunk', streamId: 'forgotten', seq: 3, data: 'x\n' });
    relay.onChunk('pi-a', 'forgotten', { v: 1, t: 'logChunk', streamId: 'forgotten', seq: 4, data: 'y\n' });
    assert.deepEqual(commands, [{ v: 1, t: 'cmd', cmd: 'logsStop', streamId: 'forgotten' }]);

    deviceListens = false;
    const { sink, rec } = recordingSink();
    relay.open(REQUEST, sink);
    relay.onChunk('pi-b', 'stream-0', { v: 1, t: 'logChunk', streamId: 'stream-0', seq: 0, data: 'forged\n' });
    relay.onChunk('pi-a', 'other-topic', { v: 1, t: 'logChunk', streamId: 'stream-0', seq: 0, data: 'mismatch\n' });
    assert.deepEqual(rec.events, []);
    relay.onChunk('pi-a', 'stream-0', { v: 1, t: 'logChunk', streamId: 'stream-0', seq: 0, data: 'ok\n', eof: true });
    assert.deepEqual(rec.events, ['open', 'data', 'end eof']);
    assert.equal(rec.data, 'ok\n');
  });
});

describe('logs: which container a logs command means', () => {
  const cs = [
    container({ id: 'a0', attempt: 0 }),
    container({ id: 'a2', attempt: 2 }),
    container({ id: 'a1', attempt: 1 }),
    container({ id: 'side', container: 'sidecar' }),
    container({ id: 'init', container: 'init', role: 'init' }),
    container({ id: 'sb', container: 'sandbox', role: 'sandbox' }),
    container({ id: 'old', podUid: 'uid-old', attempt: 9 }),
    container({ id: 'p0', podUid: 'uid-p', attempt: 0, state: 'exited' }),
    container({ id: 'p1', podUid: 'uid-p', attempt: 1 }),
  ];
  const table: [string, { podUid?: string; container?: string; previous?: boolean }, string | undefined][] = [
    ['by uid and name: the latest attempt', { podUid: 'uid-web', container: 'main' }, 'a2'],
    ['the old pod of that name by its uid', { podUid: 'uid-old', container: 'main' }, 'old'],
    ['without uid: by namespace/name, highest attempt of any pod of that name', { container: 'main' }, 'old'],
    ['an init container', { podUid: 'uid-web', container: 'init' }, 'init'],
    ['never the sandbox', { podUid: 'uid-web', container: 'sandbox' }, undefined],
    ['no such container', { podUid: 'uid-web', container: 'nope' }, undefined],
    ['no container named, several apps: none', { podUid: 'uid-web' }, undefined],
    ['no container named, one app: that one', { podUid: 'uid-old' }, 'old'],
    ['another pod uid', { podUid: 'uid-x', container: 'main' }, undefined],
    ['previous: the terminated attempt before the latest', { podUid: 'uid-p', container: 'main', previous: true }, 'p0'],
    ['previous of a container that never restarted: none', { podUid: 'uid-old', container: 'main', previous: true }, undefined],
    ['previous that is still running is not terminated: none', { podUid: 'uid-web', container: 'main', previous: true }, undefined],
  ];
  for (const [name, q, expected] of table) {
    it(name, () => {
      assert.equal(findLogContainer(cs, { namespace: 'default', pod: 'web', ...q })?.id, expected);
    });
  }

  it('since: sinceTime as given, sinceSeconds back from the device clock, else none', () => {
    const now = new Date('2026-01-01T00:01:00Z');
    assert.equal(logsSince({ sinceTime: '2026-01-01T00:00:30.5Z' }, now), Date.parse('2026-01-01T00:00:30.5Z') / 1000);
    assert.equal(logsSince({ sinceSeconds: 60 }, now), Date.parse('2026-01-01T00:00:00Z') / 1000);
    assert.equal(logsSince({}, now), undefined);
  });

  it('splits chunks without cutting a surrogate pair', () => {
    const parts = splitChunks(`ab${'😀'}cd`, 3);
    assert.deepEqual(parts, ['ab', '😀c', 'd']);
    assert.deepEqual(splitChunks('', 3), []);
  });
});

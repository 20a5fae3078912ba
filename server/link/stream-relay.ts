/**
 * Interactive streams between the API and the devices (exec, attach, port-forward). For each
 * stream the relay makes an id, sends the node `open` on its `stream-in` topic, then carries
 * input there and hands what the node publishes on `stream-out` to the stream's sink.
 *
 * Bounded: at most `maxStreamsPerNode` streams per node (and `maxStreams` in all), and per
 * stream at most `window` bytes unacknowledged each way (stream-flow.ts). Frames from a device
 * were decoded and size-checked by the codec; here they must also belong to a stream asked of
 * that node, come in `seq` order and respect the window, or the stream ends.
 */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../../shared/api/errors.js';
import { encode, nodeTopic, STREAM_MAX_FRAME_BYTES, type StreamInMessage, type StreamOutMessage } from '../../shared/protocol/index.js';
import { ReceiveWindow, SendWindow, type Frame } from '../../shared/protocol/stream-flow.js';
import type { Clock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { PodStream, PodStreamEnd, PodStreamRequest, PodStreamSink, PodStreamSource } from '../apiserver/pod-stream-types.js';
import type { Publish } from './publish.js';

export interface StreamRelayConfig {
  /** How long the device has to answer `open`. */
  answerTimeoutMs: number;
  maxStreamsPerNode: number;
  maxStreams: number;
  /** Bytes per direction a stream may have unacknowledged. */
  window: number;
}

export const DEFAULT_STREAM_RELAY_CONFIG: Readonly<StreamRelayConfig> = {
  answerTimeoutMs: 15_000,
  maxStreamsPerNode: 8,
  maxStreams: 256,
  window: 256 * 1024,
};

export interface StreamRelayDeps {
  publish: Publish;
  clock: Clock;
  logger: Logger;
  config?: Partial<StreamRelayConfig>;
}

/** Input waiting for the device's room beyond this many windows means the client ignores backpressure. */
const MAX_PENDING_WINDOWS = 8;

interface Stream {
  id: string;
  node: string;
  sink: PodStreamSink;
  opened: boolean;
  out: SendWindow;
  in: ReceiveWindow;
  outSeq: number;
  inSeq: number;
  writable: (() => void) | undefined;
  /** The client's input ended; `eof` goes once the input waiting for the window is out. */
  inputEnded: boolean;
  cancelTimer: () => void;
}

export class StreamRelay implements PodStreamSource {
  private readonly streams = new Map<string, Stream>();
  private readonly config: StreamRelayConfig;
  private readonly log: Logger;

  constructor(private readonly deps: StreamRelayDeps) {
    this.config = { ...DEFAULT_STREAM_RELAY_CONFIG, ...deps.config };
    this.log = deps.logger.child({ component: 'stream-relay' });
  }

  get openStreams(): number {
    return this.streams.size;
  }

  open(req: PodStreamRequest, sink: PodStreamSink): PodStream {
    const perNode = [...this.streams.values()].filter((s) => s.node === req.node).length;
    if (perNode >= this.config.maxStreamsPerNode || this.streams.size >= this.config.maxStreams) {
      const limit = perNode >= this.config.maxStreamsPerNode ? `${this.config.maxStreamsPerNode} to node ${req.node}` : `${this.config.maxStreams} in all`;
      throw new ApiError(429, 'TooManyRequests', `too many exec, attach and port-forward streams are open (${limit}); try again later`);
    }
    const id = randomBytes(16).toString('base64url');
    const s: Stream = {
      id,
      node: req.node,
      sink,
      opened: false,
      out: new SendWindow(this.config.window, STREAM_MAX_FRAME_BYTES),
      in: new ReceiveWindow(this.config.window),
      outSeq: 0,
      inSeq: 0,
      writable: undefined,
      inputEnded: false,
      cancelTimer: () => undefined,
    };
    this.streams.set(id, s);
    s.cancelTimer = this.deps.clock.setTimer(
      () => this.end(s, { kind: 'timeout', message: `the device did not answer; is it connected? (node ${req.node})` }, true),
      this.config.answerTimeoutMs,
    );
    this.log.info('stream requested', { node: req.node, streamId: id, kind: req.kind, namespace: req.namespace, pod: req.pod, container: req.container });
    this.send(s, {
      v: 1,
      t: 'streamIn',
      op: 'open',
      id,
      kind: req.kind,
      namespace: req.namespace,
      pod: req.pod,
      podUid: req.podUid,
      container: req.container,
      ...(req.kind === 'exec' ? { command: req.command } : {}),
      stdin: req.stdin,
      stdout: req.stdout,
      stderr: req.stderr,
      tty: req.tty,
      ...(req.port !== undefined ? { port: req.port } : {}),
      window: this.config.window,
    });
    return {
      write: (bytes) => {
        if (!this.live(s)) return false;
        this.sendFrames(s, s.out.offer(bytes, undefined));
        if (s.out.pendingBytes > MAX_PENDING_WINDOWS * this.config.window) {
          this.end(s, { kind: 'error', message: 'the client kept writing into a full stream' }, true);
          return false;
        }
        return s.out.open;
      },
      onWritable: (fn) => {
        s.writable = fn;
      },
      closeInput: () => {
        s.inputEnded = true;
        this.sendEofIfDrained(s);
      },
      resize: (width, height) => {
        if (this.live(s)) this.send(s, { v: 1, t: 'streamIn', op: 'resize', id, width, height });
      },
      cancel: () => this.end(s, undefined, true),
    };
  }

  /** A message `node` published on its stream-out topic. */
  onMessage(node: string, msg: StreamOutMessage): void {
    const s = this.streams.get(msg.id);
    if (!s) return; // ended already (late frames), or never asked
    if (s.node !== node) {
      this.log.warn('stream frame dropped: the stream was not asked of this node', { node, streamId: msg.id, askedOf: s.node });
      return;
    }
    if (msg.op === 'opened') {
      if (s.opened) return;
      s.cancelTimer();
      if (msg.error !== undefined) {
        this.end(s, { kind: 'error', message: msg.error }, false);
        return;
      }
      s.opened = true;
      s.sink.opened();
      return;
    }
    if (!s.opened) {
      this.end(s, { kind: 'error', message: 'the device sent stream output before opening it' }, true);
      return;
    }
    switch (msg.op) {
      case 'data': {
        const bytes = Buffer.from(msg.data, 'base64');
        if (msg.seq !== s.inSeq) {
          this.end(s, { kind: 'error', message: `stream output lost on the way from the device (frame ${msg.seq}, expected ${s.inSeq})` }, true);
          return;
        }
        s.inSeq += 1;
        if (!s.in.arrive(bytes.length)) {
          this.end(s, { kind: 'error', message: 'the device overran the stream window' }, true);
          return;
        }
        s.sink.data(msg.ch, bytes, () => {
          const total = s.in.deliver(bytes.length);
          if (total !== undefined && this.live(s)) this.send(s, { v: 1, t: 'streamIn', op: 'ack', id: s.id, bytes: total });
        });
        return;
      }
      case 'ack': {
        const wasOpen = s.out.open;
        const frames = s.out.ack(msg.bytes);
        if (!frames) {
          this.end(s, { kind: 'error', message: 'the device acknowledged bytes it was never sent' }, true);
          return;
        }
        this.sendFrames(s, frames);
        this.sendEofIfDrained(s);
        if (!wasOpen && s.out.open) s.writable?.();
        return;
      }
      case 'eof':
        s.sink.eof();
        return;
      case 'end':
        this.end(s, msg.error !== undefined ? { kind: 'error', message: msg.error } : { kind: 'exit', ...(msg.exitCode !== undefined ? { exitCode: msg.exitCode } : {}) }, false);
        return;
    }
  }

  /** The node went offline: its streams are over. */
  nodeOffline(node: string): void {
    for (const s of [...this.streams.values()]) {
      if (s.node === node) this.end(s, { kind: 'gone', message: `node ${node} went offline` }, false);
    }
  }

  closeAll(): void {
    for (const s of [...this.streams.values()]) this.end(s, { kind: 'gone', message: 'the hub is shutting down' }, true);
  }

  private live(s: Stream): boolean {
    return this.streams.get(s.id) === s;
  }

  /** `outcome` undefined: the client cancelled. `tell`: send the device `close`. */
  private end(s: Stream, outcome: PodStreamEnd | undefined, tell: boolean): void {
    if (!this.live(s)) return;
    this.streams.delete(s.id);
    s.cancelTimer();
    this.log.info('stream ended', { node: s.node, streamId: s.id, outcome: outcome?.kind ?? 'cancelled' });
    if (tell) this.send(s, { v: 1, t: 'streamIn', op: 'close', id: s.id });
    if (outcome) s.sink.end(outcome);
  }

  private sendEofIfDrained(s: Stream): void {
    if (!s.inputEnded || s.out.pendingBytes > 0 || !this.live(s)) return;
    s.inputEnded = false; // sent once
    this.send(s, { v: 1, t: 'streamIn', op: 'eof', id: s.id });
  }

  private sendFrames(s: Stream, frames: Frame<undefined>[]): void {
    for (const f of frames) this.send(s, { v: 1, t: 'streamIn', op: 'data', id: s.id, seq: s.outSeq++, data: f.data.toString('base64') });
  }

  /** In call order: the link keeps publishes to one node in order (publish.ts). */
  private send(s: Stream, msg: StreamInMessage): void {
    this.deps
      .publish(nodeTopic(s.node, 'stream-in'), encode(msg), { qos: 1, retain: false })
      .catch((e: unknown) => {
        this.log.warn('stream message not sent', { node: s.node, streamId: s.id, op: msg.op, error: errorMessage(e) });
        this.end(s, { kind: 'gone', message: `node ${s.node} could not be reached: ${errorMessage(e)}` }, false);
      });
  }
}

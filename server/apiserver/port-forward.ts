/**
 * `kubectl port-forward` over the WebSocket tunnel (`SPDY/3.1+portforward.k8s.io`): the client
 * runs SPDY through the WebSocket's binary messages. For each local connection it opens two SPDY
 * streams with the same `requestid`: an error stream (which it half-closes at once; the server
 * writes a message there only on failure) and a data stream. Once both are there, the pair
 * becomes one device stream to the pod's port. The server half-closes the data stream when the
 * pod's side is done and then the error stream; kubectl then resets the data stream.
 */
import { isApiError } from '../../shared/api/errors.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { PodStream, PodStreamRequest, PodStreamSink, PodStreamSource } from './pod-stream-types.js';
import {
  dataFrame,
  FLAG_FIN,
  goAwayFrame,
  HeaderInflater,
  pingFrame,
  rstStreamFrame,
  RST_CANCEL,
  SpdyFrameReader,
  SynReplyWriter,
  TYPE_GOAWAY,
  TYPE_PING,
  TYPE_RST_STREAM,
  TYPE_SYN_STREAM,
  type SpdyFrame,
} from './spdy-frames.js';
import type { WebSocket } from './websocket.js';

export const PORT_FORWARD_SUBPROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** Connections (stream pairs) one session may have at once. */
const MAX_PAIRS = 64;

type Target = Pick<PodStreamRequest, 'node' | 'namespace' | 'pod' | 'podUid' | 'container'>;

interface Pair {
  requestId: string;
  port: number;
  errorStream?: number;
  dataStream?: number;
  stream?: PodStream;
  dataClosed: boolean;
  over: boolean;
}

export class PortForwardSession {
  private ws: WebSocket | undefined;
  private readonly reader = new SpdyFrameReader();
  private readonly inflater = new HeaderInflater();
  private readonly replies = new SynReplyWriter();
  private readonly pairs = new Map<string, Pair>();
  private readonly byStream = new Map<number, Pair>();
  /** Frames are handled one after the other (header blocks decompress asynchronously). */
  private chain: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private over = false;

  constructor(
    private readonly source: PodStreamSource,
    private readonly target: Target,
    private readonly log: Logger,
  ) {}

  connect(ws: WebSocket): void {
    this.ws = ws;
  }

  receive(bytes: Buffer): void {
    let frames: SpdyFrame[];
    try {
      frames = this.reader.push(bytes);
    } catch (e: unknown) {
      this.fail(errorMessage(e));
      return;
    }
    for (const f of frames) {
      this.chain = this.chain.then(() => this.onFrame(f)).catch((e: unknown) => this.fail(errorMessage(e)));
    }
  }

  /** The WebSocket is gone: every connection's device stream is cancelled. */
  closed(): void {
    if (this.over) return;
    this.over = true;
    for (const p of this.pairs.values()) {
      if (!p.over) p.stream?.cancel();
      p.over = true;
    }
    this.pairs.clear();
    this.byStream.clear();
    this.inflater.close();
    this.log.info('port-forward session ended');
  }

  private send(frame: Buffer, written?: () => void): void {
    if (this.ws?.isOpen) this.ws.send(frame, written);
    else written?.();
  }

  private fail(why: string): void {
    if (this.over) return;
    this.log.warn('port-forward session failed', { error: why });
    this.send(goAwayFrame(this.lastStreamId));
    this.ws?.close(1002, 'SPDY protocol error');
    this.closed();
  }

  private async onFrame(f: SpdyFrame): Promise<void> {
    if (this.over) return;
    if (!f.control) {
      this.onData(f.streamId, f.data, (f.flags & FLAG_FIN) !== 0);
      return;
    }
    switch (f.type) {
      case TYPE_SYN_STREAM:
        await this.onSynStream(f.body);
        return;
      case TYPE_RST_STREAM: {
        const p = this.byStream.get(f.body.length >= 4 ? f.body.readUInt32BE(0) & 0x7fffffff : 0);
        if (p && p.dataStream !== undefined && p.dataStream === (f.body.readUInt32BE(0) & 0x7fffffff)) this.finishPair(p, true);
        return;
      }
      case TYPE_PING:
        this.send(pingFrame(f.body.subarray(0, 4)));
        return;
      case TYPE_GOAWAY:
        this.ws?.close(1000);
        this.closed();
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do
    }
  }

  private async onSynStream(body: Buffer): Promise<void> {
    if (body.length < 10) throw new Error('SYN_STREAM too short');
    const streamId = body.readUInt32BE(0) & 0x7fffffff;
    const headers = await this.inflater.headers(body.subarray(10));
    if (streamId === 0 || streamId <= this.lastStreamId || streamId % 2 === 0) throw new Error(`bad stream id ${streamId}`);
    this.lastStreamId = streamId;
    this.send(this.replies.frame(streamId));
    const type = headers.get('streamtype');
    const requestId = headers.get('requestid') ?? '';
    const portText = headers.get('port') ?? '';
    const port = /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
    if ((type !== 'error' && type !== 'data') || requestId.length === 0 || requestId.length > 32 || port < 1 || port > 65535) {
      this.send(rstStreamFrame(streamId, RST_CANCEL));
      return;
    }
    let pair = this.pairs.get(requestId);
    if (!pair) {
      if (this.pairs.size >= MAX_PAIRS) {
        this.send(rstStreamFrame(streamId, RST_CANCEL));
        return;
      }
      pair = { requestId, port, dataClosed: false, over: false };
      this.pairs.set(requestId, pair);
    }
    if (type === 'error') pair.errorStream = streamId;
    else pair.dataStream = streamId;
    this.byStream.set(streamId, pair);
    if (pair.errorStream !== undefined && pair.dataStream !== undefined && !pair.stream) this.start(pair);
  }

  private start(pair: Pair): void {
    const dataStream = pair.dataStream ?? 0;
    const sink: PodStreamSink = {
      opened: () => undefined,
      data: (_ch, bytes, written) => {
        if (pair.over || pair.dataClosed) return written();
        this.send(dataFrame(dataStream, bytes, false), written);
      },
      eof: () => this.closeData(pair),
      end: (outcome) => {
        if (outcome.kind !== 'exit') this.errorOn(pair, `error forwarding port ${pair.port} to pod ${this.target.pod}: ${outcome.message}`);
        this.finishPair(pair, false);
      },
    };
    try {
      pair.stream = this.source.open({ kind: 'portforward', ...this.target, command: [], stdin: true, stdout: true, stderr: false, tty: false, port: pair.port }, sink);
      pair.stream.onWritable(() => this.ws?.resume());
      this.log.debug('port-forward connection', { requestId: pair.requestId, port: pair.port });
    } catch (e: unknown) {
      this.errorOn(pair, isApiError(e) ? e.message : errorMessage(e));
      this.finishPair(pair, false);
    }
  }

  private onData(streamId: number, data: Buffer, fin: boolean): void {
    const pair = this.byStream.get(streamId);
    if (!pair || pair.over || streamId !== pair.dataStream) return; // the error stream's FIN, or a finished pair
    if (data.length > 0 && pair.stream && !pair.stream.write(data)) this.ws?.pause();
    if (fin) pair.stream?.closeInput();
  }

  private closeData(pair: Pair): void {
    if (pair.dataClosed || pair.dataStream === undefined) return;
    pair.dataClosed = true;
    this.send(dataFrame(pair.dataStream, Buffer.alloc(0), true));
  }

  private errorOn(pair: Pair, message: string): void {
    if (pair.errorStream !== undefined) this.send(dataFrame(pair.errorStream, Buffer.from(message.slice(0, 1024)), false));
  }

  /** Ends a connection: half-close data, then error (kubectl waits for that), forget it. */
  private finishPair(pair: Pair, cancel: boolean): void {
    if (pair.over) return;
    pair.over = true;
    if (cancel) pair.stream?.cancel();
    this.closeData(pair);
    if (pair.errorStream !== undefined) this.send(dataFrame(pair.errorStream, Buffer.alloc(0), true));
    this.pairs.delete(pair.requestId);
    for (const id of [pair.errorStream, pair.dataStream]) if (id !== undefined) this.byStream.delete(id);
  }
}

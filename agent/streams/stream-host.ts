/**
 * The device side of exec, attach and port-forward (shared/protocol/stream-messages.ts): opens
 * what the hub asks on the pod's container, relays bytes both ways within each stream's window,
 * and ends the stream when the process exits, the connection closes, the hub says `close` or
 * the link goes down (then the exec is killed: nothing is left running for a client that left).
 * At most `maxStreams` at once; every message from the hub was decoded and bounded by the codec,
 * and here must match a stream, come in `seq` order and respect the window.
 */
import { STREAM_MAX_FRAME_BYTES, type StreamInMessage, type StreamOpenSpec, type StreamOutMessage } from '../../shared/protocol/index.js';
import { ReceiveWindow, SendWindow, type Frame } from '../../shared/protocol/stream-flow.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { ContainerEngine } from '../engine/types.js';
import type { EngineStream, OutputChannel } from '../engine/stream-types.js';
import { findLogContainer } from '../logs/log-streamer.js';
import { openPortForward } from './targets.js';

export interface StreamHostConfig {
  maxStreams: number;
}

export const DEFAULT_STREAM_HOST_CONFIG: Readonly<StreamHostConfig> = { maxStreams: 8 };

export interface StreamHostDeps {
  engine: Pick<ContainerEngine, 'listManaged' | 'streams'>;
  /** Publishes on the node's stream-out topic; messages must leave in call order. */
  send: (msg: StreamOutMessage) => void;
  logger: Logger;
  config?: Partial<StreamHostConfig>;
}

interface Session {
  id: string;
  spec: StreamOpenSpec;
  out: SendWindow<OutputChannel>;
  in: ReceiveWindow;
  outSeq: number;
  inSeq: number;
  target: EngineStream | undefined;
  /** Input that arrived before the target was open (within the window). */
  queued: Buffer[];
  inputEnded: boolean;
  /** `opened` was sent (output can come before the engine call returns). */
  announced: boolean;
  /** A terminal size asked for before the target was open. */
  size: { width: number; height: number } | undefined;
  /** The target is done; the end is told once the output waiting for the window is out. */
  finished: { exitCode?: number } | undefined;
  over: boolean;
}

export class StreamHost {
  private readonly sessions = new Map<string, Session>();
  private readonly config: StreamHostConfig;
  private readonly log: Logger;

  constructor(private readonly deps: StreamHostDeps) {
    this.config = { ...DEFAULT_STREAM_HOST_CONFIG, ...deps.config };
    this.log = deps.logger.child({ component: 'stream-host' });
  }

  get activeStreams(): number {
    return this.sessions.size;
  }

  handle(msg: StreamInMessage): void {
    if (msg.op === 'open') {
      void this.open(msg.id, msg);
      return;
    }
    const s = this.sessions.get(msg.id);
    if (!s) return; // over already
    switch (msg.op) {
      case 'data': {
        const bytes = Buffer.from(msg.data, 'base64');
        if (msg.seq !== s.inSeq) return this.fail(s, `stream input lost on the way (frame ${msg.seq}, expected ${s.inSeq})`);
        s.inSeq += 1;
        if (!s.in.arrive(bytes.length)) return this.fail(s, 'the hub overran the stream window');
        if (s.target) this.write(s, bytes);
        else s.queued.push(bytes);
        return;
      }
      case 'eof':
        // Writes are queued in order on the target, so its end comes after them.
        s.inputEnded = true;
        s.target?.endInput();
        return;
      case 'resize':
        if (s.target) this.resize(s, msg.width, msg.height);
        else s.size = { width: msg.width, height: msg.height };
        return;
      case 'ack': {
        const frames = s.out.ack(msg.bytes);
        if (!frames) return this.fail(s, 'the hub acknowledged bytes it was never sent');
        this.sendFrames(s, frames);
        if (s.out.open) s.target?.resume();
        this.finishIfDrained(s);
        return;
      }
      case 'close':
        this.log.info('stream closed by the hub', { streamId: s.id });
        void this.stop(s);
        return;
    }
  }

  /** Ends every stream (the link is down, or the agent stops): execs are killed. */
  async closeAll(why: string): Promise<void> {
    const all = [...this.sessions.values()];
    if (all.length > 0) this.log.info('streams closed', { count: all.length, why });
    await Promise.all(all.map((s) => this.stop(s)));
  }

  private async open(id: string, spec: StreamOpenSpec): Promise<void> {
    if (this.sessions.has(id)) return; // redelivered
    const s: Session = { id, spec, out: new SendWindow<OutputChannel>(spec.window, STREAM_MAX_FRAME_BYTES), in: new ReceiveWindow(spec.window), outSeq: 0, inSeq: 0, target: undefined, queued: [], inputEnded: false, announced: false, size: undefined, finished: undefined, over: false };
    const refuse = (error: string): void => this.deps.send({ v: 1, t: 'streamOut', op: 'opened', id, error: error.slice(0, 1024) });
    const streams = this.deps.engine.streams;
    if (!streams) return refuse('this device does not support exec, attach or port-forward');
    if (this.sessions.size >= this.config.maxStreams) return refuse(`too many streams on this device (at most ${this.config.maxStreams})`);
    this.sessions.set(id, s);
    const log = this.log.child({ streamId: id, kind: spec.kind, namespace: spec.namespace, pod: spec.pod, container: spec.container });
    try {
      const found = findLogContainer(await this.deps.engine.listManaged(), spec);
      if (!found || found.state !== 'running') throw new Error(`container ${spec.container} in pod ${spec.pod} is not running on this device`);
      const onOutput = (ch: OutputChannel, data: Buffer): void => this.output(s, ch, data);
      if (spec.kind === 'exec') s.target = await streams.exec(found.id, { cmd: spec.command ?? [], tty: spec.tty, stdin: spec.stdin, onOutput });
      else if (spec.kind === 'attach') s.target = await streams.attach(found.id, { tty: spec.tty, stdin: spec.stdin, onOutput });
      else s.target = await openPortForward(streams, found.id, spec.port ?? 0, onOutput);
    } catch (e: unknown) {
      this.sessions.delete(id);
      log.info('stream refused', { error: errorMessage(e) });
      return refuse(errorMessage(e));
    }
    if (s.over) {
      // Closed by the hub while starting.
      await s.target.close();
      return;
    }
    log.info('stream started');
    this.announce(s);
    if (s.size) this.resize(s, s.size.width, s.size.height);
    for (const b of s.queued.splice(0)) this.write(s, b);
    if (s.inputEnded) s.target.endInput();
    s.target.done.then(
      (result) => {
        s.finished = result;
        this.finishIfDrained(s);
      },
      (e: unknown) => this.fail(s, errorMessage(e)),
    );
  }

  /** Tells the end once the target is done and its last output has left. */
  private finishIfDrained(s: Session): void {
    const finished = s.finished;
    if (s.over || !finished || s.out.pendingBytes > 0) return;
    s.over = true;
    this.sessions.delete(s.id);
    if (s.spec.kind === 'portforward') this.deps.send({ v: 1, t: 'streamOut', op: 'eof', id: s.id });
    this.deps.send({ v: 1, t: 'streamOut', op: 'end', id: s.id, ...(finished.exitCode !== undefined ? { exitCode: finished.exitCode } : {}) });
    this.log.info('stream ended', { streamId: s.id, exitCode: finished.exitCode });
    void s.target?.close();
  }

  private resize(s: Session, width: number, height: number): void {
    s.target?.resize(width, height).catch((e: unknown) => this.log.debug('resize failed', { streamId: s.id, error: errorMessage(e) }));
  }

  private write(s: Session, bytes: Buffer): void {
    s.target?.write(bytes, (err) => {
      if (err) return;
      const total = s.in.deliver(bytes.length);
      if (total !== undefined && !s.over) this.deps.send({ v: 1, t: 'streamOut', op: 'ack', id: s.id, bytes: total });
    });
  }

  private announce(s: Session): void {
    if (s.announced) return;
    s.announced = true;
    this.deps.send({ v: 1, t: 'streamOut', op: 'opened', id: s.id });
  }

  private output(s: Session, ch: OutputChannel, data: Buffer): void {
    if (s.over) return;
    this.announce(s);
    this.sendFrames(s, s.out.offer(data, ch));
    if (!s.out.open) s.target?.pause();
  }

  /** Output frames in order; stdout and stderr share one window. */
  private sendFrames(s: Session, frames: Frame<OutputChannel>[]): void {
    for (const f of frames) this.deps.send({ v: 1, t: 'streamOut', op: 'data', id: s.id, seq: s.outSeq++, ch: f.tag, data: f.data.toString('base64') });
  }

  private fail(s: Session, error: string): void {
    if (s.over) return;
    this.log.warn('stream failed', { streamId: s.id, error });
    const op = s.announced ? 'end' : 'opened';
    this.deps.send({ v: 1, t: 'streamOut', op, id: s.id, error: error.slice(0, 1024) });
    void this.stop(s);
  }

  private async stop(s: Session): Promise<void> {
    s.over = true;
    this.sessions.delete(s.id);
    await s.target?.close().catch(() => undefined);
  }
}

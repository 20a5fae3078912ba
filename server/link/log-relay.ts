/**
 * Log streams between the API and the devices. For each log request the relay makes a stream
 * id, sends the pod's node a `logs` command on its `cmd` topic, and hands the `logChunk`
 * messages that node publishes on `nodes/NODE/logs/STREAMID` to the request's sink, in `seq`
 * order, until the device says eof (or error), goes silent or offline, or the client leaves
 * (then the device is told `logsStop`).
 *
 * A stream id belongs to the node it was asked of: the broker's ACL already keeps a node to its
 * own topics, and a chunk for another node's stream id is dropped here. The first chunk is the
 * device's answer; none within `answerTimeoutMs` ends the stream as unanswered. Chunks travel at
 * QoS 0: a gap in `seq` is reported to the sink as lost chunks, never waited for.
 */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../../shared/api/errors.js';
import { encode, nodeTopic, type LogChunkMessage, type LogsCommand } from '../../shared/protocol/index.js';
import type { Clock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { PodLogEnd, PodLogRequest, PodLogSink, PodLogSource } from '../apiserver/pod-log.js';
import type { Publish } from './publish.js';

export interface LogRelayConfig {
  /** How long the device has to answer a request (first chunk). */
  answerTimeoutMs: number;
  /** An open stream with no chunk for this long is over (the agent sends keepalives while following). */
  idleTimeoutMs: number;
  maxStreams: number;
  maxStreamsPerNode: number;
}

export const DEFAULT_LOG_RELAY_CONFIG: Readonly<LogRelayConfig> = {
  answerTimeoutMs: 10_000,
  idleTimeoutMs: 90_000,
  maxStreams: 256,
  maxStreamsPerNode: 16,
};

export interface LogRelayDeps {
  publish: Publish;
  clock: Clock;
  logger: Logger;
  config?: Partial<LogRelayConfig>;
  /** Makes stream ids; default 16 random bytes, base64url. */
  newStreamId?: () => string;
}

interface Stream {
  id: string;
  node: string;
  sink: PodLogSink;
  opened: boolean;
  nextSeq: number;
  cancelTimer: () => void;
}

/** How many ended stream ids are remembered, so late chunks for them are dropped quietly. */
const REMEMBERED_ENDED = 1024;

export class LogRelay implements PodLogSource {
  private readonly streams = new Map<string, Stream>();
  private readonly ended = new Set<string>();
  private readonly config: LogRelayConfig;
  private readonly log: Logger;

  constructor(private readonly deps: LogRelayDeps) {
    this.config = { ...DEFAULT_LOG_RELAY_CONFIG, ...deps.config };
    this.log = deps.logger.child({ component: 'log-relay' });
  }

  /** Streams open now (for tests and metrics). */
  get openStreams(): number {
    return this.streams.size;
  }

  open(req: PodLogRequest, sink: PodLogSink): () => void {
    const perNode = [...this.streams.values()].filter((s) => s.node === req.node).length;
    if (perNode >= this.config.maxStreamsPerNode || this.streams.size >= this.config.maxStreams) {
      const limit = perNode >= this.config.maxStreamsPerNode ? `${this.config.maxStreamsPerNode} to node ${req.node}` : `${this.config.maxStreams} in all`;
      throw new ApiError(429, 'TooManyRequests', `too many log streams are open (${limit}); try again later`);
    }
    const id = this.deps.newStreamId?.() ?? randomBytes(16).toString('base64url');
    const stream: Stream = { id, node: req.node, sink, opened: false, nextSeq: 0, cancelTimer: () => undefined };
    this.streams.set(id, stream);
    stream.cancelTimer = this.deps.clock.setTimer(() => this.end(stream, { kind: 'timeout' }, true), this.config.answerTimeoutMs);
    const cmd: LogsCommand = {
      v: 1,
      t: 'cmd',
      cmd: 'logs',
      streamId: id,
      namespace: req.namespace,
      pod: req.pod,
      podUid: req.podUid,
      container: req.container,
      follow: req.follow,
      timestamps: req.timestamps,
      ...(req.tailLines !== undefined ? { tailLines: req.tailLines } : {}),
      ...(req.previous === true ? { previous: true } : {}),
      ...(req.sinceSeconds !== undefined ? { sinceSeconds: req.sinceSeconds } : {}),
      ...(req.sinceTime !== undefined ? { sinceTime: req.sinceTime } : {}),
    };
    this.log.debug('log stream requested', { node: req.node, streamId: id, namespace: req.namespace, pod: req.pod, container: req.container, follow: req.follow });
    this.deps.publish(nodeTopic(req.node, 'cmd'), encode(cmd), { qos: 1, retain: false }).catch((e: unknown) => {
      this.end(stream, { kind: 'gone', message: `the request could not be sent to node ${req.node}: ${errorMessage(e)}` }, false);
    });
    return () => {
      if (this.streams.get(id) === stream) this.end(stream, undefined, true);
    };
  }

  /** A `logChunk` that `node` published on its logs topic for `topicStreamId`. */
  onChunk(node: string, topicStreamId: string, msg: LogChunkMessage): void {
    if (msg.streamId !== topicStreamId) {
      this.log.warn('log chunk dropped: stream id differs from its topic', { node, topic: topicStreamId, streamId: msg.streamId });
      return;
    }
    const stream = this.streams.get(msg.streamId);
    if (!stream) {
      if (this.ended.has(msg.streamId)) return;
      // A stream the hub does not know (asked before a restart, or its request was queued while
      // the device was offline): tell the device to stop it, once.
      this.remember(msg.streamId);
      this.log.info('log chunk for an unknown stream: asking the device to stop it', { node, streamId: msg.streamId });
      if (msg.eof !== true) this.sendStop(node, msg.streamId);
      return;
    }
    if (stream.node !== node) {
      this.log.warn('log chunk dropped: the stream was not asked of this node', { node, streamId: msg.streamId, askedOf: stream.node });
      return;
    }
    if (msg.seq < stream.nextSeq) return; // a duplicate
    stream.cancelTimer();
    if (msg.error !== undefined && !stream.opened) {
      this.end(stream, { kind: 'error', message: msg.error }, false);
      return;
    }
    if (!stream.opened) {
      stream.opened = true;
      stream.sink.open();
    }
    if (msg.seq > stream.nextSeq) stream.sink.lost(msg.seq - stream.nextSeq);
    stream.nextSeq = msg.seq + 1;
    if (msg.data !== '') stream.sink.data(msg.data);
    if (!this.streams.has(stream.id)) return; // the sink ended it (limitBytes)
    if (msg.eof === true) {
      this.end(stream, msg.error !== undefined ? { kind: 'error', message: msg.error } : { kind: 'eof' }, false);
      return;
    }
    stream.cancelTimer = this.deps.clock.setTimer(() => this.end(stream, { kind: 'idle' }, true), this.config.idleTimeoutMs);
  }

  /** The node went offline: its streams are over. */
  nodeOffline(node: string): void {
    for (const s of [...this.streams.values()]) {
      if (s.node === node) this.end(s, { kind: 'gone', message: `node ${node} went offline` }, true);
    }
  }

  /** Ends every stream (the hub is shutting down). */
  closeAll(): void {
    for (const s of [...this.streams.values()]) this.end(s, { kind: 'gone', message: 'the hub is shutting down' }, false);
  }

  /** `outcome` undefined: the client cancelled (its sink knows). `stop`: tell the device. */
  private end(stream: Stream, outcome: PodLogEnd | undefined, stop: boolean): void {
    if (this.streams.get(stream.id) !== stream) return;
    this.streams.delete(stream.id);
    stream.cancelTimer();
    this.remember(stream.id);
    this.log.debug('log stream ended', { node: stream.node, streamId: stream.id, outcome: outcome?.kind ?? 'cancelled' });
    if (stop) this.sendStop(stream.node, stream.id);
    if (outcome) stream.sink.end(outcome);
  }

  private sendStop(node: string, streamId: string): void {
    this.deps.publish(nodeTopic(node, 'cmd'), encode({ v: 1, t: 'cmd', cmd: 'logsStop', streamId }), { qos: 1, retain: false }).catch((e: unknown) => {
      this.log.warn('logsStop not sent', { node, streamId, error: errorMessage(e) });
    });
  }

  private remember(id: string): void {
    this.ended.add(id);
    if (this.ended.size > REMEMBERED_ENDED) {
      const oldest = this.ended.values().next();
      if (!oldest.done) this.ended.delete(oldest.value);
    }
  }
}

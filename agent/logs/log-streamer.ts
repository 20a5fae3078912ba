/**
 * The device side of `flotctl logs` / `kubectl logs`: on a `logs` command from the hub, find the
 * pod's container among the containers the agent manages and stream its log back as `logChunk`
 * messages on `nodes/NODE/logs/STREAMID`, until the log ends (eof), the hub says `logsStop`,
 * or the link goes down.
 *
 * The protocol, as the hub's relay expects it:
 *   * the first chunk (seq 0) is the answer: an error chunk (`eof` + `error`) when there is no
 *     such container, else an empty chunk that says the stream is open;
 *   * then lines, batched: a chunk is sent when `maxChunkChars` are pending or `flushIntervalMs`
 *     after the first pending line, never larger than `maxChunkChars` UTF-16 units (so its
 *     encoding stays well under the codec's 256 KiB even if every character needs escaping);
 *   * while following, an empty chunk at least every `keepaliveMs` so the hub can tell a quiet
 *     container from a vanished device;
 *   * the last chunk has `eof` (and `error` when the engine failed).
 * Sends are awaited one after the other: a slow link slows the reading of the log, nothing piles up.
 */
import type { LogChunkMessage, LogsCommand, LogsStopCommand } from '../../shared/protocol/index.js';
import type { Clock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { ContainerEngine, ObservedContainer } from '../engine/types.js';

export interface LogStreamerConfig {
  maxChunkChars: number;
  flushIntervalMs: number;
  keepaliveMs: number;
  maxStreams: number;
}

export const DEFAULT_LOG_STREAMER_CONFIG: Readonly<LogStreamerConfig> = {
  maxChunkChars: 32 * 1024,
  flushIntervalMs: 200,
  keepaliveMs: 30_000,
  maxStreams: 8,
};

export interface SendOutcome {
  delivered: boolean;
  error?: string;
}

export interface LogStreamerDeps {
  engine: Pick<ContainerEngine, 'listManaged' | 'logs'>;
  /** Publishes one chunk on its stream's topic (AgentLink.sendLogChunk). */
  send: (msg: LogChunkMessage) => Promise<SendOutcome>;
  clock: Clock;
  logger: Logger;
  config?: Partial<LogStreamerConfig>;
}

/**
 * The container a logs command means: the pod's (by uid when given, else by namespace and
 * name) container of that name, its latest attempt, or with `previous` the attempt before it
 * (the reconciler keeps it, terminated, for exactly this). Sandboxes never have logs worth showing.
 */
export function findLogContainer(
  containers: readonly ObservedContainer[],
  cmd: Pick<LogsCommand, 'namespace' | 'pod' | 'podUid' | 'container' | 'previous'>,
): ObservedContainer | undefined {
  const ofPod = containers.filter(
    (c) => c.role !== 'sandbox' && (cmd.podUid !== undefined ? c.podUid === cmd.podUid : c.podNamespace === cmd.namespace && c.podName === cmd.pod),
  );
  let candidates: ObservedContainer[];
  if (cmd.container !== undefined) candidates = ofPod.filter((c) => c.container === cmd.container);
  else {
    const apps = new Set(ofPod.filter((c) => c.role === 'app').map((c) => c.container));
    candidates = apps.size === 1 ? ofPod.filter((c) => c.role === 'app') : [];
  }
  const newestFirst = [...candidates].sort((a, b) => b.attempt - a.attempt || b.createdAt.localeCompare(a.createdAt));
  if (cmd.previous !== true) return newestFirst[0];
  const previous = newestFirst[1];
  return previous !== undefined && previous.state !== 'running' ? previous : undefined;
}

/** The Unix time (seconds, fractional) a `since` option asks for, on the device's clock. */
export function logsSince(cmd: Pick<LogsCommand, 'sinceSeconds' | 'sinceTime'>, now: Date): number | undefined {
  if (cmd.sinceTime !== undefined) return Date.parse(cmd.sinceTime) / 1000;
  if (cmd.sinceSeconds !== undefined) return now.getTime() / 1000 - cmd.sinceSeconds;
  return undefined;
}

/** Splits pending text into chunks of at most `max` UTF-16 units, never inside a surrogate pair. */
export function splitChunks(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = max;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff && cut > 1) cut -= 1;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest !== '') out.push(rest);
  return out;
}

class StreamAborted extends Error {
  constructor(readonly why: string) {
    super(why);
    this.name = 'StreamAborted';
  }
}

interface Active {
  cmd: LogsCommand;
  abort: AbortController;
  done: Promise<void>;
}

export class LogStreamer {
  private readonly active = new Map<string, Active>();
  private readonly config: LogStreamerConfig;
  private readonly log: Logger;

  constructor(private readonly deps: LogStreamerDeps) {
    this.config = { ...DEFAULT_LOG_STREAMER_CONFIG, ...deps.config };
    this.log = deps.logger.child({ component: 'log-streamer' });
  }

  get activeStreams(): number {
    return this.active.size;
  }

  /** Handles a `logs` or `logsStop` command from the hub. */
  handle(cmd: LogsCommand | LogsStopCommand): void {
    if (cmd.cmd === 'logsStop') {
      const a = this.active.get(cmd.streamId);
      if (a) {
        this.log.debug('log stream stopped by the hub', { streamId: cmd.streamId });
        a.abort.abort(new StreamAborted('stopped by the hub'));
      }
      return;
    }
    if (this.active.has(cmd.streamId)) return; // a redelivered command
    const abort = new AbortController();
    const entry: Active = { cmd, abort, done: Promise.resolve() };
    this.active.set(cmd.streamId, entry);
    entry.done = this.run(cmd, abort)
      .catch((e: unknown) => {
        if (!(e instanceof StreamAborted) && !abort.signal.aborted) this.log.warn('log stream failed', { streamId: cmd.streamId, error: errorMessage(e) });
      })
      .finally(() => {
        if (this.active.get(cmd.streamId) === entry) this.active.delete(cmd.streamId);
      });
  }

  /** Ends every stream without a word to the hub (the link is down: it could not hear one). */
  abortAll(why: string): void {
    for (const a of this.active.values()) a.abort.abort(new StreamAborted(why));
  }

  async stop(): Promise<void> {
    this.abortAll('agent stopping');
    await Promise.all([...this.active.values()].map((a) => a.done));
  }

  private async run(cmd: LogsCommand, abort: AbortController): Promise<void> {
    const signal = abort.signal;
    const log = this.log.child({ streamId: cmd.streamId, namespace: cmd.namespace, pod: cmd.pod, container: cmd.container });
    let seq = 0;
    let lastSent = this.deps.clock.now().getTime();
    let sending: Promise<void> = Promise.resolve();
    // Chunks go out strictly in order; a failed send ends the stream.
    const send = (data: string, end: { error?: string } | undefined = undefined): Promise<void> => {
      const msg: LogChunkMessage = { v: 1, t: 'logChunk', streamId: cmd.streamId, seq: seq++, data };
      if (end) {
        msg.eof = true;
        if (end.error !== undefined) msg.error = end.error.slice(0, 1024);
      }
      sending = sending.then(async () => {
        if (signal.aborted) throw new StreamAborted('aborted');
        const r = await this.deps.send(msg);
        if (!r.delivered) {
          const why = new StreamAborted(`chunk not sent: ${r.error ?? 'unknown'}`);
          abort.abort(why);
          throw why;
        }
        lastSent = this.deps.clock.now().getTime();
      });
      return sending;
    };

    if (this.active.size > this.config.maxStreams) {
      await send('', { error: `too many log streams on this device (at most ${this.config.maxStreams})` });
      return;
    }
    let target: ObservedContainer | undefined;
    try {
      target = findLogContainer(await this.deps.engine.listManaged(), cmd);
    } catch (e: unknown) {
      await send('', { error: `the container engine failed: ${errorMessage(e)}` });
      return;
    }
    if (!target && cmd.previous === true) {
      await send('', { error: `previous terminated container "${cmd.container ?? ''}" in pod "${cmd.pod}" not found` });
      return;
    }
    if (!target) {
      const which = cmd.container !== undefined ? `container "${cmd.container}"` : 'a container';
      await send('', { error: `${which} in pod "${cmd.pod}" is waiting to start: there is no container for it on the device yet` });
      return;
    }
    log.info('log stream started', { containerId: target.id, follow: cmd.follow === true, tailLines: cmd.tailLines, previous: cmd.previous === true });
    await send(''); // the answer: the stream is open

    let pending = '';
    const flush = (): Promise<void> => {
      const parts = splitChunks(pending, this.config.maxChunkChars);
      pending = '';
      for (const p of parts) void send(p).catch(() => undefined);
      return sending;
    };
    let cancelKeepalive: (() => void) | undefined;
    let flushTimer: (() => void) | undefined;
    const scheduleFlush = (): void => {
      flushTimer ??= this.deps.clock.setTimer(() => {
        flushTimer = undefined;
        flush().catch(() => undefined);
      }, this.config.flushIntervalMs);
    };
    if (cmd.follow === true) {
      const keepalive = (): void => {
        const quiet = this.deps.clock.now().getTime() - lastSent;
        if (quiet >= this.config.keepaliveMs && pending === '') send('').catch(() => undefined);
        cancelKeepalive = this.deps.clock.setTimer(keepalive, this.config.keepaliveMs);
      };
      cancelKeepalive = this.deps.clock.setTimer(keepalive, this.config.keepaliveMs);
    }

    const aborted = new Promise<never>((_resolve, reject) => {
      const fail = (): void => reject(signal.reason instanceof Error ? signal.reason : new StreamAborted('aborted'));
      if (signal.aborted) fail();
      else signal.addEventListener('abort', fail, { once: true });
    });
    aborted.catch(() => undefined);
    const since = logsSince(cmd, this.deps.clock.now());
    const lines = this.deps.engine.logs(target.id, {
      follow: cmd.follow === true,
      timestamps: cmd.timestamps === true,
      signal,
      ...(cmd.tailLines !== undefined ? { tail: cmd.tailLines } : {}),
      ...(since !== undefined ? { since } : {}),
    })[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await Promise.race([lines.next(), aborted]);
        if (next.done === true) break;
        const line = next.value.line;
        pending += line.endsWith('\n') ? line : `${line}\n`;
        if (pending.length >= this.config.maxChunkChars) await flush();
        else scheduleFlush();
      }
      flushTimer?.();
      await flush();
      await send('', {});
      log.info('log stream ended');
    } catch (e: unknown) {
      if (e instanceof StreamAborted || signal.aborted) {
        log.info('log stream aborted', { why: e instanceof Error ? e.message : 'aborted' });
        return;
      }
      log.warn('log stream failed', { error: errorMessage(e) });
      flushTimer?.();
      await flush().catch(() => undefined);
      await send('', { error: `reading the log failed: ${errorMessage(e)}` }).catch(() => undefined);
    } finally {
      flushTimer?.();
      cancelKeepalive?.();
      void lines.return?.(undefined)?.catch(() => undefined);
    }
  }
}

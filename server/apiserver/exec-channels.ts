/**
 * Kubernetes' channel protocol for exec and attach over a WebSocket (`v5.channel.k8s.io`, and
 * `v4.channel.k8s.io` without the close signal): every binary message starts with its channel
 * byte, 0 stdin, 1 stdout, 2 stderr, 3 the final Status (JSON), 4 terminal resize (JSON
 * `{"Width":W,"Height":H}`), and in v5 255 "close channel N" (stdin's end of file).
 */
import type { PodStream, PodStreamEnd, PodStreamSink } from './pod-stream-types.js';
import type { WebSocket } from './websocket.js';
import { isRecord } from '../../shared/util/guards.js';

export const EXEC_SUBPROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

const CH_STDIN = 0;
const CH_ERROR = 3;
const CH_RESIZE = 4;
const CH_CLOSE = 255;

/** The Status Kubernetes writes on the error channel when a stream ends. */
export function endStatus(end: PodStreamEnd): Record<string, unknown> {
  if (end.kind === 'exit') {
    if (end.exitCode === undefined || end.exitCode === 0) return { metadata: {}, status: 'Success' };
    return {
      metadata: {},
      status: 'Failure',
      message: `command terminated with non-zero exit code: exit status ${end.exitCode}`,
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(end.exitCode) }] },
    };
  }
  return { metadata: {}, status: 'Failure', message: end.message, reason: end.kind === 'error' ? 'BadRequest' : 'ServiceUnavailable', code: end.kind === 'error' ? 400 : 503 };
}

/** A terminal size from a resize message, or undefined when it is not one. */
export function parseResize(data: Buffer): { width: number; height: number } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(v)) return undefined;
  const width = v['Width'];
  const height = v['Height'];
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;
  return ok(width) && ok(height) ? { width, height } : undefined;
}

/** Relays between one WebSocket and one device stream. */
export class ExecChannels {
  private ws: WebSocket | undefined;
  private stream: PodStream | undefined;
  private ended = false;

  /** The sink to give the relay; connect() must follow once the WebSocket is open. */
  readonly sink: PodStreamSink = {
    opened: () => undefined,
    data: (ch, bytes, written) => {
      const ws = this.ws;
      if (!ws?.isOpen) return written();
      ws.send(Buffer.concat([Buffer.from([ch]), bytes]), written);
    },
    eof: () => undefined,
    end: (outcome) => {
      this.ended = true;
      const ws = this.ws;
      if (!ws?.isOpen) return;
      ws.send(Buffer.concat([Buffer.from([CH_ERROR]), Buffer.from(JSON.stringify(endStatus(outcome)))]));
      ws.close(1000);
    },
  };

  connect(ws: WebSocket, stream: PodStream): void {
    this.ws = ws;
    this.stream = stream;
    stream.onWritable(() => ws.resume());
  }

  /** A message from the client. */
  message(data: Buffer): void {
    const stream = this.stream;
    const ws = this.ws;
    if (!stream || !ws || data.length === 0 || this.ended) return;
    const ch = data[0];
    const body = data.subarray(1);
    if (ch === CH_STDIN) {
      if (body.length > 0 && !stream.write(body)) ws.pause();
    } else if (ch === CH_RESIZE) {
      const size = parseResize(body);
      if (size) stream.resize(size.width, size.height);
    } else if (ch === CH_CLOSE && body[0] === CH_STDIN) {
      stream.closeInput();
    }
  }

  /** The client went away. */
  closed(): void {
    if (this.ended) return;
    this.ended = true;
    this.stream?.cancel();
  }
}

/**
 * Messages of interactive streams (`kubectl exec`, `attach`, `port-forward`) between the hub and
 * a device. The hub publishes `streamIn` on `nodes/NAME/stream-in`, the device answers with
 * `streamOut` on `nodes/NAME/stream-out`; both at QoS 1 on one topic per direction, so MQTT keeps
 * them in order. Each stream is named by an id the hub makes.
 *
 * Bytes travel base64-encoded in `data` frames numbered by `seq` (from 0 per direction; a gap
 * ends the stream, it is never silently repaired). Flow control is by credit: a side may have at
 * most the stream's `window` bytes sent and not yet acknowledged; the receiver acknowledges
 * (`ack`, a running total of bytes it has written out) as it delivers them. So a slow reader on
 * either side stops the sender instead of filling memory on the hub or the device.
 */

/** What a stream runs on the device. */
export const STREAM_KINDS = ['exec', 'attach', 'portforward'] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];

/** Channels of data, as Kubernetes' remotecommand numbers them (port-forward uses 0 up, 1 down). */
export type StreamChannel = 0 | 1 | 2;

/** Largest payload of one data frame, in bytes before base64. */
export const STREAM_MAX_FRAME_BYTES = 32 * 1024;
/** Largest window a stream may ask for. */
export const STREAM_MAX_WINDOW_BYTES = 4 * 1024 * 1024;
export const STREAM_MAX_COMMAND_ARGS = 256;
export const STREAM_MAX_ARG_CHARS = 8192;
export const STREAM_MAX_ERROR_CHARS = 1024;

export interface StreamOpenSpec {
  kind: StreamKind;
  namespace: string;
  pod: string;
  podUid?: string;
  container: string;
  /** exec only. */
  command?: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** portforward only: the pod's port. */
  port?: number;
  /** Bytes each side may have unacknowledged. */
  window: number;
}

/** hub → device. */
export type StreamInMessage =
  | ({ v: 1; t: 'streamIn'; op: 'open'; id: string } & StreamOpenSpec)
  | { v: 1; t: 'streamIn'; op: 'data'; id: string; seq: number; data: string }
  /** No more input (stdin closed; the port-forward client half-closed). */
  | { v: 1; t: 'streamIn'; op: 'eof'; id: string }
  | { v: 1; t: 'streamIn'; op: 'resize'; id: string; width: number; height: number }
  | { v: 1; t: 'streamIn'; op: 'ack'; id: string; bytes: number }
  /** The client went away: stop everything (kill the exec). */
  | { v: 1; t: 'streamIn'; op: 'close'; id: string };

/** device → hub. */
export type StreamOutMessage =
  /** The answer to `open`: running, or why not. */
  | { v: 1; t: 'streamOut'; op: 'opened'; id: string; error?: string }
  | { v: 1; t: 'streamOut'; op: 'data'; id: string; seq: number; ch: 1 | 2; data: string }
  /** No more output will come (port-forward: the pod's side closed). */
  | { v: 1; t: 'streamOut'; op: 'eof'; id: string }
  | { v: 1; t: 'streamOut'; op: 'ack'; id: string; bytes: number }
  /** The stream is over: the process's exit code, or why it failed. */
  | { v: 1; t: 'streamOut'; op: 'end'; id: string; exitCode?: number; error?: string };

export type StreamInOp = StreamInMessage['op'];
export type StreamOutOp = StreamOutMessage['op'];

/**
 * What the API server's stream endpoints (pods/exec, pods/attach, pods/portforward) need from
 * the fleet link: open a stream to the pod's device and move bytes both ways. The API server
 * does not speak MQTT; server/link/stream-relay.ts implements this.
 */
import type { StreamKind } from '../../shared/protocol/index.js';

export interface PodStreamRequest {
  kind: StreamKind;
  node: string;
  namespace: string;
  pod: string;
  podUid: string;
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  port?: number;
}

/** How a stream ended. `exit`: the process ended (attach and port-forward: the code may be absent). */
export type PodStreamEnd =
  | { kind: 'exit'; exitCode?: number }
  | { kind: 'error'; message: string }
  | { kind: 'timeout'; message: string }
  | { kind: 'gone'; message: string };

/** Hears one stream: opened (once, when the device started it), output, eof, then end. */
export interface PodStreamSink {
  opened(): void;
  /** Output of channel 1 (stdout; port-forward data) or 2 (stderr); call `written` once it is handed on. */
  data(ch: 1 | 2, bytes: Buffer, written: () => void): void;
  /** No more output will come (port-forward: the pod's side closed). */
  eof(): void;
  end(outcome: PodStreamEnd): void;
}

export interface PodStream {
  /** Sends input; false when the window is full: wait for `onWritable` before writing more. */
  write(bytes: Buffer): boolean;
  onWritable(fn: () => void): void;
  /** End of input (stdin closed). */
  closeInput(): void;
  resize(width: number, height: number): void;
  /** The client went away: stop the stream on the device. */
  cancel(): void;
}

export interface PodStreamSource {
  /** Throws an ApiError (429) when too many streams are open to the node. */
  open(req: PodStreamRequest, sink: PodStreamSink): PodStream;
}

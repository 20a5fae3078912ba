/**
 * Interactive streams into containers (`kubectl exec`, `attach`, `port-forward`): the part of the
 * engine contract the agent's stream host (agent/streams) uses. Optional on a ContainerEngine:
 * an engine without it (the fleet simulator's) refuses streams.
 */

/** Output channel: 1 stdout, 2 stderr (a TTY has only stdout). */
export type OutputChannel = 1 | 2;

export interface EngineStreamOptions {
  tty: boolean;
  stdin: boolean;
  /** Called for each piece of output, in order; `pause()` holds further output back. */
  onOutput: (ch: OutputChannel, data: Buffer) => void;
}

export interface EngineExecOptions extends EngineStreamOptions {
  cmd: string[];
}

/** One running exec or attach connection. */
export interface EngineStream {
  /** Writes input; `done` runs once it is handed to Docker (the flow-control point). */
  write(data: Buffer, done: (err?: Error) => void): void;
  /** No more input: the process reads end-of-file. */
  endInput(): void;
  resize(width: number, height: number): Promise<void>;
  pause(): void;
  resume(): void;
  /** Resolves when the output is over: the exec's exit code, or nothing for attach. */
  readonly done: Promise<{ exitCode?: number }>;
  /** Ends the connection; an exec's process (and its process group) is killed. Idempotent. */
  close(): Promise<void>;
}

export interface StreamEngine {
  exec(containerId: string, opts: EngineExecOptions): Promise<EngineStream>;
  attach(containerId: string, opts: EngineStreamOptions): Promise<EngineStream>;
  /** How the agent reaches the container's ports, following `container:<id>` to its sandbox. */
  networkReach(containerId: string): Promise<NetworkReach>;
}

/** `host`: on the host's network (dial 127.0.0.1); `address`: an IP on a bridge; `isolated`: neither. */
export type NetworkReach = { kind: 'host' } | { kind: 'address'; address: string } | { kind: 'isolated' };

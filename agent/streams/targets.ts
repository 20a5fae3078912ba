/**
 * What a device stream connects to: an exec or attach of the container (the engine), or for
 * port-forward a TCP connection to the pod's port. Pods on the host network (or sharing a
 * sandbox that is) are reached by dialling 127.0.0.1 from the agent, which works for any image;
 * other pods through a `nc 127.0.0.1 PORT` exec inside the container (its network namespace),
 * which needs `nc` in the image (busybox has it).
 */
import { connect } from 'node:net';
import type { EngineStream, OutputChannel, StreamEngine } from '../engine/stream-types.js';

/** A TCP connection with the EngineStream shape. */
export function dialLocal(port: number, onOutput: (ch: OutputChannel, data: Buffer) => void): Promise<EngineStream> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let connected = false;
    const done = new Promise<{ exitCode?: number }>((resolveDone) => {
      socket.on('close', () => resolveDone({}));
    });
    socket.on('data', (d: Buffer) => onOutput(1, d));
    socket.on('error', (e) => {
      if (!connected) reject(e);
    });
    socket.once('connect', () => {
      connected = true;
      resolve({
        write: (data, cb) => {
          if (socket.destroyed) return cb(new Error('the connection is closed'));
          socket.write(data, (err) => cb(err ?? undefined));
        },
        endInput: () => {
          if (!socket.destroyed) socket.end();
        },
        resize: () => Promise.resolve(),
        pause: () => socket.pause(),
        resume: () => socket.resume(),
        done,
        close: () => {
          socket.destroy();
          return Promise.resolve();
        },
      });
    });
  });
}

/** True when the container runs in the host's network namespace (directly or through its sandbox). */
export async function onHostNetwork(engine: StreamEngine, containerId: string): Promise<boolean> {
  let mode = await engine.networkMode(containerId);
  const shared = /^container:(.+)$/.exec(mode);
  if (shared?.[1] !== undefined) mode = await engine.networkMode(shared[1]);
  return mode === 'host';
}

export async function openPortForward(engine: StreamEngine, containerId: string, port: number, onOutput: (ch: OutputChannel, data: Buffer) => void): Promise<EngineStream> {
  if (await onHostNetwork(engine, containerId)) return dialLocal(port, onOutput);
  return engine.exec(containerId, { cmd: ['nc', '127.0.0.1', String(port)], tty: false, stdin: true, onOutput: (ch, d) => ch === 1 && onOutput(1, d) });
}

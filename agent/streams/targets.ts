/**
 * What a device stream connects to: an exec or attach of the container (the engine), or for
 * port-forward a TCP connection to the pod's port. The agent dials it itself, which works for
 * any image: 127.0.0.1 for pods on the host network, the pod IP for pods on the device's pod
 * network. Only a pod with no network but loopback is reached through a `nc 127.0.0.1 PORT`
 * exec inside its network namespace, which needs `nc` in the image (busybox has it).
 */
import { connect } from 'node:net';
import type { EngineStream, OutputChannel, StreamEngine } from '../engine/stream-types.js';

/** A TCP connection with the EngineStream shape. */
export function dialTcp(host: string, port: number, onOutput: (ch: OutputChannel, data: Buffer) => void): Promise<EngineStream> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
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

export async function openPortForward(engine: StreamEngine, containerId: string, port: number, onOutput: (ch: OutputChannel, data: Buffer) => void): Promise<EngineStream> {
  const reach = await engine.networkReach(containerId);
  if (reach.kind === 'host') return dialTcp('127.0.0.1', port, onOutput);
  if (reach.kind === 'address') return dialTcp(reach.address, port, onOutput);
  return engine.exec(containerId, { cmd: ['nc', '127.0.0.1', String(port)], tty: false, stdin: true, onOutput: (ch, d) => ch === 1 && onOutput(1, d) });
}

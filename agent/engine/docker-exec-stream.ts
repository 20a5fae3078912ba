/**
 * Exec and attach with a live connection (stream-types.ts): Docker's hijacked HTTP connection
 * carries input one way and output (multiplexed in 8-byte frames unless there is a TTY) the
 * other. Docker has no call to stop an exec, so close() kills the exec's process by the host
 * pid Docker reports, after checking that the pid really is in this container's cgroup (an agent
 * in its own pid namespace must never signal a stranger).
 */
import { readFile } from 'node:fs/promises';
import { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { DockerClient } from './docker-client.js';
import { FrameDemuxer, toBuffer } from './docker-stream.js';
import { EngineError, isEngineError } from './errors.js';
import type { EngineExecOptions, EngineStream, EngineStreamOptions, NetworkReach, StreamEngine } from './stream-types.js';

interface Wiring {
  socket: Duplex;
  tty: boolean;
  onOutput: EngineStreamOptions['onOutput'];
  resize: (width: number, height: number) => Promise<void>;
  exitCode: () => Promise<number | undefined>;
  kill: () => Promise<void>;
}

function wire(w: Wiring): EngineStream {
  const demux = w.tty ? undefined : new FrameDemuxer();
  let closed = false;
  const done = new Promise<{ exitCode?: number }>((resolve) => {
    let over = false;
    const finish = (): void => {
      if (over) return;
      over = true;
      w.exitCode().then(
        (exitCode) => resolve(exitCode !== undefined ? { exitCode } : {}),
        () => resolve({}),
      );
    };
    w.socket.on('data', (chunk: unknown) => {
      const data = toBuffer(chunk);
      if (!demux) w.onOutput(1, data);
      else for (const f of demux.push(data)) w.onOutput(f.stream === 'stderr' ? 2 : 1, f.payload);
    });
    w.socket.on('end', finish);
    w.socket.on('close', finish);
    w.socket.on('error', finish);
  });
  return {
    write(data, cb) {
      if (closed || w.socket.destroyed) {
        cb(new Error('the stream is closed'));
        return;
      }
      w.socket.write(data, (err) => cb(err ?? undefined));
    },
    endInput() {
      if (!w.socket.destroyed) w.socket.end();
    },
    resize: (width, height) => w.resize(width, height),
    pause: () => w.socket.pause(),
    resume: () => w.socket.resume(),
    done,
    async close() {
      if (closed) return;
      closed = true;
      await w.kill().catch(() => undefined);
      w.socket.destroy();
    },
  };
}

/** True when `pid`'s cgroup names the container: the pid is the exec's, seen from our pid namespace. */
async function pidInContainer(pid: number, containerId: string): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/cgroup`, 'utf8')).includes(containerId);
  } catch {
    return false;
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL'); // a TTY exec leads its own session and process group
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function execStream(c: DockerClient, containerId: string, opts: EngineExecOptions): Promise<EngineStream> {
  const what = `exec in ${containerId}`;
  const container = c.docker.getContainer(containerId);
  let instance: Docker.Exec;
  try {
    instance = await c.call(what, (signal) =>
      container.exec({ Cmd: opts.cmd, AttachStdin: opts.stdin, AttachStdout: true, AttachStderr: true, Tty: opts.tty, abortSignal: signal }),
    );
  } catch (e) {
    if (isEngineError(e) && e.statusCode === 409) throw new EngineError('NotRunning', e.message, { statusCode: 409, cause: e.cause });
    throw e;
  }
  let socket: Duplex;
  try {
    socket = await instance.start({ hijack: true, stdin: opts.stdin, Detach: false, Tty: opts.tty });
  } catch (e) {
    throw c.toEngineError(what, e);
  }
  const inspect = (): Promise<Docker.ExecInspectInfo> => c.call(`inspect ${what}`, (signal) => instance.inspect({ abortSignal: signal }));
  return wire({
    socket,
    tty: opts.tty,
    onOutput: opts.onOutput,
    resize: async (w, h) => {
      await c.call(`resize ${what}`, () => instance.resize({ w, h }));
    },
    exitCode: async () => {
      // The stream ends as the process exits; Docker records the exit code a moment later.
      for (let i = 0; i < 100; i++) {
        const info = await inspect();
        if (!info.Running && info.ExitCode !== null) return info.ExitCode;
        await new Promise((r) => setTimeout(r, 20));
      }
      return undefined;
    },
    kill: async () => {
      const info = await inspect();
      if (!info.Running || !info.Pid) return;
      if (await pidInContainer(info.Pid, containerId)) {
        killGroup(info.Pid);
        c.log.info('exec killed: its client went away', { id: containerId, pid: info.Pid });
      } else c.log.warn('exec left running: its pid is not visible from the agent', { id: containerId, pid: info.Pid });
    },
  });
}

async function attachStream(c: DockerClient, containerId: string, opts: EngineStreamOptions): Promise<EngineStream> {
  const what = `attach to ${containerId}`;
  const container = c.docker.getContainer(containerId);
  const info = await c.call(`inspect ${containerId}`, (signal) => container.inspect({ abortSignal: signal }));
  if (!info.State.Running) throw new EngineError('NotRunning', `${what}: the container is not running`);
  const tty = info.Config.Tty;
  let socket: Duplex;
  try {
    const s: unknown = await container.attach({ stream: true, stdin: opts.stdin, stdout: true, stderr: true, hijack: true });
    if (!(s instanceof Duplex)) throw new Error('Docker did not hand over a two-way connection');
    socket = s;
  } catch (e) {
    throw c.toEngineError(what, e);
  }
  return wire({
    socket,
    tty,
    onOutput: opts.onOutput,
    resize: async (w, h) => {
      await c.call(`resize ${what}`, () => container.resize({ w, h }));
    },
    exitCode: () => Promise.resolve(undefined),
    kill: () => Promise.resolve(),
  });
}

async function networkReach(c: DockerClient, id: string): Promise<NetworkReach> {
  let info = await c.call(`inspect ${id}`, (signal) => c.docker.getContainer(id).inspect({ abortSignal: signal }));
  const shared = /^container:(.+)$/.exec(info.HostConfig.NetworkMode ?? '');
  if (shared?.[1] !== undefined) {
    const sandbox = shared[1];
    info = await c.call(`inspect ${sandbox}`, (signal) => c.docker.getContainer(sandbox).inspect({ abortSignal: signal }));
  }
  if (info.HostConfig.NetworkMode === 'host') return { kind: 'host' };
  // Docker sends `"Networks": null` for a container in another's namespace, whatever the typings say.
  const networks: Record<string, { IPAddress?: string }> | null | undefined = info.NetworkSettings.Networks;
  const address = Object.values(networks ?? {}).find((n) => typeof n.IPAddress === 'string' && n.IPAddress !== '')?.IPAddress;
  return address === undefined ? { kind: 'isolated' } : { kind: 'address', address };
}

export function dockerStreams(c: DockerClient): StreamEngine {
  return {
    exec: (id, opts) => execStream(c, id, opts),
    attach: (id, opts) => attachStream(c, id, opts),
    networkReach: (id) => networkReach(c, id),
  };
}

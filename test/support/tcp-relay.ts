/**
 * A TCP relay between clients under test (agents) and a real server (the hub's MQTT port) that
 * plays a bad network on command. It relays bytes, so it works for plain MQTT and for TLS alike
 * (the handshake runs end to end between agent and hub). The faults:
 *
 *   down      new connections are closed at once (the hub is unreachable)
 *   cut()     every open connection is dropped (a network drop)
 *   pause()   bytes stop flowing both ways, connections stay open (a black hole: keepalive
 *             notices it, or resume() delivers what was held, in order)
 *   delayMs   every chunk arrives this much later, in order (latency)
 *   flap()    cut + down for `downMs`, up for `upMs`, again and again until stopped
 *
 * MqttTap builds on it to read the MQTT packets of plain links.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';

export type Direction = 'up' | 'down';

/** Sees each chunk before it is forwarded; returns the bytes to forward (maybe none). */
export type ChunkFilter = (dir: Direction, chunk: Buffer, pair: RelayPair) => Buffer;

export interface RelayPair {
  client: Socket;
  upstream: Socket;
}

export interface FlapOptions {
  upMs: number;
  downMs: number;
}

export class TcpRelay {
  /** While true, new connections are closed at once. */
  down = false;
  /** Added latency per chunk, each direction. */
  delayMs = 0;
  port = 0;
  /** Connections accepted so far (a reconnect counter for tests). */
  accepted = 0;
  private paused = false;
  private held: { pair: RelayPair; to: Socket; bytes: Buffer }[] = [];
  private readonly pairs = new Set<RelayPair>();
  private server: Server | undefined;
  private stopFlap: (() => void) | undefined;

  constructor(
    /** Where to relay to, read at each new connection (`scheme://host:port`; the hub's port may change on restart). */
    private readonly target: () => string,
    private readonly filter?: ChunkFilter,
  ) {}

  static async start(target: () => string, filter?: ChunkFilter): Promise<TcpRelay> {
    const relay = new TcpRelay(target, filter);
    await relay.listen();
    return relay;
  }

  /** The URL clients dial: the target's scheme on the relay's port. */
  get url(): string {
    return `${new URL(this.target()).protocol}//127.0.0.1:${this.port}`;
  }

  /** Open connections. */
  get connections(): ReadonlySet<RelayPair> {
    return this.pairs;
  }

  async listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    assert.ok(addr && typeof addr === 'object');
    this.server = server;
    this.port = addr.port;
  }

  private accept(client: Socket): void {
    if (this.down) {
      client.destroy();
      return;
    }
    this.accepted += 1;
    const u = new URL(this.target());
    const upstream = connect(Number(u.port), u.hostname);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const close = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    this.pipe('up', pair, client, upstream);
    this.pipe('down', pair, upstream, client);
  }

  private pipe(dir: Direction, pair: RelayPair, from: Socket, to: Socket): void {
    let last = 0;
    from.on('data', (chunk: Buffer) => {
      const bytes = this.filter ? this.filter(dir, chunk, pair) : chunk;
      if (bytes.length === 0) return;
      if (this.paused) {
        this.held.push({ pair, to, bytes });
        return;
      }
      if (this.delayMs <= 0) {
        to.write(bytes);
        return;
      }
      // In order: never before the chunk ahead of it.
      const at = Math.max(Date.now() + this.delayMs, last);
      last = at;
      setTimeout(() => {
        if (!to.destroyed) to.write(bytes);
      }, at - Date.now());
    });
  }

  /** Fault: cuts every open connection. */
  cut(): void {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.held = [];
  }

  /** Fault: holds every byte, both ways, until resume(). */
  pause(): void {
    this.paused = true;
  }

  /** Delivers what pause() held, in order, to connections still open. */
  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const h of held) if (this.pairs.has(h.pair) && !h.to.destroyed) h.to.write(h.bytes);
  }

  /** Link goes away (cut + refuse) or comes back. */
  setLink(up: boolean): void {
    this.down = !up;
    if (!up) this.cut();
  }

  /** Fault: the link goes down for `downMs`, up for `upMs`, repeatedly, starting with down. Returns how many cycles ran when stopped. */
  flap(opts: FlapOptions): () => number {
    this.stopFlap?.();
    let cycles = 0;
    let timer: NodeJS.Timeout | undefined;
    const goDown = (): void => {
      cycles += 1;
      this.setLink(false);
      timer = setTimeout(goUp, opts.downMs);
    };
    const goUp = (): void => {
      this.setLink(true);
      timer = setTimeout(goDown, opts.upMs);
    };
    goDown();
    const stop = (): number => {
      clearTimeout(timer);
      this.stopFlap = undefined;
      this.setLink(true);
      return cycles;
    };
    this.stopFlap = stop;
    return stop;
  }

  async close(): Promise<void> {
    this.stopFlap?.();
    this.cut();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

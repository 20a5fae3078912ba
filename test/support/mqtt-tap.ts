/**
 * A TCP relay (tcp-relay.ts) between an MQTT client under test (the agent) and the hub's real
 * broker that records the MQTT 3.1.1 packets going each way: a tap, not a broker. Tests read what the agent
 * put on the wire (CONNECT fields, SUBSCRIBE topics, PUBLISH topic/QoS/retain/payload and
 * size) and what the broker sent back.
 *
 * It also plays the faults a real broker cannot be made to show, each named where a test uses
 * it: cut every connection (`cut`), refuse connections while `down`, swallow the client's
 * packets that match (`swallow`), and hand the client a publish the hub never sent (`inject`:
 * a forged desired document, a man in the middle).
 */
import { TcpRelay, type Direction, type RelayPair } from './tcp-relay.js';

export interface ConnectInfo {
  clientId: string;
  username?: string;
  password?: string;
  clean: boolean;
  keepalive: number;
  will?: { topic: string; payload: string; qos: number; retain: boolean };
}

export interface TapPacket {
  /** `up`: client → broker; `down`: broker → client. */
  dir: 'up' | 'down';
  /** MQTT packet type (1 CONNECT, 2 CONNACK, 3 PUBLISH, 8 SUBSCRIBE, 14 DISCONNECT, …). */
  type: number;
  /** The whole packet on the wire: fixed header + remaining length. */
  bytes: number;
  connect?: ConnectInfo;
  /** CONNACK return code. */
  returnCode?: number;
  /** SUBSCRIBE topics. */
  topics?: string[];
  publish?: { topic: string; qos: number; retain: boolean; payload: Buffer };
}

export const CONNECT = 1;
export const CONNACK = 2;
export const PUBLISH = 3;
export const SUBSCRIBE = 8;
export const DISCONNECT = 14;

class Reader {
  constructor(
    private readonly b: Buffer,
    public at: number,
  ) {}
  u8(): number {
    return this.b.readUInt8(this.at++);
  }
  u16(): number {
    const v = this.b.readUInt16BE(this.at);
    this.at += 2;
    return v;
  }
  bytes(): Buffer {
    const n = this.u16();
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  str(): string {
    return this.bytes().toString('utf8');
  }
  rest(): Buffer {
    return this.b.subarray(this.at);
  }
}

/** Splits a byte stream into whole packets: [packet, rest]. */
function nextPacket(buf: Buffer): { packet: Buffer; header: number } | undefined {
  let len = 0;
  let mult = 1;
  for (let i = 1; i < Math.min(buf.length, 5); i++) {
    const b = buf[i] ?? 0;
    len += (b & 0x7f) * mult;
    mult *= 128;
    if ((b & 0x80) === 0) return buf.length < i + 1 + len ? undefined : { packet: buf.subarray(0, i + 1 + len), header: i + 1 };
  }
  return undefined;
}

function parse(dir: 'up' | 'down', packet: Buffer, header: number): TapPacket {
  const first = packet[0] ?? 0;
  const type = first >> 4;
  const out: TapPacket = { dir, type, bytes: packet.length };
  const r = new Reader(packet, header);
  if (type === CONNECT) {
    r.str(); // protocol name
    r.u8(); // level
    const flags = r.u8();
    const c: ConnectInfo = { clean: (flags & 0x02) !== 0, keepalive: r.u16(), clientId: r.str() };
    if (flags & 0x04) c.will = { topic: r.str(), payload: r.bytes().toString('utf8'), qos: (flags >> 3) & 3, retain: (flags & 0x20) !== 0 };
    if (flags & 0x80) c.username = r.str();
    if (flags & 0x40) c.password = r.bytes().toString('latin1');
    out.connect = c;
  } else if (type === CONNACK) {
    r.u8();
    out.returnCode = r.u8();
  } else if (type === SUBSCRIBE) {
    r.u16();
    out.topics = [];
    while (r.at < packet.length) {
      out.topics.push(r.str());
      r.u8();
    }
  } else if (type === PUBLISH) {
    const qos = (first >> 1) & 3;
    const topic = r.str();
    if (qos > 0) r.u16();
    out.publish = { topic, qos, retain: (first & 1) !== 0, payload: Buffer.from(r.rest()) };
  }
  return out;
}

/** A QoS 0 PUBLISH packet. */
function publishPacket(topic: string, payload: Buffer): Buffer {
  const t = Buffer.from(topic, 'utf8');
  const body = Buffer.concat([Buffer.from([t.length >> 8, t.length & 0xff]), t, payload]);
  const len: number[] = [];
  let n = body.length;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    len.push(b);
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x30, ...len]), body]);
}

export class MqttTap {
  readonly packets: TapPacket[] = [];
  private swallowing: ((p: TapPacket) => boolean) | undefined;
  /** Bytes of a packet not yet whole, per connection and direction. */
  private readonly partial = new WeakMap<RelayPair, Record<Direction, Buffer>>();
  private readonly relay: TcpRelay;

  private constructor(target: () => string) {
    this.relay = new TcpRelay(target, (dir, chunk, pair) => this.parseChunk(dir, chunk, pair));
  }

  /** Relays to whatever `target()` says when a connection opens (the hub's port may change on restart). */
  static async start(target: () => string): Promise<MqttTap> {
    const tap = new MqttTap(target);
    await tap.relay.listen();
    return tap;
  }

  get port(): number {
    return this.relay.port;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.relay.port}`;
  }

  /** While true, new connections are closed at once (the broker is unreachable). */
  get down(): boolean {
    return this.relay.down;
  }

  set down(v: boolean) {
    this.relay.down = v;
  }

  /** Forwards whole packets only, recording each; swallowed ones are dropped. */
  private parseChunk(dir: Direction, chunk: Buffer, pair: RelayPair): Buffer {
    const bufs = this.partial.get(pair) ?? { up: Buffer.alloc(0), down: Buffer.alloc(0) };
    this.partial.set(pair, bufs);
    let buf = Buffer.concat([bufs[dir], chunk]);
    const out: Buffer[] = [];
    for (let next = nextPacket(buf); next; next = nextPacket(buf)) {
      buf = buf.subarray(next.packet.length);
      const p = parse(dir, next.packet, next.header);
      if (dir === 'up' && this.swallowing?.(p)) continue;
      this.packets.push(p);
      out.push(next.packet);
    }
    bufs[dir] = buf;
    return Buffer.concat(out);
  }

  /** Packets the client sent (`up`) or got (`down`) of one type. */
  sent(type: number): TapPacket[] {
    return this.packets.filter((p) => p.dir === 'up' && p.type === type);
  }

  received(type: number): TapPacket[] {
    return this.packets.filter((p) => p.dir === 'down' && p.type === type);
  }

  /** What the client published on `topic`, in order. */
  published(topic: string): NonNullable<TapPacket['publish']>[] {
    return this.packets.flatMap((p) => (p.dir === 'up' && p.publish?.topic === topic ? [p.publish] : []));
  }

  /** What the broker delivered to the client on `topic`. */
  delivered(topic: string): NonNullable<TapPacket['publish']>[] {
    return this.packets.flatMap((p) => (p.dir === 'down' && p.publish?.topic === topic ? [p.publish] : []));
  }

  /** Fault: client packets matching `pred` never reach the broker (undefined: none). */
  swallow(pred: ((p: TapPacket) => boolean) | undefined): void {
    this.swallowing = pred;
  }

  /** Fault: delivers a QoS 0 publish to every connected client, as if the broker had. */
  inject(topic: string, payload: Buffer): void {
    for (const { client } of this.relay.connections) client.write(publishPacket(topic, payload));
  }

  /** Fault: cuts every connection (a network drop). */
  cut(): void {
    this.relay.cut();
  }

  close(): Promise<void> {
    return this.relay.close();
  }
}

/**
 * A small RFC 6455 WebSocket server side, enough for Kubernetes' streaming protocols: the
 * handshake, binary and text messages (fragmented or not), ping/pong and close. Client frames
 * must be masked; a message larger than `maxMessageBytes` closes the connection (1009) before it
 * is buffered. Backpressure: pause() stops reading the socket, so TCP pushes back on the client.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OP_CONT = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

export interface WebSocketHandlers {
  message(data: Buffer, binary: boolean): void;
  /** Once, when the connection is over (closed by either side, or broken). */
  closed(): void;
}

/** The subprotocol to speak: the first of `ours` the client offered, or undefined. */
export function chooseSubprotocol(req: IncomingMessage, ours: readonly string[]): string | undefined {
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  return ours.find((p) => offered.includes(p));
}

/** Problems with a WebSocket handshake request, or [] when it is one. */
export function handshakeProblems(req: IncomingMessage): string[] {
  const out: string[] = [];
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') out.push('Upgrade must be websocket');
  if (req.headers['sec-websocket-version'] !== '13') out.push('Sec-WebSocket-Version must be 13');
  const key = req.headers['sec-websocket-key'] ?? '';
  if (Buffer.from(key, 'base64').length !== 16) out.push('Sec-WebSocket-Key must be 16 bytes of base64');
  return out;
}

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** Writes the 101 answer and returns the open connection. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string, handlers: WebSocketHandlers, maxMessageBytes: number): WebSocket {
  const lines = [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${acceptKey(req.headers['sec-websocket-key'] ?? '')}`,
    `Sec-WebSocket-Protocol: ${protocol}`,
  ];
  socket.write(lines.join('\r\n') + '\r\n\r\n');
  const ws = new WebSocket(socket, handlers, maxMessageBytes);
  if (head.length > 0) ws.receive(head);
  return ws;
}

export function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  let header: Buffer;
  if (len < 126) {
    header = Buffer.from([0x80 | opcode, len]);
  } else if (len < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([header, payload]);
}

export class WebSocket {
  private buffered: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private fragmentBinary = true;
  private over = false;
  private closeSent = false;

  constructor(
    private readonly socket: Duplex,
    private readonly handlers: WebSocketHandlers,
    private readonly maxMessageBytes: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.finish());
    socket.on('end', () => this.finish());
    socket.on('error', () => this.finish());
  }

  get isOpen(): boolean {
    return !this.over && !this.closeSent;
  }

  /** Sends a binary message; `written` runs once the socket took it. False: the socket is backed up. */
  send(data: Buffer, written?: () => void): boolean {
    if (!this.isOpen) return false;
    return this.socket.write(encodeFrame(OP_BINARY, data), () => written?.());
  }

  /** Runs `fn` when the socket's buffer has drained. */
  onDrain(fn: () => void): void {
    this.socket.once('drain', fn);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Sends a close frame and ends the connection once it is written. */
  close(code = 1000, reason = ''): void {
    if (this.over || this.closeSent) return;
    this.closeSent = true;
    const body = Buffer.alloc(2 + Buffer.byteLength(reason));
    body.writeUInt16BE(code, 0);
    body.write(reason, 2);
    this.socket.end(encodeFrame(OP_CLOSE, body));
    // A client that never closes its side does not hold the socket forever.
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }

  /** Drops the connection without a close handshake. */
  destroy(): void {
    this.socket.destroy();
    this.finish();
  }

  receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (!this.over) {
      const frame = this.nextFrame();
      if (!frame) return;
      this.onFrame(frame.fin, frame.opcode, frame.payload);
    }
  }

  private nextFrame(): { fin: boolean; opcode: number; payload: Buffer } | undefined {
    const b = this.buffered;
    if (b.length < 2) return undefined;
    const b0 = b[0] ?? 0;
    const b1 = b[1] ?? 0;
    const masked = (b1 & 0x80) !== 0;
    let len = b1 & 0x7f;
    let at = 2;
    if (len === 126) {
      if (b.length < 4) return undefined;
      len = b.readUInt16BE(2);
      at = 4;
    } else if (len === 127) {
      if (b.length < 10) return undefined;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(this.maxMessageBytes)) {
        this.fail(1009, 'message too big');
        return undefined;
      }
      len = Number(big);
      at = 10;
    }
    if (!masked) {
      this.fail(1002, 'client frames must be masked');
      return undefined;
    }
    if (len + this.fragmentBytes > this.maxMessageBytes) {
      this.fail(1009, 'message too big');
      return undefined;
    }
    if (b.length < at + 4 + len) return undefined;
    const mask = b.subarray(at, at + 4);
    const payload = Buffer.from(b.subarray(at + 4, at + 4 + len));
    for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (mask[i & 3] ?? 0);
    this.buffered = b.subarray(at + 4 + len);
    return { fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload };
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case OP_PING:
        if (this.isOpen) this.socket.write(encodeFrame(OP_PONG, payload.subarray(0, 125)));
        return;
      case OP_PONG:
        return;
      case OP_CLOSE:
        this.close();
        this.finish();
        return;
      case OP_TEXT:
      case OP_BINARY:
        if (this.fragments.length > 0) return this.fail(1002, 'a new message inside a fragmented one');
        this.fragmentBinary = opcode === OP_BINARY;
        break;
      case OP_CONT:
        if (this.fragments.length === 0) return this.fail(1002, 'a continuation without a message');
        break;
      default:
        return this.fail(1002, `unknown opcode ${opcode}`);
    }
    if (fin && this.fragments.length === 0) {
      this.handlers.message(payload, this.fragmentBinary);
      return;
    }
    this.fragments.push(payload);
    this.fragmentBytes += payload.length;
    if (!fin) return;
    const whole = Buffer.concat(this.fragments);
    this.fragments = [];
    this.fragmentBytes = 0;
    this.handlers.message(whole, this.fragmentBinary);
  }

  private fail(code: number, reason: string): void {
    this.close(code, reason);
    this.finish();
  }

  private finish(): void {
    if (this.over) return;
    this.over = true;
    this.buffered = Buffer.alloc(0);
    this.handlers.closed();
  }
}

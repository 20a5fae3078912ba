/**
 * Byte-level helpers for Docker's streams: the 8-byte frame headers of non-TTY attach / logs /
 * exec output, splitting bytes into lines without breaking multi-byte characters, and the
 * newline-delimited JSON of pull progress. Pure; no I/O.
 */

export type StdStream = 'stdout' | 'stderr';

export interface Frame {
  stream: StdStream;
  payload: Buffer;
}

const HEADER = 8;

/**
 * Splits Docker's multiplexed stream into frames. A frame is
 * `[type, 0, 0, 0, size (uint32 big-endian)]` + `size` bytes, with type 0 (stdin, written on
 * stdout), 1 (stdout) or 2 (stderr). Chunks may cut frames anywhere. When the first bytes are not
 * a valid header the stream is not multiplexed (a TTY container) and is passed through as stdout.
 */
export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private mode: 'unknown' | 'frames' | 'raw' = 'unknown';

  push(chunk: Buffer): Frame[] {
    if (this.mode === 'raw') return chunk.length > 0 ? [{ stream: 'stdout', payload: chunk }] : [];
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.mode === 'unknown') {
      if (this.pending.length < HEADER) return [];
      if (!validHeader(this.pending)) {
        this.mode = 'raw';
        const all = this.pending;
        this.pending = Buffer.alloc(0);
        return [{ stream: 'stdout', payload: all }];
      }
      this.mode = 'frames';
    }
    const frames: Frame[] = [];
    let offset = 0;
    while (this.pending.length - offset >= HEADER) {
      const type = this.pending.readUInt8(offset);
      const size = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - HEADER < size) break;
      const payload = this.pending.subarray(offset + HEADER, offset + HEADER + size);
      if (size > 0) frames.push({ stream: type === 2 ? 'stderr' : 'stdout', payload });
      offset += HEADER + size;
    }
    this.pending = offset === this.pending.length ? Buffer.alloc(0) : this.pending.subarray(offset);
    return frames;
  }

  /** Bytes of an incomplete frame (or a too-short stream) left at the end. */
  leftover(): Buffer {
    return this.pending;
  }
}

function validHeader(b: Buffer): boolean {
  return b.readUInt8(0) <= 2 && b.readUInt8(1) === 0 && b.readUInt8(2) === 0 && b.readUInt8(3) === 0;
}

/** One over-long line is cut here rather than held in memory without bound. */
const MAX_LINE_BYTES = 1024 * 1024;

/** Turns a byte stream into lines (without the `\n`, and without a `\r` before it). */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;

  push(data: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      if (nl === -1) break;
      this.parts.push(data.subarray(start, nl));
      lines.push(this.take());
      start = nl + 1;
    }
    if (start < data.length) {
      const rest = data.subarray(start);
      this.parts.push(rest);
      this.size += rest.length;
      if (this.size >= MAX_LINE_BYTES) lines.push(this.take());
    }
    return lines;
  }

  /** The last line when the stream did not end with a newline. */
  flush(): string | undefined {
    if (this.parts.length === 0) return undefined;
    const line = this.take();
    return line === '' ? undefined : line;
  }

  private take(): string {
    const buf = this.parts.length === 1 && this.parts[0] !== undefined ? this.parts[0] : Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    const end = buf.length > 0 && buf.readUInt8(buf.length - 1) === 0x0d ? buf.length - 1 : buf.length;
    return buf.toString('utf8', 0, end);
  }
}

/** Parses one line of Docker's JSON message stream; undefined for blank or broken lines. */
export function parseJsonLine(line: string): unknown {
  const t = line.trim();
  if (t === '') return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

/** A chunk of a Docker stream or body as bytes. */
export function toBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v instanceof Uint8Array) return Buffer.from(v);
  // docker-modem parses a body that happens to be JSON; give the text back.
  return v === undefined || v === null ? Buffer.alloc(0) : Buffer.from(JSON.stringify(v), 'utf8');
}

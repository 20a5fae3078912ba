/**
 * A byte stream filter in front of aedes that reads each MQTT fixed header and refuses packets
 * larger than the limit before any of their body is buffered (aedes has no such limit).
 */
import { Transform, type TransformCallback } from 'node:stream';

export class PacketTooLarge extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`MQTT packet of ${size} bytes exceeds the limit of ${limit}`);
    this.name = 'PacketTooLarge';
  }
}

/** Parses the fixed header incrementally: 1 type byte, then a 1-4 byte variable-length integer. */
export class PacketGuard extends Transform {
  /** Bytes of the current packet's body still to pass through. */
  private remaining = 0;
  private inHeader = true;
  private headerBytes = 0;
  private length = 0;
  private multiplier = 1;

  constructor(private readonly maxPacketBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let i = 0;
    while (i < chunk.length) {
      if (!this.inHeader) {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.startHeader();
        continue;
      }
      const byte = chunk[i] ?? 0;
      i += 1;
      this.headerBytes += 1;
      if (this.headerBytes === 1) continue; // packet type and flags
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      if (byte & 0x80) {
        if (this.headerBytes > 5) return done(new PacketTooLarge(Number.MAX_SAFE_INTEGER, this.maxPacketBytes));
        continue;
      }
      if (this.length > this.maxPacketBytes) return done(new PacketTooLarge(this.length, this.maxPacketBytes));
      this.remaining = this.length;
      this.inHeader = this.remaining > 0 ? false : true;
      if (this.remaining === 0) this.startHeader();
    }
    done(null, chunk);
  }

  private startHeader(): void {
    this.inHeader = true;
    this.headerBytes = 0;
    this.length = 0;
    this.multiplier = 1;
  }
}

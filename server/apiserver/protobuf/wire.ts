/** Protocol buffers wire format: varints, tags and length-delimited fields (proto2, no packed decoding quirks). */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** Malformed bytes: the caller turns this into a 400 naming what was wrong. */
export class WireError extends Error {}

const TWO_64 = 1n << 64n;

/** A varint for an integer (negative values as 64-bit two's complement, as Go writes int32/int64). */
export function varint(value: number | bigint): Buffer {
  let v = typeof value === 'bigint' ? value : BigInt(value);
  if (v < 0n) v += TWO_64;
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

export function tag(num: number, wire: number): Buffer {
  return varint(num * 8 + wire);
}

export function lengthDelimited(num: number, body: Buffer): Buffer {
  return Buffer.concat([tag(num, WIRE_BYTES), varint(body.length), body]);
}

export interface WireField {
  num: number;
  wire: number;
  /** Varint fields: the raw unsigned 64-bit value. */
  int?: bigint;
  /** Length-delimited fields: the bytes. */
  bytes?: Buffer;
}

/** Splits one message into its fields, in order; refuses truncated or malformed input. */
export function readFields(buf: Buffer): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new WireError('truncated varint');
      const b = buf[pos++] ?? 0;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new WireError('varint longer than 10 bytes');
    }
  };
  while (pos < buf.length) {
    const key = readVarint();
    const num = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (num < 1) throw new WireError('field number 0');
    switch (wire) {
      case WIRE_VARINT:
        out.push({ num, wire, int: readVarint() });
        break;
      case WIRE_BYTES: {
        const len = Number(readVarint());
        if (pos + len > buf.length) throw new WireError(`field ${num} runs past the end of its message`);
        out.push({ num, wire, bytes: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        const len = wire === WIRE_FIXED64 ? 8 : 4;
        if (pos + len > buf.length) throw new WireError(`field ${num} runs past the end of its message`);
        out.push({ num, wire, bytes: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      default:
        throw new WireError(`field ${num} has unsupported wire type ${wire}`);
    }
  }
  return out;
}

/** A varint read as a signed 64-bit integer (how Go reads int32 and int64). */
export function signed(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

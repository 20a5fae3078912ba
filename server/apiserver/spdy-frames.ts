/**
 * SPDY/3.1 framing, the part kubectl's port-forward speaks through its WebSocket tunnel
 * (`SPDY/3.1+portforward.k8s.io`): the client opens streams (SYN_STREAM, headers compressed with
 * zlib and SPDY's dictionary), the server answers SYN_REPLY, both send DATA (FIN half-closes),
 * RST_STREAM resets, PING is echoed, GOAWAY ends. SETTINGS and WINDOW_UPDATE are read and
 * ignored (kubectl's spdystream does no SPDY flow control). Pure: bytes in, frames out.
 */
import { constants, createInflate, type Inflate } from 'node:zlib';

export const TYPE_SYN_STREAM = 1;
export const TYPE_SYN_REPLY = 2;
export const TYPE_RST_STREAM = 3;
export const TYPE_SETTINGS = 4;
export const TYPE_PING = 6;
export const TYPE_GOAWAY = 7;
export const TYPE_HEADERS = 8;
export const TYPE_WINDOW_UPDATE = 9;
export const FLAG_FIN = 0x01;
export const RST_PROTOCOL_ERROR = 1;
export const RST_REFUSED_STREAM = 3;
export const RST_CANCEL = 5;

/** Largest frame accepted from a client (kubectl sends at most 32 KiB of data per frame). */
export const MAX_FRAME_BYTES = 1024 * 1024;

export type SpdyFrame =
  | { control: true; type: number; flags: number; body: Buffer }
  | { control: false; streamId: number; flags: number; data: Buffer };

export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}

/** Cuts a byte stream into frames; frames may arrive split or joined in any way. */
export class SpdyFrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): SpdyFrame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const out: SpdyFrame[] = [];
    while (this.buffered.length >= 8) {
      const b = this.buffered;
      const length = b.readUInt32BE(4) & 0xffffff;
      if (length > MAX_FRAME_BYTES) throw new SpdyProtocolError(`frame of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
      if (b.length < 8 + length) break;
      const flags = b[4] ?? 0;
      const body = b.subarray(8, 8 + length);
      if (((b[0] ?? 0) & 0x80) !== 0) {
        const version = b.readUInt16BE(0) & 0x7fff;
        if (version !== 3) throw new SpdyProtocolError(`SPDY version ${version} is not supported`);
        out.push({ control: true, type: b.readUInt16BE(2), flags, body });
      } else {
        out.push({ control: false, streamId: b.readUInt32BE(0) & 0x7fffffff, flags, data: body });
      }
      this.buffered = b.subarray(8 + length);
    }
    return out;
  }
}

function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | body.length, 4);
  return Buffer.concat([head, body]);
}

export function dataFrame(streamId: number, data: Buffer, fin: boolean): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(((fin ? FLAG_FIN : 0) << 24) | data.length, 4);
  return Buffer.concat([head, data]);
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(streamId & 0x7fffffff, 0);
  body.writeUInt32BE(status, 4);
  return controlFrame(TYPE_RST_STREAM, 0, body);
}

export function pingFrame(body: Buffer): Buffer {
  return controlFrame(TYPE_PING, 0, body);
}

export function goAwayFrame(lastStreamId: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(lastStreamId & 0x7fffffff, 0);
  return controlFrame(TYPE_GOAWAY, 0, body);
}

/**
 * SYN_REPLY frames. Their header blocks form one zlib stream per connection; the server sends
 * no headers, so each block is written as a stored (uncompressed) deflate block, after a zlib
 * header without a preset dictionary on the first, and ends with an empty stored block as a
 * sync flush does: Go's inflater hands data out only at such a marker, so without it it would
 * read past the frame and fail the next one.
 */
export class SynReplyWriter {
  private first = true;

  frame(streamId: number): Buffer {
    const block = Buffer.from([0, 0, 0, 0]); // zero headers
    const stored = Buffer.alloc(5);
    stored[0] = 0; // BFINAL 0, BTYPE 00 (stored), padded to the byte
    stored.writeUInt16LE(block.length, 1);
    stored.writeUInt16LE(~block.length & 0xffff, 3);
    const zhead = this.first ? Buffer.from([0x78, 0x01]) : Buffer.alloc(0);
    this.first = false;
    const id = Buffer.alloc(4);
    id.writeUInt32BE(streamId & 0x7fffffff, 0);
    const syncMarker = Buffer.from([0, 0, 0, 0xff, 0xff]);
    return controlFrame(TYPE_SYN_REPLY, 0, Buffer.concat([id, zhead, stored, block, syncMarker]));
  }
}

const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
  'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/** SPDY/3's zlib dictionary for header blocks (1423 bytes): length-prefixed words, then a tail. */
export function spdyDictionary(): Buffer {
  const parts: Buffer[] = [];
  for (const w of DICTIONARY_WORDS) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length, 0);
    parts.push(len, Buffer.from(w, 'latin1'));
  }
  parts.push(Buffer.from(DICTIONARY_TAIL, 'latin1'));
  return Buffer.concat(parts);
}

/** Largest decompressed header block accepted (a zip bomb stops here). */
const MAX_HEADER_BLOCK_BYTES = 16 * 1024;

/** Parses a decompressed header block: count, then (name, value) pairs, each length-prefixed. */
export function parseHeaderBlock(block: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  const u32 = (): number => {
    if (at + 4 > block.length) throw new SpdyProtocolError('truncated header block');
    const v = block.readUInt32BE(at);
    at += 4;
    return v;
  };
  const str = (): string => {
    const len = u32();
    if (at + len > block.length) throw new SpdyProtocolError('truncated header block');
    const s = block.toString('latin1', at, at + len);
    at += len;
    return s;
  };
  const count = u32();
  if (count > 64) throw new SpdyProtocolError(`too many headers (${count})`);
  for (let i = 0; i < count; i++) {
    const name = str().toLowerCase();
    out.set(name, str());
  }
  return out;
}

/** Decompresses the client's header blocks: one zlib stream over the connection, in order. */
export class HeaderInflater {
  private readonly inflate: Inflate;
  private chain: Promise<unknown> = Promise.resolve();

  constructor() {
    this.inflate = createInflate({ dictionary: spdyDictionary() });
    this.inflate.on('error', () => undefined);
  }

  /** The headers of one compressed block; blocks must be given in the order they arrived. */
  headers(compressed: Buffer): Promise<Map<string, string>> {
    const run = this.chain.then(
      () =>
        new Promise<Map<string, string>>((resolve, reject) => {
          const out: Buffer[] = [];
          let size = 0;
          const onData = (d: Buffer): void => {
            size += d.length;
            if (size <= MAX_HEADER_BLOCK_BYTES) out.push(d);
          };
          const onError = (e: Error): void => {
            this.inflate.off('data', onData);
            reject(new SpdyProtocolError(`header block: ${e.message}`));
          };
          this.inflate.on('data', onData);
          this.inflate.once('error', onError);
          this.inflate.write(compressed);
          this.inflate.flush(constants.Z_SYNC_FLUSH, () => {
            this.inflate.off('data', onData);
            this.inflate.off('error', onError);
            if (size > MAX_HEADER_BLOCK_BYTES) return reject(new SpdyProtocolError('header block too large'));
            try {
              resolve(parseHeaderBlock(Buffer.concat(out)));
            } catch (e: unknown) {
              reject(e instanceof Error ? e : new SpdyProtocolError(String(e)));
            }
          });
        }),
    );
    this.chain = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.inflate.close();
  }
}

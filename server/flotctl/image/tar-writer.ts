/**
 * Writes a POSIX ustar archive of directories, in-memory files and local files (streamed), as
 * `docker load` reads it. Names must fit ustar's 100 bytes (blobs/sha256/<64 hex> does).
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';

export type TarEntry = { name: string; data: Buffer } | { name: string; file: string; size: number };

function header(name: string, size: number, type: '0' | '5', mode: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: name ${name} is longer than 100 bytes`);
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write(`${mode.toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

async function put(out: WriteStream, chunk: Buffer | Uint8Array): Promise<void> {
  if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
}

export async function writeTar(path: string, dirs: readonly string[], entries: readonly TarEntry[]): Promise<void> {
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.once('finish', resolve);
  });
  try {
    for (const d of dirs) await put(out, header(d, 0, '5', 0o755));
    for (const e of entries) {
      const size = 'data' in e ? e.data.length : e.size;
      await put(out, header(e.name, size, '0', 0o644));
      if ('data' in e) await put(out, e.data);
      else {
        let n = 0;
        for await (const chunk of createReadStream(e.file) as AsyncIterable<Buffer>) {
          n += chunk.length;
          await put(out, chunk);
        }
        if (n !== size) throw new Error(`tar: ${e.file} changed size while archived (${n} of ${size} bytes)`);
      }
      if (size % 512 !== 0) await put(out, Buffer.alloc(512 - (size % 512)));
    }
    await put(out, Buffer.alloc(1024));
  } finally {
    out.end();
  }
  await done;
}

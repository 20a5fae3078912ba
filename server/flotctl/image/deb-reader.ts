/**
 * Reads the files of a .deb (an `ar` archive holding data.tar.gz or data.tar) without dpkg: the
 * regular files, directories and symlinks with their modes, as the package would install them.
 */
import { gunzipSync } from 'node:zlib';

export interface DebEntry {
  /** Absolute path on the device, e.g. /usr/bin/flotilla-agent. */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  data?: Buffer;
  target?: string;
}

const AR_MAGIC = '!<arch>\n';

function arMembers(buf: Buffer): Map<string, Buffer> {
  if (buf.subarray(0, 8).toString('latin1') !== AR_MAGIC) throw new Error('not a Debian package (no ar header)');
  const out = new Map<string, Buffer>();
  let off = 8;
  while (off + 60 <= buf.length) {
    const name = buf.subarray(off, off + 16).toString('latin1').trim().replace(/\/$/, '');
    const size = Number.parseInt(buf.subarray(off + 48, off + 58).toString('latin1').trim(), 10);
    if (!Number.isFinite(size) || size < 0 || off + 60 + size > buf.length) throw new Error(`truncated ar member ${name}`);
    out.set(name, buf.subarray(off + 60, off + 60 + size));
    off += 60 + size + (size % 2);
  }
  return out;
}

function field(h: Buffer, start: number, len: number): string {
  const s = h.subarray(start, start + len).toString('utf8');
  const nul = s.indexOf('\0');
  return nul >= 0 ? s.slice(0, nul) : s;
}

function octal(h: Buffer, start: number, len: number): number {
  const s = field(h, start, len).trim();
  return s === '' ? 0 : Number.parseInt(s, 8);
}

/** The entries of a tar archive (ustar and GNU long names). */
export function tarEntries(tar: Buffer): DebEntry[] {
  const out: DebEntry[] = [];
  let off = 0;
  let longName: string | undefined;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] ?? 0);
    const body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = field(body, 0, body.length);
      continue;
    }
    const prefix = field(h, 345, 155);
    const raw = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = undefined;
    const path = `/${raw.replace(/^\.?\/+/, '')}`.replace(/\/+$/, '');
    if (path === '') continue;
    const mode = octal(h, 100, 8) & 0o7777;
    if (type === '5') out.push({ path, type: 'dir', mode });
    else if (type === '2') out.push({ path, type: 'symlink', mode, target: field(h, 157, 100) });
    else if (type === '0' || type === '\0') out.push({ path, type: 'file', mode, data: Buffer.from(body) });
  }
  return out;
}

/** The data entries of a .deb, and its control file's Architecture. */
export function readDeb(buf: Buffer): { architecture: string; entries: DebEntry[] } {
  const members = arMembers(buf);
  const dataName = [...members.keys()].find((n) => n.startsWith('data.tar'));
  const controlName = [...members.keys()].find((n) => n.startsWith('control.tar'));
  if (dataName === undefined || controlName === undefined) throw new Error('not a Debian package (no data.tar or control.tar)');
  const unpack = (name: string, b: Buffer): Buffer => {
    if (name.endsWith('.gz')) return gunzipSync(b);
    if (name.endsWith('.tar')) return b;
    throw new Error(`${name}: only gzip or uncompressed .deb members are supported (build it with npm run package)`);
  };
  const control = tarEntries(unpack(controlName, members.get(controlName) ?? Buffer.alloc(0))).find((e) => e.path === '/control');
  const architecture = /^Architecture:\s*(\S+)/m.exec(control?.data?.toString('utf8') ?? '')?.[1] ?? '';
  return { architecture, entries: tarEntries(unpack(dataName, members.get(dataName) ?? Buffer.alloc(0))) };
}

/**
 * The drives `flotctl flash` may write, from /sys/block (Linux): size, model, removable, and
 * whether the running system uses it (a partition of it is mounted or used as swap). Deciding
 * whether a target may be written is pure (`checkTarget`), reading the machine is not.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

export interface Drive {
  device: string;
  name: string;
  sizeBytes: number;
  model: string;
  removable: boolean;
  /** Mount points (and "[swap]") of the drive and its partitions. */
  inUse: string[];
}

/** Mount points that make a drive the system's own. */
const SYSTEM_MOUNTS = ['/', '/boot', '/boot/efi', '/boot/firmware', '/usr', '/var', '/home', '[swap]'];

async function readText(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return '';
  }
}

/** Device name → mount points, from /proc/mounts and /proc/swaps. */
export function usage(mounts: string, swaps: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (dev: string, where: string): void => {
    if (!dev.startsWith('/dev/')) return;
    const name = basename(dev);
    out.set(name, [...(out.get(name) ?? []), where]);
  };
  for (const l of mounts.split('\n')) {
    const [dev, where] = l.split(' ');
    if (dev && where) add(dev, where.replace(/\\040/g, ' '));
  }
  for (const l of swaps.split('\n').slice(1)) {
    const [dev] = l.split(/\s+/);
    if (dev) add(dev, '[swap]');
  }
  return out;
}

export async function listDrives(): Promise<Drive[]> {
  const [mounts, swaps] = await Promise.all([readText('/proc/mounts'), readText('/proc/swaps')]);
  const used = usage(mounts, swaps);
  const out: Drive[] = [];
  for (const name of (await readdir('/sys/block').catch(() => [] as string[])).sort()) {
    if (/^(ram|zram|dm-|md|sr|fd)/.test(name)) continue;
    const sys = join('/sys/block', name);
    const sizeBytes = Number(await readText(join(sys, 'size'))) * 512;
    if (!(sizeBytes > 0)) continue;
    const parts = (await readdir(sys)).filter((p) => p.startsWith(name));
    const inUse = [name, ...parts].flatMap((p) => used.get(p) ?? []);
    const model = [await readText(join(sys, 'device', 'vendor')), await readText(join(sys, 'device', 'model'))].filter(Boolean).join(' ');
    out.push({ device: `/dev/${name}`, name, sizeBytes, model, removable: (await readText(join(sys, 'removable'))) === '1', inUse });
  }
  return out;
}

export type Target = { kind: 'file'; path: string } | { kind: 'drive'; path: string; drive: Drive };

/** Why a drive may not be written without --force; undefined when it may. */
export function refusal(d: Drive, imageBytes: number): string | undefined {
  const system = d.inUse.filter((m) => SYSTEM_MOUNTS.includes(m));
  if (system.length > 0) return `${d.device} is a system drive (${system.join(', ')} on it)`;
  if (d.inUse.length > 0) return `${d.device} is in use (mounted at ${d.inUse.join(', ')}); unmount it first`;
  if (!d.removable && !d.name.startsWith('loop')) return `${d.device} is not a removable drive`;
  if (d.sizeBytes < imageBytes) return `${d.device} holds ${d.sizeBytes} bytes, the image needs ${imageBytes}`;
  return undefined;
}

/** A target path: a block device (looked up among the drives) or a regular file (made if missing). */
export async function resolveTarget(path: string, drives: readonly Drive[]): Promise<Target> {
  if (!existsSync(path)) return { kind: 'file', path };
  const st = await stat(path);
  if (st.isFile()) return { kind: 'file', path };
  if (!st.isBlockDevice()) throw new Error(`${path} is neither a block device nor a regular file`);
  const real = await realpath(path);
  const drive = drives.find((d) => d.device === real);
  if (!drive) throw new Error(`${path} is a partition or an unknown device; give the whole drive (flotctl flash --list)`);
  return { kind: 'drive', path: real, drive };
}

export function describeTarget(t: Target): string {
  if (t.kind === 'file') return `${t.path} (file)`;
  const gb = (t.drive.sizeBytes / 1e9).toFixed(1);
  return `${t.path} (${t.drive.model || 'unknown model'}, ${gb} GB${t.drive.removable ? ', removable' : ''})`;
}

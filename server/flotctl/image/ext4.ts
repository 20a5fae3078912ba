/**
 * Writes files, directories and symlinks into the ext4 root partition of a disk image with
 * debugfs, then reads every one back (type, mode, owner, size) and runs `e2fsck -fn`: an edit
 * that did not land, or a damaged filesystem, fails the build instead of producing a bad card.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from './tools.js';

export type RootEdit =
  /** `keep`: an existing directory keeps its mode (/usr, /etc, …); only a new one gets `mode`. */
  | { kind: 'dir'; path: string; mode: number; keep: boolean }
  | { kind: 'file'; path: string; mode: number; data: Buffer | LocalFile }
  | { kind: 'symlink'; path: string; target: string };

/** A file already on the build machine (a preload archive), written without reading it into memory. */
export interface LocalFile {
  localPath: string;
  size: number;
}

function sizeOf(data: Buffer | LocalFile): number {
  return Buffer.isBuffer(data) ? data.length : data.size;
}

export interface Inode {
  type: 'regular' | 'directory' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  size: number;
}

const DEBUGFS_ENV = { DEBUGFS_PAGER: '__none__', PAGER: '__none__' };

function quote(p: string): string {
  if (/["\s\\]/.test(p)) throw new Error(`path ${JSON.stringify(p)} has a quote, space or backslash; debugfs cannot take it`);
  return p;
}

/** Applies `edits` in order; files are staged as local files in `tmpDir`. */
export async function applyRootEdits(image: string, offset: number, edits: readonly RootEdit[], tmpDir: string): Promise<void> {
  // debugfs' mkdir of an existing directory leaves an orphan inode behind (e2fsprogs 1.47):
  // only missing directories are created.
  const existing = await statRoot(image, offset, edits.filter((e) => e.kind === 'dir').map((e) => e.path), tmpDir);
  const cmds: string[] = [];
  for (const [i, e] of edits.entries()) {
    const p = quote(e.path);
    if (e.kind === 'dir') {
      if (e.keep && existing.has(e.path)) continue;
      if (!existing.has(e.path)) cmds.push(`mkdir ${p}`);
      cmds.push(`sif ${p} mode 0${(0o040000 | e.mode).toString(8)}`);
    } else if (e.kind === 'file') {
      let local: string;
      if (Buffer.isBuffer(e.data)) {
        local = join(tmpDir, `f${i}`);
        await writeFile(local, e.data);
      } else {
        local = quote(e.data.localPath);
      }
      cmds.push(`rm ${p}`, `write ${local} ${p}`, `sif ${p} mode 0${(0o100000 | e.mode).toString(8)}`);
    } else {
      cmds.push(`rm ${p}`, `symlink ${p} ${quote(e.target)}`);
    }
    cmds.push(`sif ${p} uid 0`, `sif ${p} gid 0`);
  }
  const script = join(tmpDir, 'debugfs.cmds');
  await writeFile(script, `${cmds.join('\n')}\n`);
  // "already exists" and "not found" from mkdir/rm are expected; the read-back below decides.
  await runTool('debugfs', ['-w', '-f', script, `${image}?offset=${offset}`], DEBUGFS_ENV);
}

/** Inode facts of each path (absent paths are missing from the map). */
export async function statRoot(image: string, offset: number, paths: readonly string[], tmpDir: string): Promise<Map<string, Inode>> {
  const script = join(tmpDir, 'stat.cmds');
  await writeFile(script, `${paths.map((p) => `stat ${quote(p)}`).join('\n')}\n`);
  const { stdout } = await runTool('debugfs', ['-f', script, `${image}?offset=${offset}`], DEBUGFS_ENV);
  const out = new Map<string, Inode>();
  for (const block of stdout.split(/^debugfs: stat /m).slice(1)) {
    const path = block.slice(0, block.indexOf('\n')).trim();
    const m = /Type: (\w+)\s+Mode:\s+(\d+)/.exec(block);
    const owner = /User:\s+(\d+)\s+Group:\s+(\d+)(?:\s+Project:\s+\d+)?\s+Size:\s+(\d+)/.exec(block);
    if (!m || !owner) continue;
    const t = m[1];
    out.set(path, {
      type: t === 'regular' || t === 'directory' || t === 'symlink' ? t : 'other',
      mode: Number.parseInt(m[2] ?? '0', 8),
      uid: Number(owner[1]),
      gid: Number(owner[2]),
      size: Number(owner[3]),
    });
  }
  return out;
}

/** Checks that every edit landed; throws naming the first that did not. */
export async function verifyRootEdits(image: string, offset: number, edits: readonly RootEdit[], tmpDir: string): Promise<void> {
  const st = await statRoot(image, offset, edits.map((e) => e.path), tmpDir);
  for (const e of edits) {
    const got = st.get(e.path);
    if (!got) throw new Error(`${e.path} is missing from the root filesystem after writing it (full?)`);
    // A kept directory may be a symlink to one (/lib → usr/lib on a merged-/usr system).
    if (e.kind === 'dir' && e.keep && (got.type === 'directory' || got.type === 'symlink')) continue;
    const want = e.kind === 'dir' ? 'directory' : e.kind === 'file' ? 'regular' : 'symlink';
    if (got.type !== want) throw new Error(`${e.path} is a ${got.type}, expected a ${want}`);
    if (e.kind !== 'symlink' && got.mode !== e.mode) throw new Error(`${e.path} has mode ${got.mode.toString(8)}, expected ${e.mode.toString(8)}`);
    if (e.kind === 'file' && got.size !== sizeOf(e.data)) throw new Error(`${e.path} has ${got.size} bytes, expected ${sizeOf(e.data)}`);
    if (got.uid !== 0 || got.gid !== 0) throw new Error(`${e.path} is owned by ${got.uid}:${got.gid}, expected root`);
  }
  await runTool('e2fsck', ['-fn', `${image}?offset=${offset}`]);
}

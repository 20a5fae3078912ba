/**
 * Reads a built device image back independently of the builder: the ext4 root with e2fsprogs'
 * debugfs (IMAGE?offset=N), the FAT boot partition with mtools (IMAGE@@N).
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sh, type BaseImage } from './device-artifacts.js';
import { run } from './run.js';

const MTOOLS = { MTOOLS_SKIP_CHECK: '1' };

/** `debugfs stat` of a path in the image's root: type, octal mode, uid, gid; undefined when absent. */
export async function rootStat(img: BaseImage, path: string): Promise<{ type: string; mode: string; uid: string; gid: string } | undefined> {
  const r = await run('debugfs', ['-R', `stat ${path}`, `${img.path}?offset=${img.root.offset}`], { env: { ...process.env, DEBUGFS_PAGER: '__none__' } });
  const m = /Type: (\w+)\s+Mode:\s+(\d+)/.exec(r.stdout);
  const o = /User:\s+(\d+)\s+Group:\s+(\d+)/.exec(r.stdout);
  return m && o ? { type: m[1] ?? '', mode: m[2] ?? '', uid: o[1] ?? '', gid: o[2] ?? '' } : undefined;
}

/** A file of the image's root, copied out with debugfs into `tmp`. */
export async function rootCat(img: BaseImage, path: string, tmp: string): Promise<Buffer> {
  const local = join(tmp, `cat-${Math.random().toString(36).slice(2)}`);
  await sh('debugfs', ['-R', `dump ${path} ${local}`, `${img.path}?offset=${img.root.offset}`]);
  try {
    return await readFile(local);
  } finally {
    await rm(local, { force: true });
  }
}

/** A file of the image's FAT boot partition. */
export async function bootFile(img: BaseImage, name: string): Promise<string> {
  const r = await run('mtype', ['-i', `${img.path}@@${img.boot.offset}`, `::${name}`], { env: { ...process.env, ...MTOOLS } });
  assert.equal(r.code, 0, `${name} on the boot partition: ${r.stderr}`);
  return r.stdout;
}

/**
 * Reads a built device image back independently of the builder: the ext4 root with e2fsprogs'
 * debugfs (IMAGE?offset=N), the FAT boot partition with mtools (IMAGE@@N).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { agentDeb, DEVICE_CACHE, piBaseImage, sh, type BaseImage, type PartitionTable } from './device-artifacts.js';
import { tsEntry } from './hub.js';
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

/** A join string for image builds that never reach a hub (the builder only parses it). */
export const OFFLINE_JOIN = `mqtts://abcdef.0123456789abcdef@hub.example:8883/?ca=sha256:${'1'.repeat(64)}&key=sha256:${'2'.repeat(64)}`;

export interface ImageBuildRig {
  base: BaseImage;
  deb: string;
  /** A fresh directory in the device cache, removed by dispose(). */
  work: string;
  dispose(): Promise<void>;
}

/** What image-build tests share: a base image (MBR or GPT), the arm64 agent package, a work directory. */
export async function imageBuildRig(table: PartitionTable, workPrefix: string): Promise<ImageBuildRig> {
  const base = await piBaseImage(table);
  const deb = await agentDeb('arm64');
  await mkdir(DEVICE_CACHE, { recursive: true });
  const work = await mkdtemp(join(DEVICE_CACHE, workPrefix));
  return { base, deb, work, dispose: () => rm(work, { recursive: true, force: true }) };
}

/** `flotctl image build ARGS` from the sources. */
export function flotctlImageBuild(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const flot = tsEntry('server/flotctl/main.ts');
  return run(flot.cmd, [...flot.args, 'image', 'build', ...args], { timeoutMs: 600_000 });
}

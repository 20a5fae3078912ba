/**
 * The userspace tools that edit a partition of a disk image in place, without mounting and
 * without root: e2fsprogs' debugfs (ext4, addressed as IMAGE?offset=N) and mtools (FAT, IMAGE@@N).
 * Their files are given as local paths; every edit is read back afterwards (see ext4.ts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface ToolResult {
  stdout: string;
  stderr: string;
}

export async function runTool(cmd: string, args: string[], env: Record<string, string> = {}): Promise<ToolResult> {
  try {
    return await exec(cmd, args, { maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ...env } });
  } catch (e: unknown) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    if (err.code === 'ENOENT') throw new Error(`${cmd} is not installed (Debian/Ubuntu: apt-get install ${cmd === 'debugfs' || cmd === 'e2fsck' ? 'e2fsprogs' : 'mtools'})`, { cause: e });
    throw new Error(`${cmd} failed: ${`${err.stdout ?? ''}\n${err.stderr ?? err.message}`.trim().slice(-1500)}`, { cause: e });
  }
}

const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: '1' };

/** A file of the FAT partition at byte `offset`; undefined when it does not exist. */
export async function fatRead(image: string, offset: number, name: string): Promise<string | undefined> {
  const list = await runTool('mdir', ['-b', '-i', `${image}@@${offset}`, '::/'], MTOOLS_ENV);
  if (!list.stdout.split('\n').some((l) => l.trim().toLowerCase() === `::/${name.toLowerCase()}`)) return undefined;
  return (await runTool('mtype', ['-i', `${image}@@${offset}`, `::${name}`], MTOOLS_ENV)).stdout;
}

/** Writes (replaces) a file in the FAT partition's root from a local file. */
export async function fatWrite(image: string, offset: number, name: string, localPath: string): Promise<void> {
  await runTool('mcopy', ['-o', '-i', `${image}@@${offset}`, localPath, `::${name}`], MTOOLS_ENV);
}

/**
 * hostPath `type` checks, with the kubelet's wording: '' checks nothing (a missing path is made
 * a directory, as container runtimes do), `DirectoryOrCreate` / `FileOrCreate` create what is
 * missing, the others require the path to exist and be of that kind.
 */
import { lstat, mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname } from 'node:path';
import { errnoCode } from '../../shared/util/guards.js';

import type { HostPathType } from '../../shared/api/types/index.js';

export type { HostPathType } from '../../shared/api/types/index.js';

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

const KIND: Record<Exclude<HostPathType, '' | 'DirectoryOrCreate' | 'FileOrCreate'>, { what: string; is: (s: Stats) => boolean }> = {
  Directory: { what: 'a directory', is: (s) => s.isDirectory() },
  File: { what: 'a file', is: (s) => s.isFile() },
  Socket: { what: 'a socket', is: (s) => s.isSocket() },
  CharDevice: { what: 'a character device', is: (s) => s.isCharacterDevice() },
  BlockDevice: { what: 'a block device', is: (s) => s.isBlockDevice() },
};

export class HostPathError extends Error {}

function failed(path: string, what: string): HostPathError {
  return new HostPathError(`hostPath type check failed: ${path} is not ${what}`);
}

/** Checks (and for the *OrCreate types, creates) a hostPath; throws HostPathError. */
export async function checkHostPath(path: string, type: HostPathType): Promise<void> {
  const st = await statOrUndefined(path);
  switch (type) {
    case '':
      if (!st) {
        // Not a check: what Docker's -v and containerd do for a missing bind source.
        try {
          await lstat(path);
        } catch {
          await mkdir(path, { recursive: true, mode: 0o755 });
        }
      }
      return;
    case 'DirectoryOrCreate':
      if (!st) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) throw failed(path, 'a directory');
      return;
    case 'FileOrCreate':
      if (!st) {
        await mkdir(dirname(path), { recursive: true, mode: 0o755 });
        const fh = await open(path, 'a', 0o644);
        await fh.close();
      } else if (!st.isFile()) {
        throw failed(path, 'a file');
      }
      return;
    default: {
      const k = KIND[type];
      if (!st || !k.is(st)) throw failed(path, k.what);
    }
  }
}

/**
 * subPath without escaping the volume (the CVE-2017-1002101 class): a container that can write
 * into a volume can plant a symlink there; a bind of `VOLUME/subPath` would follow it onto the
 * host. So every component below the volume root is checked with lstat (a symlink is refused,
 * as the kubelet's safe open refuses one) and the result's real path must stay inside the
 * volume's real path. Missing directories are made one component at a time, never through a link.
 */
import { lstat, mkdir, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { errnoCode } from '../../shared/util/guards.js';

export class SubPathError extends Error {}

function components(subPath: string): string[] {
  const parts = subPath.split('/').filter((p) => p !== '' && p !== '.');
  if (subPath.startsWith('/') || parts.includes('..')) throw new SubPathError(`subPath ${JSON.stringify(subPath)} must be relative and must not contain '..'`);
  return parts;
}

async function inside(root: string, path: string, subPath: string): Promise<void> {
  const [realRoot, real] = await Promise.all([realpath(root), realpath(path)]);
  const rel = relative(realRoot, real);
  if (rel.startsWith(`..${sep}`) || rel === '..' || rel.startsWith(sep)) {
    throw new SubPathError(`subPath ${JSON.stringify(subPath)} resolves to ${real}, outside the volume`);
  }
}

/**
 * The host path of `subPath` in the volume at `root`, checked: no component is a symlink and
 * it lies inside the volume. `create` makes missing directories (the kubelet does for subPaths).
 */
export async function resolveSubPath(root: string, subPath: string, create: boolean): Promise<string> {
  let path = root;
  for (const part of components(subPath)) {
    path = join(path, part);
    let st;
    try {
      st = await lstat(path);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT' || !create) throw e;
      // mkdir without recursive: it fails rather than follow a link a container just planted.
      await mkdir(path, { mode: 0o755 });
      st = await lstat(path);
    }
    if (st.isSymbolicLink()) {
      throw new SubPathError(`subPath ${JSON.stringify(subPath)}: ${JSON.stringify(relative(root, path))} is a symbolic link; refusing to follow it out of the volume`);
    }
  }
  await inside(root, path, subPath);
  return path;
}

/**
 * Projects files into a directory the way Kubernetes' AtomicWriter does, so a container that
 * bind-mounts the directory sees ConfigMap/Secret updates without a restart, and never a
 * half-written set:
 *
 *   DIR/..2026_01_01_12_00_00.Ab12Cd/   the files of one version (written completely first)
 *   DIR/..data -> ..2026_01_01_…         swapped atomically (symlink ..data_tmp, then rename)
 *   DIR/key -> ..data/key                one symlink per top-level name, relative
 *
 * DIR itself is never replaced (the bind mount keeps pointing at its inode); the previous
 * version directory is removed after the swap, and names no longer projected are unlinked.
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, symlink, unlink, writeFile, chmod } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { errnoCode } from '../../shared/util/guards.js';

export const DATA_DIR_NAME = '..data';
const DATA_DIR_TMP_NAME = '..data_tmp';

export interface ProjectedFile {
  /** Relative, `/`-separated, no `..` segment. */
  path: string;
  data: Buffer;
  /** Permission bits (e.g. 0o644). */
  mode: number;
}

export interface WriteResult {
  /** A new version was written (false: the directory already held exactly this payload). */
  changed: boolean;
  /** The version directory `..data` points at now. */
  version: string;
}

/** Throws unless `p` is a relative path below the volume root. */
export function checkProjectedPath(p: string): void {
  if (p === '' || p.startsWith('/')) throw new Error(`invalid path ${JSON.stringify(p)}: must be relative`);
  const parts = p.split('/');
  if (parts.some((s) => s === '..' || s === '')) throw new Error(`invalid path ${JSON.stringify(p)}: must not contain '..' or empty segments`);
  if (parts[0]?.startsWith('..')) throw new Error(`invalid path ${JSON.stringify(p)}: must not start with '..'`);
}

function topLevel(p: string): string {
  return p.split('/')[0] ?? p;
}

/** `..2006_01_02_15_04_05.` of `now` (UTC), the prefix Kubernetes gives version directories. */
function versionPrefix(now: Date): string {
  const d = now.toISOString(); // 2026-01-01T12:00:00.000Z
  return `..${d.slice(0, 4)}_${d.slice(5, 7)}_${d.slice(8, 10)}_${d.slice(11, 13)}_${d.slice(14, 16)}_${d.slice(17, 19)}.`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return false;
    throw e;
  }
}

async function currentVersion(dir: string): Promise<string | undefined> {
  try {
    return await readlink(join(dir, DATA_DIR_NAME));
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT' || code === 'EINVAL') return undefined;
    throw e;
  }
}

/** True when `versionDir` holds exactly `files` (same paths, bytes and modes). */
async function holds(versionDir: string, files: readonly ProjectedFile[]): Promise<boolean> {
  const want = new Map(files.map((f) => [f.path, f]));
  const found: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const ent of await readdir(join(versionDir, rel), { withFileTypes: true })) {
      const p = rel === '' ? ent.name : posix.join(rel, ent.name);
      if (ent.isDirectory()) await walk(p);
      else found.push(p);
    }
  };
  try {
    await walk('');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return false;
    throw e;
  }
  if (found.length !== want.size) return false;
  for (const p of found) {
    const f = want.get(p);
    if (!f) return false;
    const full = join(versionDir, p);
    const st = await stat(full);
    if ((st.mode & 0o777) !== (f.mode & 0o777)) return false;
    if (!(await readFile(full)).equals(f.data)) return false;
  }
  return true;
}

async function writeVersion(dir: string, files: readonly ProjectedFile[], now: Date): Promise<string> {
  const versionDir = await mkdtemp(join(dir, versionPrefix(now)));
  await chmod(versionDir, 0o755);
  for (const f of files) {
    const full = join(versionDir, f.path);
    await mkdir(dirname(full), { recursive: true, mode: 0o755 });
    await writeFile(full, f.data, { mode: f.mode & 0o777 });
    // writeFile's mode is filtered by the umask; the projection's mode is exact.
    await chmod(full, f.mode & 0o777);
  }
  return versionDir.slice(dir.length + 1);
}

/** Writes `files` into `dir` (created if missing) atomically; see the module comment. */
export async function writeAtomic(dir: string, files: readonly ProjectedFile[], now: Date): Promise<WriteResult> {
  for (const f of files) checkProjectedPath(f.path);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const old = await currentVersion(dir);
  const wanted = new Set(files.map((f) => topLevel(f.path)));

  let version = old;
  let changed = false;
  if (old === undefined || !(await holds(join(dir, old), files))) {
    version = await writeVersion(dir, files, now);
    const tmp = join(dir, DATA_DIR_TMP_NAME);
    await rm(tmp, { force: true });
    await symlink(version, tmp);
    await rename(tmp, join(dir, DATA_DIR_NAME));
    changed = true;
  }

  // User-visible names: a relative symlink per top-level name into ..data.
  for (const name of wanted) {
    const link = join(dir, name);
    const target = posix.join(DATA_DIR_NAME, name);
    let current: string | undefined;
    try {
      current = await readlink(link);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'EINVAL') await rm(link, { recursive: true, force: true });
      else if (code !== 'ENOENT') throw e;
    }
    if (current !== target) {
      if (current !== undefined) await unlink(link);
      await symlink(target, link);
    }
  }
  // Names no longer projected, and version directories other than the current one.
  for (const ent of await readdir(dir)) {
    if (ent === DATA_DIR_NAME || ent === version) continue;
    if (ent.startsWith('..')) {
      await rm(join(dir, ent), { recursive: true, force: true });
      continue;
    }
    if (!wanted.has(ent)) await rm(join(dir, ent), { recursive: true, force: true });
  }
  return { changed, version: version ?? '' };
}

/** For tests and checks: the files `..data` currently points at. */
export async function projectedVersion(dir: string): Promise<string | undefined> {
  if (!(await exists(join(dir, DATA_DIR_NAME)))) return undefined;
  return currentVersion(dir);
}

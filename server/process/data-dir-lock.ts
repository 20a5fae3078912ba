/**
 * One hub per data dir: two hubs on one store would each hold it in memory and overwrite each
 * other's writes. `DATA_DIR/hub.lock` holds the pid of the hub that owns the dir; a second hub
 * refuses to start while that process lives, and takes a lock left behind by a dead one over.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, errorMessage } from '../../shared/util/guards.js';

export const LOCK_FILE = 'hub.lock';

/** A lock this process holds; `release` removes it (only if it is still ours). */
export interface DataDirLock {
  path: string;
  /** The pid of the dead hub whose lock was taken over, if any. */
  tookOverFrom?: number;
  release(): Promise<void>;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
    dataDir: string,
  ) {
    super(`another hub (pid ${pid}) is running on data dir ${dataDir} (lock file ${path}); stop it first, or give this hub its own --data-dir`);
    this.name = 'DataDirLockedError';
  }
}

/** Whether process `pid` exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    return errnoCode(e) === 'EPERM';
  }
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch (e: unknown) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/** Creates the lock file holding `pid`; false if it exists already. */
async function create(path: string, pid: number): Promise<boolean> {
  try {
    const f = await open(path, 'wx', 0o644);
    try {
      await f.writeFile(`${pid}\n`);
      await f.sync();
    } finally {
      await f.close();
    }
    return true;
  } catch (e: unknown) {
    if (errnoCode(e) === 'EEXIST') return false;
    throw new Error(`cannot create the lock file ${path}: ${errorMessage(e)}`, { cause: e });
  }
}

/**
 * Takes the data dir's lock for `pid` (this process by default). Throws DataDirLockedError
 * while a live process holds it.
 */
export async function lockDataDir(dataDir: string, pid: number = process.pid, alive: (pid: number) => boolean = processAlive): Promise<DataDirLock> {
  const path = join(dataDir, LOCK_FILE);
  let tookOverFrom: number | undefined;
  // Two rounds: a stale lock is removed once, then created as anyone else would (O_EXCL), so two
  // hubs taking over the same stale lock cannot both win.
  for (let round = 0; round < 2; round++) {
    if (await create(path, pid)) {
      return {
        path,
        ...(tookOverFrom !== undefined ? { tookOverFrom } : {}),
        async release() {
          if ((await readPid(path)) === pid) await unlink(path).catch(() => undefined);
        },
      };
    }
    const holder = await readPid(path);
    if (holder !== undefined && holder !== pid && alive(holder)) throw new DataDirLockedError(path, holder, dataDir);
    tookOverFrom = holder;
    await unlink(path).catch((e: unknown) => {
      if (errnoCode(e) !== 'ENOENT') throw e;
    });
  }
  throw new Error(`cannot take the lock file ${path}: another hub took it at the same moment`);
}

/**
 * The hub's desired-state epoch (shared/protocol/revision.ts), kept in DATA_DIR/desired-epoch.
 * Devices refuse a document older than the one they hold; a hub restored from an older copy of
 * its data dir issues seqs that went back, so every device would refuse it until its store
 * caught up. The operator confirms that the hub's state wins by starting it once with
 * `--new-desired-epoch`: the epoch becomes the current Unix time (at least the old one + 1), a
 * value no earlier copy of this data dir can have handed out, and every document carries it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_EPOCH } from '../../shared/protocol/index.js';
import { writeFileAtomic } from '../../shared/util/atomic-file.js';
import { errnoCode } from '../../shared/util/guards.js';

export const DESIRED_EPOCH_FILE = 'desired-epoch';

async function readEpoch(path: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e: unknown) {
    if (errnoCode(e) === 'ENOENT') return 0;
    throw e;
  }
  const epoch = Number(text.trim());
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) throw new Error(`${path}: not an epoch (an integer in [0, ${MAX_EPOCH}]): ${JSON.stringify(text.trim().slice(0, 40))}`);
  return epoch;
}

/** The epoch to issue documents under; `bump` starts a new one (and persists it) first. */
export async function loadDesiredEpoch(dataDir: string, opts: { bump: boolean; now: Date }): Promise<{ epoch: number; bumpedFrom?: number }> {
  const path = join(dataDir, DESIRED_EPOCH_FILE);
  const old = await readEpoch(path);
  if (!opts.bump) return { epoch: old };
  const epoch = Math.max(old + 1, Math.floor(opts.now.getTime() / 1000));
  await writeFileAtomic(path, `${epoch}\n`, 0o600);
  return { epoch, bumpedFrom: old };
}

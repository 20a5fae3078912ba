/** Store files hold Secrets: 0600 whatever the data dir's mode or the process umask. */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectStore } from '../../server/store/object-store.js';
import { systemClock } from '../../shared/util/clock.js';
import { silentLogger } from '../../shared/util/logger.js';

describe('store files are owner-only', () => {
  let dir: string;
  let previous: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-modes-'));
    await chmod(dir, 0o777);
    previous = process.umask(0);
  });
  after(async () => {
    process.umask(previous);
    await rm(dir, { recursive: true, force: true });
  });

  it('the hub store writes every datafile 0600, also after a compaction', async () => {
    const storeDir = join(dir, 'store');
    const store = await ObjectStore.open({ dir: storeDir, resources: ['secrets'], clock: systemClock, logger: silentLogger, compactionIntervalMs: 60_000, watchHistory: 10 });
    await store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { k: 'c2VjcmV0' } });
    await store.compact();
    await store.close();
    const files = await readdir(storeDir);
    assert.ok(files.length >= 2, files.join(','));
    for (const f of files) assert.equal((await stat(join(storeDir, f))).mode & 0o777, 0o600, f);
  });
});

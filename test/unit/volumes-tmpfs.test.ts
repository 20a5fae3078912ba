import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planPodVolumes, type VolumeSources } from '../../agent/volumes/plan.js';
import { setUpPodVolumes, tearDownPodVolumes } from '../../agent/volumes/setup.js';

const SOURCES: VolumeSources = {
  configMap: () => ({ data: new Map([['c', Buffer.from('config')]]) }),
  secret: () => ({ data: new Map([['password', Buffer.from('s3cr3t-on-tmpfs')]]) }),
};

describe('volumes: Secret data lives on tmpfs only', () => {
  let disk: string;
  let mem: string;
  before(async () => {
    disk = await mkdtemp(join(tmpdir(), 'flotilla-pods-'));
    // /dev/shm is tmpfs on Linux.
    mem = await mkdtemp('/dev/shm/flotilla-run-');
  });
  after(async () => {
    await rm(disk, { recursive: true, force: true });
    await rm(mem, { recursive: true, force: true });
  });

  it('a secret volume is written under the tmpfs run dir, never under the pods dir', async () => {
    const plan = planPodVolumes(disk, 'u1', 'default', [{ name: 's', secret: { secretName: 'x' } }, { name: 'c', configMap: { name: 'c' } }], SOURCES, new Map(), mem);
    const r = await setUpPodVolumes(plan, new Date());
    assert.deepEqual(r.problems, []);
    assert.equal(await readFile(join(mem, 'u1/volumes/secret/s/password'), 'utf8'), 's3cr3t-on-tmpfs');
    assert.deepEqual(await readdir(join(disk, 'u1/volumes')), ['configmap']);
    await tearDownPodVolumes(disk, 'u1', mem);
    assert.deepEqual(await readdir(mem), []);
  });

  it('a run dir that is not tmpfs is refused: the volume fails rather than land on disk', async () => {
    const notTmpfs = join(disk, 'run');
    const plan = planPodVolumes(disk, 'u2', 'default', [{ name: 's', secret: { secretName: 'x' } }], SOURCES, new Map(), notTmpfs);
    const r = await setUpPodVolumes(plan, new Date());
    assert.match(r.problems[0]?.message ?? '', /is not on tmpfs/);
    await assert.rejects(readdir(join(notTmpfs, 'u2/volumes/secret/s')), /ENOENT/);
  });
});

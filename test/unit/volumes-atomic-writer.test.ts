import assert from 'node:assert/strict';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_DIR_NAME, projectedVersion, writeAtomic, type ProjectedFile } from '../../agent/volumes/atomic-writer.js';

const T1 = new Date('2026-01-01T12:00:00Z');
const T2 = new Date('2026-01-01T12:05:00Z');

const file = (path: string, text: string, mode = 0o644): ProjectedFile => ({ path, data: Buffer.from(text), mode });

describe('volumes: AtomicWriter projection (real directories)', () => {
  let root: string;
  let dir: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'flotilla-aw-'));
    dir = join(root, 'vol');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes a version directory, swaps ..data to it, links each name into ..data', async () => {
    const r = await writeAtomic(dir, [file('app.conf', 'v=1\n'), file('secret', 'x', 0o400)], T1);
    assert.equal(r.changed, true);
    assert.match(r.version, /^\.\.2026_01_01_12_00_00\./);
    assert.equal(await readlink(join(dir, DATA_DIR_NAME)), r.version);
    assert.equal(await readlink(join(dir, 'app.conf')), '..data/app.conf');
    assert.equal(await readFile(join(dir, 'app.conf'), 'utf8'), 'v=1\n');
    assert.equal((await stat(join(dir, 'secret'))).mode & 0o777, 0o400);
    assert.equal((await stat(join(dir, 'app.conf'))).mode & 0o777, 0o644);
    assert.deepEqual((await readdir(dir)).sort(), [r.version, DATA_DIR_NAME, 'app.conf', 'secret'].sort());
  });

  it('an update keeps the directory (same inode: the bind mount sees it), swaps, and cleans the old version', async () => {
    const first = await writeAtomic(dir, [file('a', '1'), file('gone', 'x')], T1);
    const inode = (await stat(dir)).ino;
    const second = await writeAtomic(dir, [file('a', '2'), file('new', 'n')], T2);
    assert.equal(second.changed, true);
    assert.notEqual(second.version, first.version);
    assert.equal((await stat(dir)).ino, inode);
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), '2');
    assert.equal(await readFile(join(dir, 'new'), 'utf8'), 'n');
    await assert.rejects(lstat(join(dir, 'gone')), /ENOENT/);
    await assert.rejects(lstat(join(dir, first.version)), /ENOENT/, 'old version removed');
    assert.deepEqual((await readdir(dir)).sort(), [second.version, DATA_DIR_NAME, 'a', 'new'].sort());
  });

  it('the same payload again writes nothing', async () => {
    const first = await writeAtomic(dir, [file('a', '1')], T1);
    const again = await writeAtomic(dir, [file('a', '1')], T2);
    assert.deepEqual(again, { changed: false, version: first.version });
    assert.equal(await projectedVersion(dir), first.version);
  });

  it('a mode change alone is a new version', async () => {
    await writeAtomic(dir, [file('a', '1', 0o644)], T1);
    const r = await writeAtomic(dir, [file('a', '1', 0o600)], T2);
    assert.equal(r.changed, true);
    assert.equal((await stat(join(dir, 'a'))).mode & 0o777, 0o600);
  });

  it('nested paths: the top-level name links into ..data', async () => {
    await writeAtomic(dir, [file('conf/app.yaml', 'x: 1'), file('conf/extra/b', 'b')], T1);
    assert.equal(await readlink(join(dir, 'conf')), '..data/conf');
    assert.equal(await readFile(join(dir, 'conf', 'extra', 'b'), 'utf8'), 'b');
  });

  it('an empty payload (optional, missing ConfigMap) leaves an empty projection', async () => {
    await writeAtomic(dir, [file('a', '1')], T1);
    await writeAtomic(dir, [], T2);
    const names = await readdir(dir);
    assert.deepEqual(names.filter((n) => !n.startsWith('..')), []);
  });

  it('refuses paths that leave the volume', async () => {
    await assert.rejects(writeAtomic(dir, [file('../evil', 'x')], T1), /must not contain/);
    await assert.rejects(writeAtomic(dir, [file('/etc/passwd', 'x')], T1), /must be relative/);
    await assert.rejects(writeAtomic(dir, [file('..data', 'x')], T1), /must not/);
  });
});

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSubPath } from '../../agent/volumes/subpath.js';

describe('volumes: subPath never follows a symlink out of the volume', () => {
  let dir: string;
  let vol: string;
  let outside: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-subpath-'));
    vol = join(dir, 'vol');
    outside = join(dir, 'host');
    await mkdir(vol);
    await mkdir(outside);
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('makes missing directories one at a time and returns the path inside the volume', async () => {
    assert.equal(await resolveSubPath(vol, 'a/b/c', true), join(vol, 'a/b/c'));
    assert.deepEqual(await readdir(join(vol, 'a/b')), ['c']);
  });

  it('refuses a planted symlink, as the last component or on the way, and creates nothing outside', async () => {
    await symlink(outside, join(vol, 'evil'));
    await assert.rejects(resolveSubPath(vol, 'evil', true), /"evil" is a symbolic link/);
    await assert.rejects(resolveSubPath(vol, 'evil/new/dir', true), /"evil" is a symbolic link/);
    assert.deepEqual(await readdir(outside), []);
  });

  it('refuses a relative symlink that climbs out, and a symlink inside the volume too', async () => {
    await symlink('../host', join(vol, 'up'));
    await assert.rejects(resolveSubPath(vol, 'up', false), /symbolic link/);
    await mkdir(join(vol, 'real'));
    await symlink('real', join(vol, 'alias'));
    await assert.rejects(resolveSubPath(vol, 'alias', false), /symbolic link/);
  });

  it('refuses .. and absolute subPaths', async () => {
    await assert.rejects(resolveSubPath(vol, '../host', true), /must be relative/);
    await assert.rejects(resolveSubPath(vol, '/etc', true), /must be relative/);
  });
});

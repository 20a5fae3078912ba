import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDuration, parseDuration } from '../../shared/util/duration.js';
import { DataDirLockedError, lockDataDir } from '../../server/process/data-dir-lock.js';
import { explainListenError } from '../../server/process/listen-errors.js';

function listenError(code: string, address: string, port: number): Error {
  return Object.assign(new Error(`listen ${code}: ${address}:${port}`), { code, address, port, syscall: 'listen' });
}

describe('hub process: durations as written, listen errors, the data dir lock', () => {
  const durations: [number, string][] = [
    [600_000, '10m'],
    [40_000, '40s'],
    [90_000, '1m30s'],
    [500, '500ms'],
    [0, '0s'],
    [86_400_000 + 3_600_000, '1d1h'],
  ];
  for (const [ms, text] of durations) {
    it(`formats ${ms} ms as ${text}, which parses back`, () => {
      assert.equal(formatDuration(ms), text);
      assert.equal(parseDuration('x', text), ms);
    });
  }

  const flags = [
    { flag: '--api-listen', addr: { host: '127.0.0.1', port: 6443 } },
    { flag: '--mqtt-listen', addr: { host: '0.0.0.0', port: 1883 } },
    { flag: '--mqtts-listen', addr: { host: '127.0.0.1', port: 1883 } },
  ];
  it('names the flag of the address that is in use, by port and then host', () => {
    assert.match(explainListenError(listenError('EADDRINUSE', '127.0.0.1', 6443), flags) ?? '', /^127\.0\.0\.1:6443 is already in use .*--api-listen$/);
    assert.match(explainListenError(listenError('EADDRINUSE', '0.0.0.0', 1883), flags) ?? '', /--mqtt-listen$/);
    assert.match(explainListenError(listenError('EADDRINUSE', '127.0.0.1', 1883), flags) ?? '', /--mqtts-listen$/);
    assert.match(explainListenError(listenError('EACCES', '127.0.0.1', 6443), flags) ?? '', /^not allowed to listen on 127\.0\.0\.1:6443 .*--api-listen$/);
    assert.equal(explainListenError(listenError('EADDRINUSE', '127.0.0.1', 9), flags), undefined, 'not one of ours');
    assert.equal(explainListenError(new Error('disk full'), flags), undefined);
  });

  it('locks a data dir once; a live holder is refused, a dead one taken over; release removes only our lock', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-lock-'));
    try {
      const alive = new Set([100]);
      const isAlive = (pid: number): boolean => alive.has(pid);
      const first = await lockDataDir(dir, 100, isAlive);
      await assert.rejects(lockDataDir(dir, 200, isAlive), (e: unknown) => e instanceof DataDirLockedError && e.pid === 100);
      alive.delete(100);
      const second = await lockDataDir(dir, 200, isAlive);
      assert.equal(second.tookOverFrom, 100);
      await first.release();
      assert.equal((await readFile(join(dir, 'hub.lock'), 'utf8')).trim(), '200', "the old holder's release leaves the new lock");
      await second.release();
      await assert.rejects(readFile(join(dir, 'hub.lock')), /ENOENT/);
      await writeFile(join(dir, 'hub.lock'), 'garbage');
      assert.equal((await lockDataDir(dir, 300, isAlive)).tookOverFrom, undefined, 'an unreadable lock is stale');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

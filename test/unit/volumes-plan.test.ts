import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHostPath, type HostPathType } from '../../agent/volumes/host-path.js';
import { planPodVolumes, type VolumeSources } from '../../agent/volumes/plan.js';
import { setUpPodVolumes, tearDownPodVolumes } from '../../agent/volumes/setup.js';
import type { Volume } from '../../shared/api/types/index.js';

function sources(cms: Record<string, Record<string, string>>, secrets: Record<string, Record<string, string>> = {}): VolumeSources {
  const m = (o: Record<string, string> | undefined) => (o ? { data: new Map(Object.entries(o).map(([k, v]) => [k, Buffer.from(v)])) } : undefined);
  return { configMap: (_ns, name) => m(cms[name]), secret: (_ns, name) => m(secrets[name]) };
}

const SRC = sources({ cfg: { 'a.conf': 'A', 'b.conf': 'B' } }, { tls: { 'tls.key': 'K', 'tls.crt': 'C' } });
const plan = (volumes: Volume[], src = SRC) => planPodVolumes('/pods', 'u1', 'default', volumes, src);

describe('volumes: planning configMap and secret projections (table)', () => {
  const rows: { name: string; volume: Omit<Volume, 'name'>; files?: [string, string, number][]; problem?: string }[] = [
    { name: 'every key, defaultMode 0644', volume: { configMap: { name: 'cfg' } }, files: [['a.conf', 'A', 0o644], ['b.conf', 'B', 0o644]] },
    { name: 'items pick and rename, item mode wins', volume: { configMap: { name: 'cfg', defaultMode: 0o600, items: [{ key: 'b.conf', path: 'conf/b', mode: 0o444 }, { key: 'a.conf', path: 'a' }] } }, files: [['a', 'A', 0o600], ['conf/b', 'B', 0o444]] },
    { name: 'missing ConfigMap', volume: { configMap: { name: 'nope' } }, problem: 'configmap "nope" not found' },
    { name: 'missing optional ConfigMap: empty', volume: { configMap: { name: 'nope', optional: true } }, files: [] },
    { name: 'item with a missing key', volume: { configMap: { name: 'cfg', items: [{ key: 'x', path: 'x' }] } }, problem: 'configmap references non-existent config key: x' },
    { name: 'optional: missing item keys skipped', volume: { configMap: { name: 'cfg', optional: true, items: [{ key: 'x', path: 'x' }, { key: 'a.conf', path: 'a' }] } }, files: [['a', 'A', 0o644]] },
    { name: 'secret with defaultMode 0400', volume: { secret: { secretName: 'tls', defaultMode: 0o400 } }, files: [['tls.crt', 'C', 0o400], ['tls.key', 'K', 0o400]] },
    { name: 'missing secret', volume: { secret: { secretName: 'gone' } }, problem: 'secret "gone" not found' },
    { name: 'secret item with a missing key', volume: { secret: { secretName: 'tls', items: [{ key: 'ca.crt', path: 'ca' }] } }, problem: 'references non-existent secret key: ca.crt' },
    // Decoding refuses other sources (nfs, …) before a pod reaches the planner.
    { name: 'a volume with no source the device runs', volume: {}, problem: 'volume type not supported on this device (Flotilla runs emptyDir, hostPath, configMap and secret volumes)' },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const p = plan([{ name: 'v', ...row.volume }]);
      if (row.problem !== undefined) {
        assert.deepEqual(p.problems, [{ volume: 'v', message: row.problem }]);
        return;
      }
      assert.deepEqual(p.problems, []);
      const v = p.volumes[0];
      assert.ok(v && (v.kind === 'configMap' || v.kind === 'secret'));
      assert.equal(v.dir, `/pods/u1/volumes/${v.kind === 'configMap' ? 'configmap' : 'secret'}/v`);
      assert.deepEqual(v.files.map((f) => [f.path, f.data.toString(), f.mode]), row.files);
    });
  }

  it('the hash changes with the data, not otherwise', () => {
    const vols = [{ name: 'v', configMap: { name: 'cfg' } }, { name: 'e', emptyDir: {} }];
    const a = plan(vols).hash;
    assert.equal(plan(vols).hash, a);
    assert.notEqual(plan(vols, sources({ cfg: { 'a.conf': 'A2', 'b.conf': 'B' } })).hash, a);
  });

  it('emptyDir medium Memory runs on disk, with a warning', () => {
    const p = plan([{ name: 'm', emptyDir: { medium: 'Memory' } }]);
    assert.equal(p.volumes[0]?.kind, 'emptyDir');
    assert.match(p.warnings[0] ?? '', /medium Memory is not supported/);
  });
});

describe('volumes: hostPath type checks (real paths)', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'flotilla-hp-'));
    await mkdir(join(root, 'dir'));
    await writeFile(join(root, 'file'), 'x');
  });
  after(() => rm(root, { recursive: true, force: true }));

  const rows: { type: HostPathType; path: string; error?: string }[] = [
    { type: 'Directory', path: 'dir' },
    { type: 'Directory', path: 'missing', error: 'hostPath type check failed: ROOT/missing is not a directory' },
    { type: 'Directory', path: 'file', error: 'hostPath type check failed: ROOT/file is not a directory' },
    { type: 'File', path: 'file' },
    { type: 'File', path: 'dir', error: 'hostPath type check failed: ROOT/dir is not a file' },
    { type: 'Socket', path: 'file', error: 'hostPath type check failed: ROOT/file is not a socket' },
    { type: 'CharDevice', path: '/dev/null' },
    { type: 'BlockDevice', path: '/dev/null', error: 'hostPath type check failed: /dev/null is not a block device' },
    { type: 'DirectoryOrCreate', path: 'dir' },
    { type: 'DirectoryOrCreate', path: 'file', error: 'hostPath type check failed: ROOT/file is not a directory' },
    { type: 'FileOrCreate', path: 'dir', error: 'hostPath type check failed: ROOT/dir is not a file' },
    { type: '', path: 'file' },
  ];
  for (const row of rows) {
    it(`${row.type || "''"} on ${row.path}${row.error ? ' fails' : ''}`, async () => {
      const p = row.path.startsWith('/') ? row.path : join(root, row.path);
      if (row.error) await assert.rejects(checkHostPath(p, row.type), { message: row.error.replace('ROOT', root) });
      else await checkHostPath(p, row.type);
    });
  }

  it('DirectoryOrCreate and FileOrCreate create what is missing; "" makes a missing path a directory', async () => {
    await checkHostPath(join(root, 'made/deep'), 'DirectoryOrCreate');
    assert.ok((await stat(join(root, 'made/deep'))).isDirectory());
    await checkHostPath(join(root, 'new/file.txt'), 'FileOrCreate');
    assert.ok((await stat(join(root, 'new/file.txt'))).isFile());
    await checkHostPath(join(root, 'plain'), '');
    assert.ok((await stat(join(root, 'plain'))).isDirectory());
  });
});

describe('volumes: setting up and tearing down a pod (real directories)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'flotilla-pv-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('emptyDir 0777 with subPaths, projections, hostPath problems reported per volume', async () => {
    const pods = join(root, 'pods');
    const p = planPodVolumes(
      pods,
      'u1',
      'default',
      [
        { name: 'scratch', emptyDir: {} },
        { name: 'conf', configMap: { name: 'cfg' } },
        { name: 'missing', hostPath: { path: join(root, 'nope'), type: 'Directory' } },
      ],
      SRC,
      new Map([['scratch', ['logs/app']]]),
    );
    const r = await setUpPodVolumes(p, new Date('2026-01-01T00:00:00Z'));
    assert.deepEqual(r.problems, [{ volume: 'missing', message: `hostPath type check failed: ${join(root, 'nope')} is not a directory` }]);
    assert.deepEqual(r.updated, ['conf']);
    const scratch = join(pods, 'u1', 'volumes', 'empty-dir', 'scratch');
    assert.equal((await stat(scratch)).mode & 0o777, 0o777);
    assert.ok((await stat(join(scratch, 'logs/app'))).isDirectory());
    assert.equal(await readFile(join(pods, 'u1', 'volumes', 'configmap', 'conf', 'a.conf'), 'utf8'), 'A');

    await tearDownPodVolumes(pods, 'u1');
    await assert.rejects(stat(join(pods, 'u1')), /ENOENT/);
    await assert.rejects(tearDownPodVolumes(pods, '..'), /refusing/);
    await assert.rejects(tearDownPodVolumes(pods, 'a/b'), /refusing/);
  });
});

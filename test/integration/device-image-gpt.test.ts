// `flotctl image build` on a GPT base image made with Debian's tools (sfdisk --label gpt, FAT
// boot as an EFI system partition, ext4 root from an arm64 Debian): the built image is read back
// with sfdisk, e2fsprogs and mtools; a corrupt table is refused with an error naming what is wrong.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { deviceToolsMissing, sh, type BaseImage } from '../support/device-artifacts.js';
import { bootFile, flotctlImageBuild, imageBuildRig, OFFLINE_JOIN, rootCat, rootStat, type ImageBuildRig } from '../support/device-readback.js';
import { requireService } from '../support/env.js';
import { run } from '../support/run.js';

const JOIN = OFFLINE_JOIN;

/** Flips one bit of the image at `offset`. */
async function flip(path: string, offset: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, offset);
    b[0] = (b[0] ?? 0) ^ 0x01;
    await fh.write(b, 0, 1, offset);
  } finally {
    await fh.close();
  }
}

describe('device image: flotctl image build on a GPT base image', function () {
  this.timeout(1_200_000);
  let rig: ImageBuildRig | undefined;
  let base: BaseImage;
  let deb = '';
  let work = '';
  const build = flotctlImageBuild;

  before(async function () {
    await requireService('device tools (root, qemu-user binfmt, mmdebstrap, dpkg, mtools, e2fsprogs)', async () => (await deviceToolsMissing()) === '', this);
    rig = await imageBuildRig('gpt', 'gpt-test-');
    ({ base, deb, work } = rig);
  });

  after(async () => {
    await rig?.dispose();
  });

  it('finds the FAT boot and ext4 root partitions from the GPT and writes into them; the table stays valid', async () => {
    const dump = await sh('sfdisk', ['--dump', base.path]);
    assert.match(dump, /^label: gpt$/m, 'the base is a GPT disk');
    const out = join(work, 'gpt.img');
    const r = await build(['--base', base.path, '-o', out, '--join', JOIN, '--agent-deb', deb]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\(GPT\)/);
    const built = { ...base, path: out };
    assert.deepEqual(await rootStat(built, '/usr/lib/flotilla-agent/node'), { type: 'regular', mode: '0755', uid: '0', gid: '0' });
    assert.deepEqual(await rootStat(built, '/etc/flotilla/agent.json'), { type: 'regular', mode: '0600', uid: '0', gid: '0' });
    assert.deepEqual(JSON.parse((await rootCat(built, '/etc/flotilla/agent.json', work)).toString()), { token: JOIN });
    assert.match(await bootFile(built, 'cmdline.txt'), / rootwait quiet cgroup_enable=memory cgroup_memory=1\n$/);
    // Partition table untouched and still consistent (header and entry CRCs, backup table).
    assert.equal((await sh('sfdisk', ['--dump', out])).replaceAll(out, 'IMG'), dump.replaceAll(base.path, 'IMG'));
    assert.equal((await run('sfdisk', ['--verify', out])).code, 0);
    await sh('e2fsck', ['-fn', `${out}?offset=${base.root.offset}`]);
  });

  it('refuses a corrupt GPT header or entry array, naming what is wrong, and writes nothing', async () => {
    const cases: [string, number, RegExp][] = [
      ['header', 512 + 40, /GPT header: CRC32 mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\): the header is corrupt/],
      ['entries', 1024 + 32, /GPT partition entries: CRC32 mismatch .*: the entry array is corrupt/],
      ['signature', 512, /GPT header: signature "EFI PART" missing at LBA 1/],
    ];
    for (const [what, offset, err] of cases) {
      const bad = join(work, `bad-${what}.img`);
      await copyFile(base.path, bad);
      await flip(bad, offset);
      const out = join(work, `out-${what}.img`);
      const r = await build(['--base', bad, '-o', out, '--join', JOIN, '--agent-deb', deb]);
      assert.equal(r.code, 1, what);
      assert.match(r.stderr, err, what);
      assert.ok(!existsSync(out) && !existsSync(`${out}.partial`), `${what}: nothing written`);
      await rm(bad, { force: true });
    }
  });
});

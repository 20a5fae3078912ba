// flotctl flash: several file targets written and verified, confirmation, system drives refused,
// and a byte flipped between write and verify detected and reported naming the target.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listDrives } from '../../server/flotctl/flash/drives.js';
import { flashImage } from '../../server/flotctl/flash/write.js';
import { tsEntry } from '../support/hub.js';
import { run } from '../support/run.js';

describe('flotctl flash', function () {
  this.timeout(120_000);
  let dir = '';
  let image = '';
  const flot = tsEntry('server/flotctl/main.ts');
  const flash = (args: string[], input?: string) => run(flot.cmd, [...flot.args, 'flash', ...args], input !== undefined ? { input } : {});

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-flash-'));
    image = join(dir, 'device.img');
    await writeFile(image, randomBytes(9 * 1024 * 1024 + 123));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes several targets at once and verifies each, with progress per target', async () => {
    const a = join(dir, 'card-a.img');
    const b = join(dir, 'card-b.img');
    await writeFile(b, Buffer.alloc(20 * 1024 * 1024, 0xff)); // an old, larger card image
    const r = await flash([image, '--device', a, '--device', b, '--yes']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${a}: written and verified`));
    assert.match(r.stdout, new RegExp(`${b}: written and verified`));
    for (const t of [a, b]) {
      assert.match(r.stderr, new RegExp(`${t}: writing 100% .* MiB/s ETA 0s`));
      assert.match(r.stderr, new RegExp(`${t}: verifying 100%`));
    }
    const img = await readFile(image);
    assert.ok((await readFile(a)).equals(img));
    assert.ok((await readFile(b)).subarray(0, img.length).equals(img));
  });

  it('asks for confirmation naming each target; anything but "yes" writes nothing', async () => {
    const t = join(dir, 'confirm.img');
    const no = await flash([image, '--device', t], 'no\n');
    assert.equal(no.code, 1);
    assert.match(no.stderr, new RegExp(`ERASES everything on:\\n  ${t} \\(file\\)`));
    assert.match(no.stderr, /not confirmed; nothing was written/);
    assert.ok(!existsSync(t));
    const yes = await flash([image, '--device', t], 'yes\n');
    assert.equal(yes.code, 0, yes.stderr);
    assert.ok((await readFile(t)).equals(await readFile(image)));
  });

  it('refuses the drive the running system is on, even with --force', async function () {
    const system = (await listDrives()).find((d) => d.inUse.includes('/'));
    if (!system) {
      console.log('      no block device holds / here (overlay root): covered by the unit tests of refusal()');
      this.skip();
    }
    for (const extra of [[], ['--force']]) {
      const r = await flash([image, '--device', system.device, '--yes', ...extra]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`refusing to write: ${system.device} is a system drive`));
    }
  });

  it('detects a byte flipped between write and verify and names the target', async () => {
    const good = join(dir, 'good.img');
    const bad = join(dir, 'bad.img');
    const flipAt = 5 * 1024 * 1024 + 7;
    const results = await flashImage({
      image,
      targets: [
        { kind: 'file', path: good },
        { kind: 'file', path: bad },
      ],
      afterWrite: async (t) => {
        if (t.path !== bad) return;
        const fh = await open(bad, 'r+');
        const b = Buffer.alloc(1);
        await fh.read(b, 0, 1, flipAt);
        b[0] = (b[0] ?? 0) ^ 0x01;
        await fh.write(b, 0, 1, flipAt);
        await fh.close();
      },
    });
    assert.deepEqual(results[0], { target: good, ok: true });
    assert.equal(results[1]?.ok, false);
    assert.match(results[1]?.error ?? '', new RegExp(`^verification failed on ${bad}: byte ${flipAt} reads back as 0x[0-9a-f]{2}, the image has 0x[0-9a-f]{2}`));
  });

  it('refuses bad input naming it', async () => {
    const cases: [string[], RegExp][] = [
      [[image], /--device is required/],
      [[join(dir, 'missing.img'), '--device', join(dir, 'x.img'), '--yes'], /missing\.img: no such file/],
      [[image, '--device', image, '--yes'], /is the image itself/],
      [[image, '--device', dir, '--yes'], /neither a block device nor a regular file/],
    ];
    for (const [args, err] of cases) {
      const r = await flash(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, err);
    }
  });
});

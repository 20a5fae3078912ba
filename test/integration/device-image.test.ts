// `flotctl image build` on a Pi-like base image made from real parts (MBR, FAT boot with
// config.txt + cmdline.txt, ext4 root of an arm64 Debian), read back with e2fsprogs and mtools;
// then the arm64 agent from the built image's root runs under qemu-user in a chroot of that root
// and enrolls with a real hub on loopback.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agentDeb, DEVICE_CACHE, deviceToolsMissing, dumpRoot, piBaseImage, sh, type BaseImage } from '../support/device-artifacts.js';
import { runAgentInChroot } from '../support/device-chroot.js';
import { bootFile, rootCat, rootStat } from '../support/device-readback.js';
import { requireService, TEST_IMAGE } from '../support/env.js';
import { startHub, tsEntry, type HubHandle } from '../support/hub.js';
import { run } from '../support/run.js';

const NODE_NAME = 'pi-image-arm64';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmRNl6ojuRo5SC35pSv5hgS39AyhqOqZGChK5lJGeZ5 ops@example\n';

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

describe('device image: flotctl image build and the agent from it under qemu (arm64)', function () {
  this.timeout(1_500_000);
  let hub: HubHandle | undefined;
  let base: BaseImage;
  let deb = '';
  let work = '';
  let token = '';
  let built: BaseImage;
  const flot = tsEntry('server/flotctl/main.ts');

  const build = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => run(flot.cmd, [...flot.args, 'image', 'build', ...args], { timeoutMs: 600_000 });

  before(async function () {
    await requireService('device tools (root, qemu-user binfmt, mmdebstrap, dpkg, mtools, e2fsprogs)', async () => (await deviceToolsMissing()) === '', this);
    base = await piBaseImage();
    deb = await agentDeb('arm64');
    await mkdir(DEVICE_CACHE, { recursive: true });
    work = await mkdtemp(join(DEVICE_CACHE, 'image-test-'));
    hub = await startHub();
    token = (await run(flot.cmd, [...flot.args, '--kubeconfig', hub.kubeconfig, 'token', 'create', '--max-uses', '50'])).stdout.trim();
  });

  after(async () => {
    await hub?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('writes the agent, its config, units, Wi-Fi, SSH key and preloaded images into a copy; the base is untouched', async () => {
    assert.ok(hub);
    const baseHash = await sha256(base.path);
    await writeFile(join(work, 'psk'), 'correct horse battery\n');
    await writeFile(join(work, 'key.pub'), SSH_KEY);
    const preload = join(work, 'busybox.tar');
    await sh('docker', ['save', TEST_IMAGE, '-o', preload]);
    const out = join(work, 'device.img');
    const t0 = Date.now();
    const r = await build([
      '--base', base.path, '-o', out, '--join', token, '--hostname-template', 'pi-{serial}',
      '--wifi-ssid', 'fleet-net', '--wifi-psk-file', join(work, 'psk'), '--ssh-authorized-key', join(work, 'key.pub'),
      '--preload-image', preload, '--agent-deb', deb,
    ]);
    assert.equal(r.code, 0, r.stderr);
    console.log(`      image build: ${Date.now() - t0} ms`);
    assert.equal(await sha256(base.path), baseHash, 'the base image is unchanged');
    built = { ...base, path: out };

    // Read back from the image, independently of the builder.
    const x = join(work, 'deb');
    await sh('dpkg-deb', ['-x', deb, x]);
    const expect: [string, string, string][] = [
      ['/usr/lib/flotilla-agent/node', 'regular', '0755'],
      ['/usr/lib/flotilla-agent/flotilla-agent.cjs', 'regular', '0644'],
      ['/usr/bin/flotilla-agent', 'regular', '0755'],
      ['/lib/systemd/system/flotilla-agent.service', 'regular', '0644'],
      ['/etc/flotilla/agent.json', 'regular', '0600'],
      ['/var/lib/flotilla-agent', 'directory', '0700'],
      ['/var/lib/flotilla-agent/config.json', 'symlink', '0777'],
      ['/etc/systemd/system/multi-user.target.wants/flotilla-agent.service', 'symlink', '0777'],
      ['/etc/systemd/system/flotilla-firstboot.service', 'regular', '0644'],
      ['/etc/systemd/system/multi-user.target.wants/flotilla-firstboot.service', 'symlink', '0777'],
      ['/usr/lib/flotilla-agent/firstboot', 'regular', '0755'],
      ['/etc/flotilla/hostname-template', 'regular', '0644'],
      ['/etc/NetworkManager/system-connections/flotilla-wifi.nmconnection', 'regular', '0600'],
      ['/root/.ssh', 'directory', '0700'],
      ['/root/.ssh/authorized_keys', 'regular', '0600'],
      ['/var/cache/flotilla/preload/busybox.tar', 'regular', '0644'],
    ];
    for (const [path, type, mode] of expect) {
      const st = await rootStat(built, path);
      assert.deepEqual(st, { type, mode, uid: '0', gid: '0' }, path);
    }
    for (const f of ['usr/lib/flotilla-agent/node', 'usr/lib/flotilla-agent/flotilla-agent.cjs', 'usr/bin/flotilla-agent']) {
      assert.ok((await rootCat(built, `/${f}`, work)).equals(await readFile(join(x, f))), `${f} is the package's`);
    }
    assert.match(token, /^mqtts:\/\/[a-z0-9]{6}\.[a-z0-9]{16}@127\.0\.0\.1:\d+\/\?ca=sha256:[0-9a-f]{64}&key=sha256:[0-9a-f]{64}$/, 'token create prints a join string');
    assert.deepEqual(JSON.parse((await rootCat(built, '/etc/flotilla/agent.json', work)).toString()), { token });
    assert.equal((await rootCat(built, '/etc/flotilla/hostname-template', work)).toString(), 'pi-{serial}\n');
    const wifi = (await rootCat(built, '/etc/NetworkManager/system-connections/flotilla-wifi.nmconnection', work)).toString();
    assert.match(wifi, /^ssid=fleet-net$/m);
    assert.match(wifi, /^psk=correct horse battery$/m);
    assert.equal((await rootCat(built, '/root/.ssh/authorized_keys', work)).toString(), SSH_KEY);
    assert.ok((await rootCat(built, '/var/cache/flotilla/preload/busybox.tar', work)).equals(await readFile(preload)));
    assert.match((await rootCat(built, '/usr/lib/flotilla-agent/firstboot', work)).toString(), /docker load -i/);

    const cmdline = await bootFile(built, 'cmdline.txt');
    assert.equal(cmdline.split('cgroup_enable=memory').length - 1, 1);
    assert.equal(cmdline.split('cgroup_memory=1').length - 1, 1);
    assert.match(cmdline, /^console=serial0,115200 .* rootwait quiet cgroup_enable=memory cgroup_memory=1\n$/);
    assert.equal(await bootFile(built, 'config.txt'), await bootFile(base, 'config.txt'));
    await bootFile(built, 'ssh');
    await sh('e2fsck', ['-fn', `${out}?offset=${base.root.offset}`]);
  });

  it('is idempotent: building over a built image keeps cmdline.txt fixed once', async () => {
    assert.ok(hub && built);
    const again = join(work, 'again.img');
    const r = await build(['--base', built.path, '-o', again, '--join', token, '--agent-deb', deb]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await bootFile({ ...base, path: again }, 'cmdline.txt'), await bootFile(built, 'cmdline.txt'));
    assert.deepEqual(await rootStat({ ...base, path: again }, '/usr/lib/flotilla-agent/node'), { type: 'regular', mode: '0755', uid: '0', gid: '0' });
  });

  it('refuses bad input naming the flag, and writes nothing', async () => {
    assert.ok(hub);
    const out = join(work, 'bad.img');
    const cases: [string[], RegExp][] = [
      [['--join', 'not-a-token'], /--join: not a bootstrap token/],
      [['--join', token.replace(/&key=.*/, '')], /--join: join string: key= must be sha256/],
      [['--join', 'abcdef.0123456789abcdef'], /--hub is required with a bare token/],
      [['--join', token, '--hostname-template', 'Pi_{serial}'], /--hostname-template/],
      [['--join', token, '--wifi-ssid', 'x'], /--wifi-ssid and --wifi-psk-file go together/],
      [['--join', token, '--preload-image', deb], /--preload-image .*not a tar archive/],
    ];
    for (const [args, err] of cases) {
      const r = await build(['--base', base.path, '-o', out, '--agent-deb', deb, ...args]);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, err);
      assert.ok(!existsSync(out) && !existsSync(`${out}.partial`), 'nothing written');
    }
  });

  it('runs the arm64 agent from the image under qemu in a chroot of its root: enrolls, node Ready, arch arm64', async () => {
    assert.ok(hub && built);
    const root = await dumpRoot(built.path, built.root.offset, work);
    const { node, readyMs } = await runAgentInChroot(hub, root, NODE_NAME);
    console.log(`      arm64 agent under qemu: node Ready ${readyMs} ms after start`);
    assert.equal(node.metadata?.labels?.['kubernetes.io/arch'], 'arm64');
    assert.ok(existsSync(join(root, 'var/lib/flotilla-agent')), 'the agent wrote its identity in the image root');
  });
});

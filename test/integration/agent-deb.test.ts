// The agent's .deb: its unit passes `systemd-analyze verify`, and it installs with `dpkg -i` in a
// clean arm64 Debian chroot (qemu-user), enabled but not started, and its runtime runs there.
import assert from 'node:assert/strict';
import { copyFile, cp, lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEVICE_PATHS, packageVersion } from '../../firmware-images/packaging/deb.js';
import { agentDeb, debianRootfsTar, DEVICE_CACHE, deviceToolsMissing, extractRootfs, sh } from '../support/device-artifacts.js';
import { requireService } from '../support/env.js';
import { REPO_ROOT } from '../support/hub.js';
import { run } from '../support/run.js';

const ELF_MACHINE_AARCH64 = 183;

describe('flotilla-agent .deb (arm64)', function () {
  this.timeout(1_500_000);
  let deb = '';
  let work = '';

  before(async function () {
    const missing = async (): Promise<boolean> => (await deviceToolsMissing()) === '';
    await requireService('device tools (root, qemu-user binfmt, mmdebstrap, dpkg, mtools, e2fsprogs)', missing, this);
    deb = await agentDeb('arm64');
    await mkdir(DEVICE_CACHE, { recursive: true });
    work = await mkdtemp(join(DEVICE_CACHE, 'deb-test-'));
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ships a unit that passes systemd-analyze verify', async () => {
    const root = join(work, 'verify');
    await sh('dpkg-deb', ['-x', deb, root]);
    // The targets and units it orders against, from this machine's systemd.
    await cp('/lib/systemd/system', join(root, 'lib/systemd/system'), { recursive: true, force: false, errorOnExist: false });
    await mkdir(join(root, 'tmp'), { recursive: true });
    const r = await run('systemd-analyze', ['verify', `--root=${root}`, DEVICE_PATHS.unit]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'no warnings');
    const unit = await readFile(join(root, DEVICE_PATHS.unit), 'utf8');
    assert.match(unit, /^Restart=always$/m);
    assert.match(unit, /^After=.*docker\.service/m);
  });

  it('installs with dpkg -i in a clean arm64 chroot: enabled, not started, runtime runs', async () => {
    const root = await extractRootfs(await debianRootfsTar('arm64'), work);
    await copyFile(deb, join(root, 'tmp', 'agent.deb'));
    const install = await run('chroot', [root, 'dpkg', '-i', '/tmp/agent.deb'], { timeoutMs: 600_000 });
    assert.equal(install.code, 0, `dpkg -i: ${install.stdout}\n${install.stderr}`);
    const status = await run('chroot', [root, 'dpkg-query', '-W', '-f', '${Status} ${Architecture}', 'flotilla-agent']);
    assert.equal(status.stdout, 'install ok installed arm64');

    const node = await readFile(join(root, DEVICE_PATHS.node));
    assert.equal(node.readUInt16LE(18), ELF_MACHINE_AARCH64, 'the runtime is an arm64 binary');
    assert.equal((await stat(join(root, DEVICE_PATHS.config))).mode & 0o777, 0o600, 'agent.json is 0600');
    assert.match(await readFile(join(root, 'var/lib/dpkg/info/flotilla-agent.conffiles'), 'utf8'), /^\/etc\/flotilla\/agent\.json$/m);
    assert.equal(await readlink(join(root, DEVICE_PATHS.dataDir, 'config.json')), DEVICE_PATHS.config);
    const wants = join(root, 'etc/systemd/system/multi-user.target.wants/flotilla-agent.service');
    assert.ok((await lstat(wants)).isSymbolicLink(), 'enabled (multi-user.target wants it)');
    // Unconfigured: the unit's condition says no, so nothing starts it.
    assert.equal((await run('chroot', [root, '/usr/lib/flotilla-agent/configured'])).code, 1);
    await writeFile(join(root, DEVICE_PATHS.config), `{ "token": "mqtts://abcdef.0123456789abcdef@hub:8883/?ca=sha256:${'1'.repeat(64)}&key=sha256:${'2'.repeat(64)}" }\n`);
    assert.equal((await run('chroot', [root, '/usr/lib/flotilla-agent/configured'])).code, 0, 'a join string configures it');

    const version = await run('chroot', [root, DEVICE_PATHS.wrapper, '--version'], { timeoutMs: 120_000 });
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), await packageVersion(REPO_ROOT));
    const arch = await run('chroot', [root, DEVICE_PATHS.node, '-p', 'process.arch'], { timeoutMs: 120_000 });
    assert.equal(arch.stdout.trim(), 'arm64');
  });
});

// The armhf agent package on Debian 13 armhf (qemu-arm via binfmt): installs with dpkg -i against
// the distribution's nodejs (>= 20.19, the package's dependency), and its agent enrolls with a
// real hub on loopback from a chroot; the node becomes Ready with kubernetes.io/arch=arm.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEVICE_PATHS } from '../../firmware-images/packaging/deb.js';
import { MIN_NODE, RUNTIMES } from '../../firmware-images/packaging/runtimes.js';
import { agentDeb, debianRootfsTar, DEVICE_CACHE, deviceToolsMissing, extractRootfs } from '../support/device-artifacts.js';
import { runAgentInChroot } from '../support/device-chroot.js';
import { requireService } from '../support/env.js';
import { startHub, tsEntry, type HubHandle } from '../support/hub.js';
import { run } from '../support/run.js';

const NODE_NAME = 'pi-armhf';
const ELF_MACHINE_ARM = 40;

describe('flotilla-agent armhf: installs on Debian armhf and enrolls under qemu-arm', function () {
  this.timeout(1_500_000);
  let hub: HubHandle | undefined;
  let work = '';
  let root = '';

  before(async function () {
    await requireService('device tools (root, qemu-user binfmt, mmdebstrap, dpkg, mtools, e2fsprogs)', async () => (await deviceToolsMissing('armhf')) === '', this);
    const deb = await agentDeb('armhf');
    await mkdir(DEVICE_CACHE, { recursive: true });
    work = await mkdtemp(join(DEVICE_CACHE, 'armhf-test-'));
    root = await extractRootfs(await debianRootfsTar('armhf'), work);
    await copyFile(deb, join(root, 'tmp', 'agent.deb'));
    hub = await startHub();
  });

  after(async () => {
    await hub?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("installs with dpkg -i, its wrapper on the distribution's Node.js >= engines", async () => {
    const install = await run('chroot', [root, 'dpkg', '-i', '/tmp/agent.deb'], { timeoutMs: 600_000 });
    assert.equal(install.code, 0, `dpkg -i: ${install.stdout}\n${install.stderr}`);
    const status = await run('chroot', [root, 'dpkg-query', '-W', '-f', '${Status} ${Architecture} ${Depends}', 'flotilla-agent']);
    assert.equal(status.stdout, `install ok installed armhf nodejs (>= ${MIN_NODE})`);
    const runtime = RUNTIMES.armhf;
    assert.equal(runtime.kind, 'system');
    const wrapper = await readFile(join(root, DEVICE_PATHS.wrapper), 'utf8');
    assert.match(wrapper, new RegExp(`^exec ${runtime.node} `, 'm'));
    assert.equal((await readFile(join(root, runtime.node))).readUInt16LE(18), ELF_MACHINE_ARM, 'the runtime is a 32-bit ARM binary');
    const v = await run('chroot', [root, runtime.node, '-p', 'process.version + " " + process.arch'], { timeoutMs: 180_000 });
    const [version, arch] = v.stdout.trim().split(' ');
    assert.equal(arch, 'arm');
    const [maj, min] = (version ?? '').replace(/^v/, '').split('.').map(Number);
    const [wantMaj, wantMin] = MIN_NODE.split('.').map(Number);
    assert.ok((maj ?? 0) > (wantMaj ?? 0) || ((maj ?? 0) === wantMaj && (min ?? 0) >= (wantMin ?? 0)), `${version} >= ${MIN_NODE}`);
  });

  it('enrolls with a real hub from the chroot: node Ready, kubernetes.io/arch=arm', async () => {
    assert.ok(hub);
    const flot = tsEntry('server/flotctl/main.ts');
    const token = (await run(flot.cmd, [...flot.args, '--kubeconfig', hub.kubeconfig, 'token', 'create', '--max-uses', '1'])).stdout.trim();
    await writeFile(join(root, DEVICE_PATHS.config), `${JSON.stringify({ token })}\n`);
    const { node, readyMs } = await runAgentInChroot(hub, root, NODE_NAME);
    console.log(`      armhf agent under qemu-arm: node Ready ${readyMs} ms after start`);
    assert.equal(node.metadata?.labels?.['kubernetes.io/arch'], 'arm');
  });
});

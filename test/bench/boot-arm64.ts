/**
 * `npm run bench:boot`: boots a device image built by `flotctl image build` under
 * qemu-system-aarch64 (software emulation, `-M virt`), and times the agent enrolling with a real
 * hub on loopback from a real boot: kernel, systemd as init, first boot, agent unit.
 *
 * Opt-in, not in `npm test`: the Debian root with systemd and a kernel takes many minutes to
 * make under qemu-user, and the emulated boot minutes more on 2 cores.
 *
 * Loopback only: the guest's user-mode network reaches the host only through `guestfwd`
 * entries, each a relay (a node process per connection) to a 127.0.0.1 port: the hub's MQTT
 * over TLS, and the host's Docker socket. In the guest, systemd-socket-proxyd listens on
 * 127.0.0.1:PORT and /run/docker.sock and forwards to those guestfwd addresses, so the join
 * string (and the hub certificate's 127.0.0.1) is the same as on the host.
 *
 * The kernel is Debian's linux-image-arm64 from the root; its initrd is made here (busybox-static
 * from Debian, the virtio and ext4 modules from the root) instead of by mkinitramfs, which takes
 * most of an hour under qemu-user. Needs root, qemu-system-arm, qemu-user-static, mmdebstrap.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { agentDeb, aptMirror, cached, DEVICE_CACHE, extractRootfs, key, makePiImage, sh } from '../support/device-artifacts.js';
import { apiClient } from '../support/http.js';
import { endpoint, startHub, tsEntry, type HubHandle } from '../support/hub.js';
import { run } from '../support/run.js';
import { writeInitrd } from './boot-initrd.js';

const NODE_NAME = 'qemu-arm64';
const GUEST_HOST = '10.0.2.100';
const DOCKER_PORT = 2375;
const PACKAGES = ['systemd', 'systemd-sysv', 'udev', 'kmod', 'linux-image-arm64', 'libstdc++6', 'libgcc-s1', 'init-system-helpers', 'busybox-static'];
/**
 * mkinitramfs is diverted before the kernel is installed and replaced by a stub that leaves the
 * empty `….new` file update-initramfs renames (the initrd is made here instead).
 */
const NO_MKINITRAMFS = `chroot "$1" dpkg-divert --local --rename --add /usr/sbin/mkinitramfs && printf '#!/bin/sh\\nfor a; do case $a in *.new) : >"$a";; esac; done\\n' >"$1/usr/sbin/mkinitramfs" && chmod 755 "$1/usr/sbin/mkinitramfs"`;

function log(msg: string, t0: number): void {
  process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${msg}\n`);
}

async function bootRootfsTar(): Promise<string> {
  return cached('boot-rootfs-arm64', key('bookworm', 'essential', NO_MKINITRAMFS, ...PACKAGES), '.tar', async (tmp) => {
    const args = ['--quiet', '--variant=essential', '--arch=arm64', `--include=${PACKAGES.join(',')}`, `--essential-hook=${NO_MKINITRAMFS}`, '--format=tar'];
    await sh('mmdebstrap', [...args, 'bookworm', tmp, await aptMirror()], { timeoutMs: 3_600_000 });
  });
}

/** Units that make the guest's loopback reach the host's hub and Docker through guestfwd. */
async function addGuestPlumbing(root: string, hubPort: number): Promise<void> {
  const sys = join(root, 'etc/systemd/system');
  const wants = join(sys, 'sockets.target.wants');
  await mkdir(wants, { recursive: true });
  const proxy = async (name: string, listen: string, to: string): Promise<void> => {
    await writeFile(join(sys, `${name}.socket`), `[Socket]\nListenStream=${listen}\n\n[Install]\nWantedBy=sockets.target\n`);
    await writeFile(join(sys, `${name}.service`), `[Unit]\nRequires=${name}.socket\nAfter=${name}.socket\n\n[Service]\nExecStart=/lib/systemd/systemd-socket-proxyd ${to}\n`);
    await symlink(`/etc/systemd/system/${name}.socket`, join(wants, `${name}.socket`));
  };
  await proxy('flotilla-hub-proxy', `127.0.0.1:${hubPort}`, `${GUEST_HOST}:${hubPort}`);
  await proxy('docker-proxy', '/run/docker.sock', `${GUEST_HOST}:${DOCKER_PORT}`);
  await mkdir(join(root, 'etc/systemd/network'), { recursive: true });
  await writeFile(join(root, 'etc/systemd/network/10-eth.network'), '[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n');
  await mkdir(join(sys, 'multi-user.target.wants'), { recursive: true });
  await symlink('/lib/systemd/system/systemd-networkd.service', join(sys, 'multi-user.target.wants/systemd-networkd.service')).catch(() => undefined);
  await writeFile(join(root, 'etc/fstab'), '/dev/vda2 / ext4 defaults 0 1\n');
  await writeFile(join(root, 'etc/hostname'), `${NODE_NAME}\n`);
  // Root without a password on the serial console, for looking around when it does not enroll.
  const shadow = await readFile(join(root, 'etc/shadow'), 'utf8');
  await writeFile(join(root, 'etc/shadow'), shadow.replace(/^root:[^:]*:/m, 'root::'));
}

/** A relay per guestfwd connection (qemu runs it with the connection on stdin/stdout) to a loopback port. */
const RELAY = "const c = require('net').connect(Number(process.argv[2]), '127.0.0.1'); process.stdin.pipe(c); c.pipe(process.stdout); c.on('close', () => process.exit(0)); c.on('error', () => process.exit(1));\n";

/** A loopback TCP port forwarding to the Docker socket (guestfwd cmd targets take host:port or a path). */
async function dockerRelay(): Promise<Server> {
  const { connect } = await import('node:net');
  const server = createServer((c) => {
    const d = connect('/var/run/docker.sock');
    c.pipe(d).pipe(c);
    c.on('error', () => d.destroy());
    d.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const work = await mkdtemp(join(DEVICE_CACHE, 'boot-'));
  let hub: HubHandle | undefined;
  const relay = await dockerRelay();
  try {
    log('root with systemd and kernel (mmdebstrap, cached)', t0);
    const tar = await bootRootfsTar();
    log('hub', t0);
    hub = await startHub();
    const mqtts = new URL(hub.mqttsUrl ?? '');
    const hubPort = Number(mqtts.port);
    const flot = tsEntry('server/flotctl/main.ts');
    const token = (await run(flot.cmd, [...flot.args, '--kubeconfig', hub.kubeconfig, 'token', 'create', '--max-uses', '1'])).stdout.trim();
    const root = await extractRootfs(tar, work);
    await addGuestPlumbing(root, hubPort);
    const boot = join(root, 'boot');
    const kernel = join(boot, (await readdir(boot)).find((f) => f.startsWith('vmlinuz-')) ?? 'vmlinuz');
    const initrd = join(work, 'initrd.img');
    await writeInitrd(root, initrd);
    log('base image and flotctl image build', t0);
    const base = await makePiImage(root, join(work, 'base.img'), 256);
    const img = join(work, 'device.img');
    const deb = await agentDeb('arm64');
    const b = await run(flot.cmd, [...flot.args, 'image', 'build', '--base', base.path, '-o', img, '--join', token, '--agent-deb', deb], { timeoutMs: 600_000 });
    if (b.code !== 0) throw new Error(`image build: ${b.stderr}`);
    const dockerPort = (relay.address() as { port: number }).port;
    const relayJs = join(work, 'relay.cjs');
    await writeFile(relayJs, RELAY);
    const fwd = (guestPort: number, hostPort: number): string => `guestfwd=tcp:${GUEST_HOST}:${guestPort}-cmd:node ${relayJs} ${hostPort}`;
    const hubFwd = fwd(hubPort, hubPort);
    const dockerFwd = fwd(DOCKER_PORT, dockerPort);
    const args = [
      '-M', 'virt', '-cpu', 'cortex-a57', '-smp', '2', '-m', '1024', '-nographic', '-no-reboot',
      '-kernel', kernel, '-initrd', initrd, '-append', 'console=ttyAMA0 root=/dev/vda2 rootfstype=ext4 rw panic=-1',
      '-drive', `file=${img},format=raw,if=virtio`,
      '-netdev', `user,id=n0,restrict=on,${hubFwd},${dockerFwd}`, '-device', 'virtio-net-pci,netdev=n0,romfile=',
    ];
    log('qemu-system-aarch64 boot', t0);
    const tBoot = Date.now();
    const qemu = spawn('qemu-system-aarch64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const console: string[] = [];
    qemu.stdout.on('data', (d: Buffer) => console.push(d.toString()));
    qemu.stderr.on('data', (d: Buffer) => console.push(d.toString()));
    const api = apiClient(endpoint(hub));
    const deadline = Date.now() + Number(process.env['BOOT_TIMEOUT_S'] ?? 1800) * 1000;
    let enrolled = 0;
    try {
      for (;;) {
        if (qemu.exitCode !== null) throw new Error(`qemu exited ${qemu.exitCode}`);
        if (Date.now() > deadline) throw new Error('timed out');
        const r = await api<{ status?: { conditions?: { type: string; status: string }[] }; metadata?: { labels?: Record<string, string> } }>(`/api/v1/nodes/${NODE_NAME}`);
        if (r.status === 200 && enrolled === 0) {
          enrolled = Date.now();
          log(`enrolled: node ${NODE_NAME} exists, ${((enrolled - tBoot) / 1000).toFixed(0)} s after qemu started`, t0);
        }
        if (r.status === 200 && r.body.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
          log(`node Ready, kubernetes.io/arch=${r.body.metadata?.labels?.['kubernetes.io/arch'] ?? '?'}, ${((Date.now() - tBoot) / 1000).toFixed(0)} s after qemu started`, t0);
          break;
        }
        await new Promise((res) => setTimeout(res, 2000));
      }
    } catch (e: unknown) {
      process.stdout.write(`guest console (last 6000 characters):\n${console.join('').slice(-6000)}\n`);
      throw e;
    } finally {
      qemu.kill('SIGKILL');
    }
  } finally {
    relay.close();
    await hub?.dispose();
    if (!process.env['BOOT_KEEP']) await rm(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:boot: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

/**
 * Device artefacts the device tests share, made from real parts with Debian's tools and cached
 * under $FLOTILLA_TEST_STATE/device (default /var/tmp/flotilla-test/device), keyed by content so
 * a CI run makes each once: an arm64 Debian root (mmdebstrap from the apt mirror this machine
 * uses, run under qemu-user via binfmt), the agent .deb per architecture, and a Raspberry-Pi-like
 * disk image (MBR, FAT boot with config.txt + cmdline.txt, ext4 root from that arm64 root).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleAgent } from '../../firmware-images/packaging/bundle-agent.js';
import { buildDeb, packageVersion } from '../../firmware-images/packaging/deb.js';
import { DEFAULT_RUNTIME_CACHE, fetchRuntime, type DebArch } from '../../firmware-images/packaging/runtimes.js';
import { useAndPrune, type CacheSlot } from './device-cache-prune.js';
import { REPO_ROOT } from './hub.js';

const exec = promisify(execFile);
const BIG = { maxBuffer: 64 * 1024 * 1024 };

export const DEVICE_CACHE = join(process.env.FLOTILLA_TEST_STATE ?? '/var/tmp/flotilla-test', 'device');
/**
 * The Debian root per architecture: Debian's Essential set (dpkg, libc6, coreutils, dash, …) plus
 * what the agent's runtime links against and what its postinst enables the unit with; no apt,
 * whose configuration under qemu is slow. armhf is Debian 13 with its nodejs (>= 20.19), which
 * the armhf package depends on (firmware-images/packaging/runtimes.ts).
 */
const ROOTFS_VARIANT = 'essential';
const ROOTFS_PACKAGES = ['libstdc++6', 'libgcc-s1', 'init-system-helpers'];
const ROOTFS: Record<'arm64' | 'armhf', { suite: string; extra: string[] }> = {
  arm64: { suite: 'bookworm', extra: [] },
  armhf: { suite: 'trixie', extra: ['nodejs'] },
};

/** Runs a command; on failure the error carries its stderr. */
export async function sh(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  try {
    const r = await exec(cmd, args, { ...BIG, cwd: opts.cwd, timeout: opts.timeoutMs ?? 600_000 });
    return r.stdout;
  } catch (e: unknown) {
    const err: { stderr?: string; message?: string } = e instanceof Error ? e : {};
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.message ?? ''}\n${(err.stderr ?? '').slice(-2000)}`, { cause: e });
  }
}

export function key(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** The first deb822 or one-line `deb` mirror of Debian in this machine's apt sources. */
export async function aptMirror(): Promise<string> {
  const texts: string[] = [];
  for (const f of ['/etc/apt/sources.list']) if (existsSync(f)) texts.push(await readFile(f, 'utf8'));
  if (existsSync('/etc/apt/sources.list.d')) {
    for (const f of await readdir('/etc/apt/sources.list.d')) texts.push(await readFile(join('/etc/apt/sources.list.d', f), 'utf8'));
  }
  for (const t of texts) {
    const m = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(t) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s/m.exec(t);
    if (m?.[1]) return m[1];
  }
  throw new Error('no Debian mirror in /etc/apt/sources.list(.d)');
}

/**
 * The cache entry `<slot>-<key><suffix>`, made once: `make(tmp)` writes a temporary path that is
 * renamed into place. Using it prunes what is stale in the cache (device-cache-prune.ts).
 */
export async function cached(slot: CacheSlot, k: string, suffix: string, make: (tmp: string) => Promise<void>): Promise<string> {
  const path = join(DEVICE_CACHE, `${slot}-${k}${suffix}`);
  if (!existsSync(path)) {
    await mkdir(DEVICE_CACHE, { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await make(tmp);
    await rename(tmp, path);
  }
  await useAndPrune(DEVICE_CACHE, slot, k, path);
  return path;
}

/** A tarball of a minimal Debian root for `arch` (mmdebstrap; minutes under qemu the first time). */
export async function debianRootfsTar(arch: 'arm64' | 'armhf'): Promise<string> {
  const { suite, extra } = ROOTFS[arch];
  const packages = [...ROOTFS_PACKAGES, ...extra];
  const k = key(suite, arch, ROOTFS_VARIANT, ...packages);
  return cached(`rootfs-${arch}`, k, '.tar', async (tmp) => {
    const mirror = await aptMirror();
    await sh('mmdebstrap', ['--quiet', `--variant=${ROOTFS_VARIANT}`, `--arch=${arch}`, `--include=${packages.join(',')}`, '--format=tar', suite, tmp, mirror], {
      timeoutMs: 1_200_000,
    });
  });
}

/** Extracts a root tarball into a new directory under `parent` (as root: ownership kept). */
export async function extractRootfs(tar: string, parent: string): Promise<string> {
  const dir = await mkdtemp(join(parent, 'root-'));
  await sh('tar', ['-xf', tar, '-C', dir, '--numeric-owner']);
  return dir;
}

/** The agent .deb for `arch`, built from the current sources (bundle and packaging) into the cache. */
export async function agentDeb(arch: DebArch): Promise<string> {
  const work = await mkdtemp(join(DEVICE_CACHE, 'bundle-'));
  await mkdir(DEVICE_CACHE, { recursive: true });
  try {
    const bundle = await bundleAgent(REPO_ROOT, work);
    const parts: Buffer[] = [await readFile(bundle.path)];
    for (const f of (await readdir(join(REPO_ROOT, 'firmware-images', 'packaging'), { recursive: true })).sort()) {
      if (/\.(ts|service)$|deb\/\w+$/.test(f)) parts.push(Buffer.from(f), await readFile(join(REPO_ROOT, 'firmware-images', 'packaging', f)));
    }
    const version = await packageVersion(REPO_ROOT);
    const dir = await cached(`debs-${arch}`, key(arch, ...parts), '', async (tmp) => {
      const runtime = await fetchRuntime(arch, process.env.FLOTILLA_RUNTIME_CACHE ?? DEFAULT_RUNTIME_CACHE);
      await buildDeb({ arch, version, bundle: bundle.path, runtime, outDir: tmp });
    });
    return join(dir, `flotilla-agent_${version}_${arch}.deb`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Why device tests cannot run here ('' when they can): root, qemu-user binfmt for `arch`, Debian tools. */
export async function deviceToolsMissing(arch: 'arm64' | 'armhf' = 'arm64'): Promise<string> {
  if (process.getuid?.() !== 0) return 'not root (chroot and dpkg -i need it)';
  for (const tool of ['mmdebstrap', 'dpkg-deb', 'systemd-analyze', 'sfdisk', 'mkfs.vfat', 'mcopy', 'mkfs.ext4', 'debugfs']) {
    try {
      await sh('sh', ['-c', `command -v ${tool}`]);
    } catch {
      return `${tool} is not installed (test/setup.sh installs it)`;
    }
  }
  const binfmt = `/proc/sys/fs/binfmt_misc/${arch === 'arm64' ? 'qemu-aarch64' : 'qemu-arm'}`;
  if (!existsSync(binfmt) || !(await readFile(binfmt, 'utf8')).startsWith('enabled')) return `${binfmt} is not enabled (qemu-user-static + binfmt, test/setup.sh)`;
  return '';
}

/** Raspberry Pi OS's boot files, as Imager finds them (trimmed). */
export const PI_CONFIG_TXT = '# For more options and information see\n# http://rptl.io/configtxt\ndtparam=audio=on\ncamera_auto_detect=1\ndisplay_auto_detect=1\narm_64bit=1\n';
export const PI_CMDLINE_TXT = 'console=serial0,115200 console=tty1 root=PARTUUID=1234abcd-02 rootfstype=ext4 fsck.repair=yes rootwait quiet\n';

export interface BaseImage {
  path: string;
  /** Byte offsets and sizes of the boot (FAT) and root (ext4) partitions. */
  boot: { offset: number; size: number };
  root: { offset: number; size: number };
}

const MiB = 1024 * 1024;

export type PartitionTable = 'dos' | 'gpt';
/** GPT type GUIDs sfdisk is given: an EFI system partition for boot, Linux filesystem data for root. */
const GPT_BOOT_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
const GPT_ROOT_TYPE = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';

/** sfdisk's script for the two partitions (GPT leaves 1 MiB at the end for the backup table). */
function sfdiskLayout(table: PartitionTable, boot: { offset: number; size: number }, root: { offset: number; size: number }): string {
  const s = (n: number): number => n / 512;
  if (table === 'gpt') {
    return `label: gpt\nstart=${s(boot.offset)}, size=${s(boot.size)}, type=${GPT_BOOT_TYPE}, name=bootfs\nstart=${s(root.offset)}, size=${s(root.size)}, type=${GPT_ROOT_TYPE}, name=rootfs\n`;
  }
  return `label: dos\nlabel-id: 0x1234abcd\nstart=${s(boot.offset)}, size=${s(boot.size)}, type=c\nstart=${s(root.offset)}, size=${s(root.size)}, type=83\n`;
}

/**
 * A Pi-like disk image: MBR (or GPT); partition 1 FAT32 "bootfs" with config.txt and cmdline.txt;
 * partition 2 ext4 "rootfs" made from `rootDir` with `freeMiB` to spare. Built without mounting:
 * mkfs.vfat + mcopy, mkfs.ext4 -d, sfdisk, dd.
 */
export async function makePiImage(rootDir: string, out: string, freeMiB = 320, table: PartitionTable = 'dos'): Promise<BaseImage> {
  const bootMiB = 64;
  const usedKiB = Number((await sh('du', ['-sk', rootDir])).split('\t')[0]);
  const rootMiB = Math.ceil((usedKiB * 1.15) / 1024) + freeMiB;
  const boot = { offset: 1 * MiB, size: bootMiB * MiB };
  const root = { offset: boot.offset + boot.size, size: rootMiB * MiB };
  const parts = `${out}.parts`;
  await rm(parts, { recursive: true, force: true });
  await mkdir(parts, { recursive: true });
  try {
    const bootImg = join(parts, 'boot.img');
    await sh('truncate', ['-s', String(boot.size), bootImg]);
    await sh('mkfs.vfat', ['-F', '32', '-n', 'bootfs', bootImg]);
    await writeFile(join(parts, 'config.txt'), PI_CONFIG_TXT);
    await writeFile(join(parts, 'cmdline.txt'), PI_CMDLINE_TXT);
    await sh('mcopy', ['-i', bootImg, join(parts, 'config.txt'), join(parts, 'cmdline.txt'), '::/']);
    const rootImg = join(parts, 'root.img');
    await sh('mkfs.ext4', ['-q', '-F', '-L', 'rootfs', '-d', rootDir, rootImg, `${rootMiB}M`]);
    await sh('truncate', ['-s', String(root.offset + root.size + (table === 'gpt' ? MiB : 0)), out]);
    await sh('sh', ['-c', `printf '%s' "$1" | sfdisk --quiet "$2"`, 'sh', sfdiskLayout(table, boot, root), out]);
    await sh('dd', [`if=${bootImg}`, `of=${out}`, 'bs=1M', `seek=${boot.offset / MiB}`, 'conv=notrunc,sparse', 'status=none']);
    await sh('dd', [`if=${rootImg}`, `of=${out}`, 'bs=1M', `seek=${root.offset / MiB}`, 'conv=notrunc,sparse', 'status=none']);
  } finally {
    await rm(parts, { recursive: true, force: true });
  }
  return { path: out, boot, root };
}

/** The Pi-like base image over the arm64 Debian root, made once per root tarball, table and layout. */
export async function piBaseImage(table: PartitionTable = 'dos'): Promise<BaseImage> {
  const tar = await debianRootfsTar('arm64');
  const k = key(tar, PI_CONFIG_TXT, PI_CMDLINE_TXT, 'v1', table);
  // A directory holding the image and its layout, so the entry appears whole or not at all.
  const dir = await cached(`pi-base-${table}`, k, '', async (tmp) => {
    await mkdir(tmp, { recursive: true });
    const work = await mkdtemp(join(DEVICE_CACHE, 'base-'));
    try {
      const img = await makePiImage(await extractRootfs(tar, work), join(tmp, 'base.img'), 320, table);
      await writeFile(join(tmp, 'layout.json'), JSON.stringify({ boot: img.boot, root: img.root }));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
  const layout = JSON.parse(await readFile(join(dir, 'layout.json'), 'utf8')) as Omit<BaseImage, 'path'>;
  return { ...layout, path: join(dir, 'base.img') };
}

/** Copies the root partition of `image` out into a new directory under `parent` (debugfs rdump; owners kept as root). */
export async function dumpRoot(image: string, rootOffset: number, parent: string): Promise<string> {
  const dir = await mkdtemp(join(parent, 'imgroot-'));
  await sh('debugfs', ['-R', `rdump / ${dir}`, `${image}?offset=${rootOffset}`]);
  return dir;
}

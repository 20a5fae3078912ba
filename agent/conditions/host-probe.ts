/**
 * The OS edge of the conditions module. Everything the agent learns about its host goes
 * through a `HostProbe`, so the rest of agent/conditions is pure and testable against
 * recorded hosts (test/support/recorded-host.ts). systeminformation is imported here and nowhere else.
 *
 * Cost: `osInfo()` and `cpuCount()` are expensive (systeminformation spawns processes) and are
 * meant to be called once at start. `readFile`, `memory`, `filesystem`, `networkInterfaces`
 * and `hostname` are cheap enough for every 10 s: no child processes, no blocking calls.
 */
import { readFile as fsReadFile, stat, statfs } from 'node:fs/promises';
import { hostname as osHostname, networkInterfaces as osNetworkInterfaces, cpus } from 'node:os';
import { dirname } from 'node:path';
import si from 'systeminformation';
import { errnoCode } from '../../shared/util/guards.js';

export interface OsReading {
  /** `process.platform` terms: 'linux'. */
  platform: string;
  /** 'Debian GNU/Linux' */
  distro: string;
  /** '12' */
  release: string;
  /** 'bookworm' */
  codename: string;
  /** `uname -r` */
  kernel: string;
  /** Node.js terms (`process.arch`): 'arm64', 'arm', 'x64', … — the userland the agent runs in. */
  arch: string;
}

export interface MemoryReading {
  /** MemTotal. */
  totalBytes: number;
  /** MemAvailable: what can be allocated without swapping. */
  availableBytes: number;
}

export interface FilesystemReading {
  /** The path that was measured: the nearest existing ancestor of the one asked for. */
  path: string;
  /** st_dev of that path; two paths on the same filesystem share it. */
  device: string;
  sizeBytes: number;
  /** Available to unprivileged users (statfs f_bavail), as kubelet/cAdvisor count it. */
  availableBytes: number;
  inodes?: number;
  inodesFree?: number;
}

export interface InterfaceAddress {
  family: 'IPv4' | 'IPv6';
  address: string;
}

export interface NetworkInterfaceReading {
  name: string;
  /** Administratively up and running (IFF_UP && IFF_RUNNING). */
  up: boolean;
  /** Loopback. */
  internal: boolean;
  addresses: InterfaceAddress[];
}

export interface HostProbe {
  /** Contents of a (small) file, or undefined when it does not exist or cannot be read. */
  readFile(path: string): Promise<string | undefined>;
  /** Expensive: call once. */
  osInfo(): Promise<OsReading>;
  /** Expensive: call once. */
  cpuCount(): Promise<number>;
  hostname(): Promise<string>;
  memory(): Promise<MemoryReading>;
  /** The filesystem holding `path` (or its nearest existing ancestor); undefined if none can be read. */
  filesystem(path: string): Promise<FilesystemReading | undefined>;
  networkInterfaces(): Promise<NetworkInterfaceReading[]>;
}

// ---------------------------------------------------------------------------------------------
// The real host.

async function readFileOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await fsReadFile(path, 'utf8');
  } catch (e) {
    // ENOENT, EACCES, ENOTDIR, EINVAL/ENODATA from sysfs attributes the hardware lacks, …:
    // all mean "this host does not expose it".
    if (errnoCode(e) !== undefined) return undefined;
    throw e;
  }
}

async function statFilesystem(path: string): Promise<FilesystemReading | undefined> {
  let p = path;
  for (;;) {
    try {
      const [fsStats, st] = await Promise.all([statfs(p), stat(p)]);
      return {
        path: p,
        device: String(st.dev),
        sizeBytes: fsStats.blocks * fsStats.bsize,
        availableBytes: fsStats.bavail * fsStats.bsize,
        inodes: fsStats.files,
        inodesFree: fsStats.ffree,
      };
    } catch (e) {
      const code = errnoCode(e);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        if (code !== undefined) return undefined;
        throw e;
      }
      const parent = dirname(p);
      if (parent === p) return undefined;
      p = parent;
    }
  }
}

/**
 * The probe over the real host: systeminformation for memory, OS and CPU facts; node:fs and
 * node:os for files, filesystems (statfs: one syscall, where si.fsSize() spawns `df` and
 * blocks on `cat /proc/mounts`) and interfaces (getifaddrs, where si.networkInterfaces() runs
 * several blocking shell commands per interface, ~50 ms on a fast x86).
 */
export function systemHostProbe(): HostProbe {
  return {
    readFile: readFileOrUndefined,
    async osInfo() {
      const o = await si.osInfo();
      return {
        platform: o.platform,
        distro: o.distro,
        release: o.release,
        codename: o.codename,
        kernel: o.kernel,
        arch: o.arch || process.arch,
      };
    },
    async cpuCount() {
      const c = await si.cpu();
      return c.cores > 0 ? c.cores : cpus().length;
    },
    hostname: () => Promise.resolve(osHostname()),
    async memory() {
      const m = await si.mem();
      return { totalBytes: m.total, availableBytes: m.available };
    },
    filesystem: statFilesystem,
    networkInterfaces() {
      // libuv lists only interfaces that are IFF_UP and IFF_RUNNING and that hold an address.
      const out: NetworkInterfaceReading[] = [];
      for (const [name, infos] of Object.entries(osNetworkInterfaces())) {
        if (!infos || infos.length === 0) continue;
        out.push({
          name,
          up: true,
          internal: infos.every((i) => i.internal),
          addresses: infos.map((i) => ({ family: i.family, address: i.address })),
        });
      }
      return Promise.resolve(out);
    },
  };
}

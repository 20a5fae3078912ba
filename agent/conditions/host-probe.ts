/**
 * The OS edge of the conditions module. Everything the agent learns about its host goes
 * through a `HostProbe`, so the rest of agent/conditions is pure and testable against
 * recorded hosts (`recordedHostProbe`). systeminformation is imported here and nowhere else.
 *
 * Cost: `osInfo()` and `cpuCount()` are expensive (systeminformation spawns processes) and are
 * meant to be called once at start. `readFile`, `memory`, `filesystem`, `networkInterfaces`
 * and `hostname` are cheap enough for every 10 s: no child processes, no blocking calls.
 */
import { readFile as fsReadFile, stat, statfs } from 'node:fs/promises';
import { hostname as osHostname, networkInterfaces as osNetworkInterfaces, cpus } from 'node:os';
import { dirname } from 'node:path';
import si from 'systeminformation';
import { errnoCode, isRecord } from '../../shared/util/guards.js';

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

// ---------------------------------------------------------------------------------------------
// Recorded hosts (test fixtures).

export interface RecordedFilesystem {
  /** Mount point; `filesystem(path)` answers with the longest mount that contains `path`. */
  mount: string;
  device: string;
  sizeBytes: number;
  availableBytes: number;
  inodes?: number;
  inodesFree?: number;
}

export interface RecordedHost {
  description?: string;
  os: OsReading;
  cpuCount: number;
  hostname: string;
  memory: MemoryReading;
  filesystems: RecordedFilesystem[];
  networkInterfaces: NetworkInterfaceReading[];
  /** Absolute path → contents, for everything `readFile` may be asked. */
  files: Record<string, string>;
}

function mountContains(mount: string, path: string): boolean {
  if (mount === '/') return path.startsWith('/');
  return path === mount || path.startsWith(`${mount}/`);
}

/** A probe that answers from a recorded host. Readings are copied, so callers may not mutate it. */
export function recordedHostProbe(host: RecordedHost): HostProbe {
  const h = structuredClone(host);
  return {
    readFile: (path) => Promise.resolve(Object.hasOwn(h.files, path) ? h.files[path] : undefined),
    osInfo: () => Promise.resolve({ ...h.os }),
    cpuCount: () => Promise.resolve(h.cpuCount),
    hostname: () => Promise.resolve(h.hostname),
    memory: () => Promise.resolve({ ...h.memory }),
    filesystem(path) {
      let best: RecordedFilesystem | undefined;
      for (const f of h.filesystems) {
        if (mountContains(f.mount, path) && (!best || f.mount.length > best.mount.length)) best = f;
      }
      if (!best) return Promise.resolve(undefined);
      const { mount: _mount, ...rest } = best;
      return Promise.resolve({ path, ...rest });
    },
    networkInterfaces: () => Promise.resolve(structuredClone(h.networkInterfaces)),
  };
}

// --- fixture parsing --------------------------------------------------------------------------

function fail(path: string, want: string): never {
  throw new Error(`host fixture: ${path} must be ${want}`);
}

function str(obj: Record<string, unknown>, key: string, path: string): string {
  const v = obj[key];
  return typeof v === 'string' ? v : fail(`${path}.${key}`, 'a string');
}

function num(obj: Record<string, unknown>, key: string, path: string): number {
  const v = obj[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fail(`${path}.${key}`, 'a non-negative number');
}

function optNum(obj: Record<string, unknown>, key: string, path: string): number | undefined {
  return obj[key] === undefined ? undefined : num(obj, key, path);
}

function rec(v: unknown, path: string): Record<string, unknown> {
  return isRecord(v) ? v : fail(path, 'an object');
}

function arr(v: unknown, path: string): unknown[] {
  return Array.isArray(v) ? (v as unknown[]) : fail(path, 'an array');
}

/** Checks a parsed JSON fixture and returns it typed; throws naming the first bad field. */
export function parseHostFixture(json: unknown): RecordedHost {
  const root = rec(json, '$');
  const os = rec(root['os'], '$.os');
  const memory = rec(root['memory'], '$.memory');
  const files = rec(root['files'] ?? {}, '$.files');
  const out: RecordedHost = {
    os: {
      platform: str(os, 'platform', '$.os'),
      distro: str(os, 'distro', '$.os'),
      release: str(os, 'release', '$.os'),
      codename: str(os, 'codename', '$.os'),
      kernel: str(os, 'kernel', '$.os'),
      arch: str(os, 'arch', '$.os'),
    },
    cpuCount: num(root, 'cpuCount', '$'),
    hostname: str(root, 'hostname', '$'),
    memory: { totalBytes: num(memory, 'totalBytes', '$.memory'), availableBytes: num(memory, 'availableBytes', '$.memory') },
    filesystems: arr(root['filesystems'], '$.filesystems').map((v, i) => {
      const p = `$.filesystems[${i}]`;
      const f = rec(v, p);
      const inodes = optNum(f, 'inodes', p);
      const inodesFree = optNum(f, 'inodesFree', p);
      return {
        mount: str(f, 'mount', p),
        device: str(f, 'device', p),
        sizeBytes: num(f, 'sizeBytes', p),
        availableBytes: num(f, 'availableBytes', p),
        ...(inodes !== undefined ? { inodes } : {}),
        ...(inodesFree !== undefined ? { inodesFree } : {}),
      };
    }),
    networkInterfaces: arr(root['networkInterfaces'], '$.networkInterfaces').map((v, i) => {
      const p = `$.networkInterfaces[${i}]`;
      const n = rec(v, p);
      if (typeof n['up'] !== 'boolean') fail(`${p}.up`, 'a boolean');
      if (typeof n['internal'] !== 'boolean') fail(`${p}.internal`, 'a boolean');
      return {
        name: str(n, 'name', p),
        up: n['up'],
        internal: n['internal'],
        addresses: arr(n['addresses'], `${p}.addresses`).map((a, j) => {
          const ap = `${p}.addresses[${j}]`;
          const r = rec(a, ap);
          const family = r['family'];
          if (family !== 'IPv4' && family !== 'IPv6') fail(`${ap}.family`, '"IPv4" or "IPv6"');
          return { family, address: str(r, 'address', ap) };
        }),
      };
    }),
    files: Object.fromEntries(Object.keys(files).map((k) => [k, str(files, k, '$.files')])),
  };
  const description = root['description'];
  if (typeof description === 'string') out.description = description;
  return out;
}

/** Reads and checks a JSON host fixture. */
export async function loadHostFixture(file: string): Promise<RecordedHost> {
  return parseHostFixture(JSON.parse(await fsReadFile(file, 'utf8')) as unknown);
}

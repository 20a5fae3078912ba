/**
 * Recorded hosts (test/fixtures/conditions/*.json): a HostProbe that answers from a recording,
 * and the checked parse of a fixture file, so agent/conditions is tested against real hosts.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import type { HostProbe, MemoryReading, NetworkInterfaceReading, OsReading } from '../../agent/conditions/index.js';
import { isRecord } from '../../shared/util/guards.js';

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

/**
 * Cumulative CPU time and the memory working set of the node and of Docker containers, read
 * from cgroup files (v1 and v2) as the kubelet's cAdvisor reads them:
 *
 *   v1: cpuacct/cpuacct.usage (ns); memory/memory.usage_in_bytes − total_inactive_file
 *   v2: cpu.stat usage_usec; memory.current − inactive_file (the root has no memory.current:
 *       /proc/meminfo stands in, MemTotal − MemFree − Inactive(file))
 *
 * A container's cgroup is found under Docker's cgroupfs (`docker/ID`) or systemd
 * (`system.slice/docker-ID.scope`) layout. Reads are a few small files: cheap enough per sample.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Cumulative CPU time and current working set at one instant. */
export interface CgroupReading {
  cpuUsageNs: number;
  memoryWorkingSetBytes: number;
}

export interface CgroupPaths {
  /** The cgroup mount (`/sys/fs/cgroup`). */
  root: string;
  /** `/proc/meminfo`, for the v2 root. */
  meminfo: string;
}

export const SYSTEM_CGROUP_PATHS: CgroupPaths = { root: '/sys/fs/cgroup', meminfo: '/proc/meminfo' };

/** `key value` lines (memory.stat, cpu.stat, meminfo with its `kB`) as numbers. */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.replace(':', ' ').trim().split(/\s+/);
    if (k && v && /^\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

async function read(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined; // gone (the container stopped) or not this layout
  }
}

async function readNumber(path: string): Promise<number | undefined> {
  const text = await read(path);
  const n = text === undefined ? NaN : Number(text.trim());
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

export class CgroupReader {
  private version: Promise<1 | 2> | undefined;

  constructor(private readonly paths: CgroupPaths = SYSTEM_CGROUP_PATHS) {}

  /** v2 when the mount is the unified hierarchy itself. */
  cgroupVersion(): Promise<1 | 2> {
    this.version ??= exists(join(this.paths.root, 'cgroup.controllers')).then((v2) => (v2 ? 2 : 1));
    return this.version;
  }

  async node(): Promise<CgroupReading | undefined> {
    if ((await this.cgroupVersion()) === 1) return this.readV1('');
    const cpu = await this.cpuV2(this.paths.root);
    const mem = await read(this.paths.meminfo);
    if (cpu === undefined || mem === undefined) return undefined;
    const m = parseKeyValues(mem);
    const used = ((m.get('MemTotal') ?? 0) - (m.get('MemFree') ?? 0) - (m.get('Inactive(file)') ?? 0)) * 1024;
    return { cpuUsageNs: cpu, memoryWorkingSetBytes: Math.max(0, used) };
  }

  /** Undefined when the container has no cgroup (any more). */
  async container(id: string): Promise<CgroupReading | undefined> {
    const relatives = [join('docker', id), join('system.slice', `docker-${id}.scope`)];
    for (const rel of relatives) {
      const r = (await this.cgroupVersion()) === 1 ? await this.readV1(rel) : await this.readV2(join(this.paths.root, rel));
      if (r) return r;
    }
    return undefined;
  }

  private async readV1(rel: string): Promise<CgroupReading | undefined> {
    const cpu = await readNumber(join(this.paths.root, 'cpuacct', rel, 'cpuacct.usage'));
    const usage = await readNumber(join(this.paths.root, 'memory', rel, 'memory.usage_in_bytes'));
    const statText = await read(join(this.paths.root, 'memory', rel, 'memory.stat'));
    if (cpu === undefined || usage === undefined || statText === undefined) return undefined;
    const inactive = parseKeyValues(statText).get('total_inactive_file') ?? 0;
    return { cpuUsageNs: cpu, memoryWorkingSetBytes: Math.max(0, usage - inactive) };
  }

  private async cpuV2(dir: string): Promise<number | undefined> {
    const text = await read(join(dir, 'cpu.stat'));
    const usec = text === undefined ? undefined : parseKeyValues(text).get('usage_usec');
    return usec === undefined ? undefined : usec * 1000;
  }

  private async readV2(dir: string): Promise<CgroupReading | undefined> {
    const cpu = await this.cpuV2(dir);
    const usage = await readNumber(join(dir, 'memory.current'));
    const statText = await read(join(dir, 'memory.stat'));
    if (cpu === undefined || usage === undefined || statText === undefined) return undefined;
    const inactive = parseKeyValues(statText).get('inactive_file') ?? 0;
    return { cpuUsageNs: cpu, memoryWorkingSetBytes: Math.max(0, usage - inactive) };
  }
}

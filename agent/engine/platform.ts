/**
 * The node's platform in OCI form (`linux/arm64`, `linux/arm/v7`, `linux/amd64`): what a pull of
 * a multi-arch image must ask for. Pure; the caller reads Docker's answers and /proc/cpuinfo.
 *
 * Docker's `/version` gives `Arch` = GOARCH of dockerd (amd64, arm64, arm): the ABI the daemon
 * runs containers with. `/info` gives `Architecture` = the kernel's `uname -m`, which lies about
 * the userland on a Raspberry Pi with a 64-bit kernel and a 32-bit OS (uname says aarch64, the
 * daemon is arm). So GOARCH wins; uname is the fallback. For 32-bit arm the variant comes from
 * /proc/cpuinfo like containerd does it, with its Raspberry Pi 1 / Zero quirk (an ARMv6 core that
 * reports "CPU architecture: 7").
 */

export interface PlatformInput {
  /** Docker's `/version` Os, or `/info` OSType. */
  os: string;
  /** Docker's `/version` Arch (GOARCH); empty when unknown. */
  goArch: string;
  /** Docker's `/info` Architecture (`uname -m`). */
  unameMachine: string;
  /** Contents of /proc/cpuinfo, when readable. */
  cpuinfo?: string;
}

const UNAME_TO_GOARCH: Record<string, string> = {
  x86_64: 'amd64',
  amd64: 'amd64',
  aarch64: 'arm64',
  arm64: 'arm64',
  armv8b: 'arm64',
  armv8l: 'arm',
  armv7l: 'arm',
  armv7: 'arm',
  armhf: 'arm',
  armv6l: 'arm',
  armel: 'arm',
  armv5tel: 'arm',
  i386: '386',
  i486: '386',
  i586: '386',
  i686: '386',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  mips64: 'mips64',
  mips64el: 'mips64le',
};

export function platformOf(input: PlatformInput): string {
  const os = (input.os.trim() || 'linux').toLowerCase();
  const machine = input.unameMachine.trim().toLowerCase();
  const arch = input.goArch.trim().toLowerCase() || UNAME_TO_GOARCH[machine] || machine || 'unknown';
  if (arch !== 'arm') return `${os}/${arch}`;
  const variant = armVariantFromCpuinfo(input.cpuinfo) ?? armVariantFromUname(machine);
  return `${os}/arm/${variant}`;
}

/**
 * The 32-bit arm variant from /proc/cpuinfo, or undefined when the file says nothing usable.
 * An ARMv8 core running a 32-bit userland runs arm/v7 images (there are practically no arm/v8
 * images), so "8" maps to v7.
 */
export function armVariantFromCpuinfo(cpuinfo: string | undefined): string | undefined {
  if (cpuinfo === undefined) return undefined;
  const arch = cpuinfoField(cpuinfo, 'cpu architecture');
  if (arch === undefined) return undefined;
  let variant: string | undefined;
  if (arch === '8' || arch.toLowerCase() === 'aarch64') variant = 'v7';
  else if (/^7/.test(arch) || /^\?\(1[2-7]\)$/.test(arch)) variant = 'v7';
  else if (/^6/.test(arch)) variant = 'v6';
  else if (/^5/.test(arch)) variant = 'v5';
  if (variant === 'v7') {
    const model = cpuinfoField(cpuinfo, 'model name') ?? '';
    if (model.toLowerCase().startsWith('armv6-compatible')) variant = 'v6';
  }
  return variant;
}

function armVariantFromUname(machine: string): string {
  if (machine.startsWith('armv6')) return 'v6';
  if (machine.startsWith('armv5')) return 'v5';
  if (machine === 'armel') return 'v6';
  return 'v7';
}

/** First value of a `key : value` line of /proc/cpuinfo (key compared case-insensitively). */
function cpuinfoField(cpuinfo: string, key: string): string | undefined {
  for (const line of cpuinfo.split('\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    if (line.slice(0, colon).trim().toLowerCase() === key) return line.slice(colon + 1).trim();
  }
  return undefined;
}

/** `linux/arm/v7` from an image's (or Docker's) Os / Architecture / Variant fields. */
export function formatPlatform(os: string, architecture: string, variant?: string): string {
  const base = `${os || 'linux'}/${architecture}`;
  return variant ? `${base}/${variant}` : base;
}

/**
 * Whether /proc/cgroups lists the memory controller as enabled: false when the kernel was booted
 * with `cgroup_disable=memory` (Raspberry Pi OS's default for years), undefined when the file
 * has no memory line (or could not be read).
 */
export function memoryCgroupEnabled(procCgroups: string | undefined): boolean | undefined {
  if (procCgroups === undefined) return undefined;
  for (const line of procCgroups.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[0] === 'memory' && cols.length >= 4) return cols[3] === '1';
  }
  return undefined;
}

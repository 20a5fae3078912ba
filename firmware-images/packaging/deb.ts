/**
 * Builds `flotilla-agent_<version>_<arch>.deb` with dpkg-deb: the agent bundle, the Node.js
 * runtime for that architecture (or a dependency on the distribution's, runtimes.ts), a wrapper on PATH, the systemd unit, /etc/flotilla/agent.json
 * (a conffile, mode 0600: it will hold the bootstrap token) and the maintainer scripts.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { BUNDLE_FILE } from './bundle-agent.js';
import { DEVICE_NODE_ENV, DEVICE_NODE_FLAGS } from './device-runtime.js';
import { RUNTIMES, type DebArch, type FetchedRuntime } from './runtimes.js';

const exec = promisify(execFile);

export const PACKAGE_NAME = 'flotilla-agent';
/** Where the package puts things on the device. */
export const DEVICE_PATHS = {
  libDir: '/usr/lib/flotilla-agent',
  node: '/usr/lib/flotilla-agent/node',
  bundle: `/usr/lib/flotilla-agent/${BUNDLE_FILE}`,
  wrapper: '/usr/bin/flotilla-agent',
  unit: '/lib/systemd/system/flotilla-agent.service',
  config: '/etc/flotilla/agent.json',
  dataDir: '/var/lib/flotilla-agent',
} as const;

/** The Node.js binary the package's agent runs on, for `arch`. */
export function runtimePath(arch: DebArch): string {
  const rt = RUNTIMES[arch];
  return rt.kind === 'bundled' ? DEVICE_PATHS.node : rt.node;
}

/** The program on PATH: the runtime with the device flags, running the bundle. */
export function wrapperScript(arch: DebArch): string {
  const env = Object.entries(DEVICE_NODE_ENV).map(([k, v]) => `export ${k}="\${${k}:-${v}}"`);
  return [
    '#!/bin/sh',
    '# flotilla-agent: the bundled agent on its Node.js runtime (firmware-images/packaging/runtimes.ts, device-runtime.ts).',
    ...env,
    `exec ${runtimePath(arch)} ${DEVICE_NODE_FLAGS.join(' ')} ${DEVICE_PATHS.bundle} "$@"`,
    '',
  ].join('\n');
}

/** The conffile as shipped: no hub, so the unit's ExecCondition keeps the agent from starting. */
export const DEFAULT_AGENT_JSON = '{}\n';

export function controlFile(arch: DebArch, version: string, installedKiB: number): string {
  const rt = RUNTIMES[arch];
  const runtime = rt.kind === 'bundled' ? ` Ships its own Node.js runtime (${rt.npmPackage} ${rt.version}) and the agent` : ` Runs on the distribution's Node.js (${rt.depends.join(', ')}); the agent is`;
  return [
    `Package: ${PACKAGE_NAME}`,
    `Version: ${version}`,
    `Architecture: ${arch}`,
    'Maintainer: Flotilla developers <flotilla@localhost>',
    `Installed-Size: ${installedKiB}`,
    `Depends: ${rt.depends.join(', ')}`,
    // The first-boot unit of a device image installs Docker when the image lacks it. busybox-static
    // is what the agent builds its pod sandbox image from (podInfraBinary, /bin/busybox).
    'Recommends: docker.io | docker-ce | moby-engine, busybox-static',
    'Section: admin',
    'Priority: optional',
    'Description: Flotilla agent for edge devices',
    ' Runs the pods a Flotilla hub binds to this device on Docker.',
    `${runtime} as one bundled file.`,
    '',
  ].join('\n');
}

interface StagedFile {
  path: string;
  mode: number;
  from?: string;
  text?: string;
}

async function stage(root: string, f: StagedFile): Promise<void> {
  const dest = join(root, f.path);
  await mkdir(dirname(dest), { recursive: true, mode: 0o755 });
  if (f.from !== undefined) await copyFile(f.from, dest);
  else await writeFile(dest, f.text ?? '');
  await chmod(dest, f.mode);
}

export interface DebInputs {
  arch: DebArch;
  version: string;
  /** dist/bundle/flotilla-agent.cjs */
  bundle: string;
  /** The fetched runtime; undefined where the package depends on the distribution's. */
  runtime: FetchedRuntime | undefined;
  outDir: string;
}

/** Builds the .deb and returns its path. Needs dpkg-deb on PATH. */
export async function buildDeb(inp: DebInputs): Promise<string> {
  const here = dirname(new URL(import.meta.url).pathname);
  // The static files live next to the source (firmware-images/packaging/deb/); dist/ has no copy.
  const debSrc = here.includes(`${join('dist', 'firmware-images', 'packaging')}`) ? join(here, '..', '..', '..', 'firmware-images', 'packaging', 'deb') : join(here, 'deb');
  const root = await mkdtemp(join(tmpdir(), 'flotilla-deb-'));
  try {
    if ((RUNTIMES[inp.arch].kind === 'bundled') !== (inp.runtime !== undefined)) throw new Error(`${inp.arch}: the runtime given does not match runtimes.ts`);
    const runtime: StagedFile[] = inp.runtime
      ? [
          { path: DEVICE_PATHS.node, mode: 0o755, from: inp.runtime.node },
          { path: `${DEVICE_PATHS.libDir}/LICENSE.node`, mode: 0o644, from: inp.runtime.license },
        ]
      : [];
    const files: StagedFile[] = [
      ...runtime,
      { path: DEVICE_PATHS.bundle, mode: 0o644, from: inp.bundle },
      { path: `${DEVICE_PATHS.bundle}.LEGAL.txt`, mode: 0o644, from: `${inp.bundle}.LEGAL.txt` },
      { path: `${DEVICE_PATHS.libDir}/configured`, mode: 0o755, from: join(debSrc, 'configured') },
      { path: DEVICE_PATHS.wrapper, mode: 0o755, text: wrapperScript(inp.arch) },
      { path: DEVICE_PATHS.unit, mode: 0o644, from: join(debSrc, 'flotilla-agent.service') },
      { path: DEVICE_PATHS.config, mode: 0o600, text: DEFAULT_AGENT_JSON },
      { path: 'DEBIAN/conffiles', mode: 0o644, text: `${DEVICE_PATHS.config}\n` },
      { path: 'DEBIAN/postinst', mode: 0o755, from: join(debSrc, 'postinst') },
      { path: 'DEBIAN/prerm', mode: 0o755, from: join(debSrc, 'prerm') },
      { path: 'DEBIAN/postrm', mode: 0o755, from: join(debSrc, 'postrm') },
    ];
    await chmod(root, 0o755);
    for (const f of files) await stage(root, f);
    await chmod(join(root, 'etc', 'flotilla'), 0o755);
    let bytes = 0;
    for (const f of files) if (!f.path.startsWith('DEBIAN/')) bytes += (await stat(join(root, f.path))).size;
    await stage(root, { path: 'DEBIAN/control', mode: 0o644, text: controlFile(inp.arch, inp.version, Math.ceil(bytes / 1024)) });
    await mkdir(inp.outDir, { recursive: true });
    const out = join(inp.outDir, `${PACKAGE_NAME}_${inp.version}_${inp.arch}.deb`);
    // gzip: every dpkg reads it (zstd needs dpkg >= 1.21.18) and it takes 13 s for the runtime's
    // 100 MB on 2 cores, where xz takes minutes; 36 MB instead of xz's 23 MB.
    await exec('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', root, out], { maxBuffer: 16 * 1024 * 1024 });
    return out;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** The package's version: package.json's, which a unit test keeps equal to FLOTILLA_VERSION. */
export async function packageVersion(repoRoot: string): Promise<string> {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error('package.json has no version');
  return pkg.version;
}

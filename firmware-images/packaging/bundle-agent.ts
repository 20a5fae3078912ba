/**
 * Bundles the agent into one CommonJS file (dist/bundle/flotilla-agent.cjs) that runs on a bare
 * Node.js runtime: no node_modules, no development dependency. `npm run build` runs it after tsc.
 *
 * Modules the agent never uses on a device are replaced by stubs that throw when called, which
 * is where most of the unbundled agent's memory goes: dockerode loads the SSH transport (ssh2)
 * for ssh:// Docker hosts and BuildKit's gRPC session (@grpc/grpc-js, protobufjs) for image
 * builds; the agent only talks to the local Unix socket and never builds.
 */
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** Packages replaced by a throwing stub, with the reason shown if one is ever called. */
export const STUBBED_MODULES: Readonly<Record<string, string>> = {
  ssh2: 'ssh:// Docker hosts are not supported on a device (the agent uses the local socket)',
  'cpu-features': 'ssh2 optional dependency, not bundled',
  '@grpc/grpc-js': 'BuildKit sessions (image builds) are not supported on a device',
  '@grpc/proto-loader': 'BuildKit sessions (image builds) are not supported on a device',
  protobufjs: 'BuildKit progress decoding (image builds) is not supported on a device',
  socks: 'the agent never connects through a SOCKS proxy (mqtt.js loads it for socksProxy)',
  'worker-timers': 'browser-only timers of mqtt.js',
};

/**
 * systeminformation's index loads all of its 20 modules (batteries, printers, Wi-Fi, …); the agent
 * calls three functions. The bundle imports only their modules; any other function throws, naming
 * itself, so a new use shows up at the first call in any test of the bundle.
 */
export const SYSTEMINFORMATION_USED: Readonly<Record<string, string>> = { osInfo: 'osinfo', cpu: 'cpu', mem: 'memory' };

function systeminformationShim(): string {
  const entries = Object.entries(SYSTEMINFORMATION_USED).map(([fn, mod]) => `${fn}: require('systeminformation/lib/${mod}.js').${fn}`);
  return `const used = { ${entries.join(', ')} };
module.exports = new Proxy(used, { get: (t, k) => {
  if (typeof k === 'symbol' || k in t || k === '__esModule' || k === 'then') return t[k];
  return () => { throw new Error('systeminformation.' + String(k) + ' is not in the Flotilla agent bundle (firmware-images/packaging/bundle-agent.ts SYSTEMINFORMATION_USED)'); };
} });`;
}

export const BUNDLE_FILE = 'flotilla-agent.cjs';

/** A stub module: loading it succeeds (dockerode requires these at load time), using it throws. */
function stubSource(name: string, why: string): string {
  const msg = JSON.stringify(`${name} is not in the Flotilla agent bundle: ${why}`);
  return `const fail = () => { throw new Error(${msg}); };
module.exports = new Proxy(fail, { get: (_t, k) => (k === '__esModule' || k === 'then' || typeof k === 'symbol' ? undefined : fail) });`;
}

/** Stubs the modules above and narrows systeminformation to what the agent calls. */
function devicePlugin(repoRoot: string): Plugin {
  const names = Object.keys(STUBBED_MODULES).map((n) => n.replace(/[/.]/g, '\\$&'));
  const stubbed = new RegExp(`^(${names.join('|')})(/.*)?$`);
  return {
    name: 'flotilla-device',
    setup(b) {
      b.onResolve({ filter: stubbed }, (args) => ({ path: args.path, namespace: 'flotilla-stub' }));
      b.onResolve({ filter: /^systeminformation$/ }, (args) => ({ path: args.path, namespace: 'flotilla-shim' }));
      b.onLoad({ filter: /.*/, namespace: 'flotilla-shim' }, () => ({ contents: systeminformationShim(), loader: 'js', resolveDir: repoRoot }));
      b.onLoad({ filter: /.*/, namespace: 'flotilla-stub' }, (args) => {
        const root = Object.keys(STUBBED_MODULES).find((n) => args.path === n || args.path.startsWith(`${n}/`)) ?? args.path;
        return { contents: stubSource(root, STUBBED_MODULES[root] ?? 'not needed on a device'), loader: 'js' };
      });
    },
  };
}

export interface BundleResult {
  path: string;
  bytes: number;
}

/** Builds the bundle from agent/main.ts under `repoRoot` into `outDir`. */
export async function bundleAgent(repoRoot: string, outDir: string): Promise<BundleResult> {
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, BUNDLE_FILE);
  const result = await build({
    entryPoints: [join(repoRoot, 'agent', 'main.ts')],
    outfile: path,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    plugins: [devicePlugin(repoRoot)],
    logLevel: 'warning',
    metafile: true,
  });
  if (result.errors.length > 0) throw new Error(`esbuild failed: ${result.errors.map((e) => e.text).join('; ')}`);
  return { path, bytes: (await stat(path)).size };
}

/** The nearest folder at or above `from` holding package.json (works from the source and from dist/). */
export function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'agent'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no repository root above ${from}`);
  }
}

async function main(): Promise<void> {
  const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
  const out = await bundleAgent(repoRoot, join(repoRoot, 'dist', 'bundle'));
  process.stdout.write(`agent bundle: ${out.path} (${(out.bytes / 1024).toFixed(0)} KiB)\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`bundle-agent: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}

/**
 * `npm run package [-- ARCH…]`: builds dist/packages/flotilla-agent_<version>_<arch>.deb for
 * arm64, armhf and amd64 (or the ones named) from dist/bundle (run `npm run build` first).
 * Runtimes are cached in $FLOTILLA_RUNTIME_CACHE (default /var/tmp/flotilla-test/npm-runtime).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_FILE, findRepoRoot } from './bundle-agent.js';
import { buildDeb, packageVersion } from './deb.js';
import { DEB_ARCHES, DEFAULT_RUNTIME_CACHE, fetchRuntime, isDebArch, type DebArch } from './runtimes.js';

async function main(): Promise<void> {
  const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
  const args = process.argv.slice(2);
  const bad = args.filter((a) => !isDebArch(a));
  if (bad.length > 0) throw new Error(`unknown architecture ${bad.map((b) => `"${b}"`).join(', ')} (known: ${DEB_ARCHES.join(', ')})`);
  const arches: DebArch[] = args.length > 0 ? args.filter(isDebArch) : [...DEB_ARCHES];
  const bundle = join(repoRoot, 'dist', 'bundle', BUNDLE_FILE);
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build first`);
  const version = await packageVersion(repoRoot);
  const cache = process.env['FLOTILLA_RUNTIME_CACHE'] ?? DEFAULT_RUNTIME_CACHE;
  for (const arch of arches) {
    const runtime = await fetchRuntime(arch, cache);
    const out = await buildDeb({ arch, version, bundle, runtime, outDir: join(repoRoot, 'dist', 'packages') });
    process.stdout.write(`${out}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`package: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

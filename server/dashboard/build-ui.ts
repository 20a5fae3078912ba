/** `npm run build`: bundles the dashboard (server/dashboard/ui) into dist/ui with esbuild. No CDN, no inline script. */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

const src = join(import.meta.dirname, 'ui');
const out = join(import.meta.dirname, '..', '..', 'dist', 'ui');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const result = await build({
  entryPoints: { app: join(src, 'main.tsx') },
  outdir: out,
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  sourcemap: 'external',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'external',
  metafile: true,
  logLevel: 'warning',
});
await copyFile(join(src, 'index.html'), join(out, 'index.html'));
await copyFile(join(src, 'app.css'), join(out, 'app.css'));
const bytes = Object.values(result.metafile.outputs).reduce((t, o) => t + o.bytes, 0);
process.stdout.write(`dashboard: bundled into ${out} (${Math.round(bytes / 1024)} KiB with source map)\n`);

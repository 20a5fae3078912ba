/**
 * The built dashboard (`npm run build` bundles server/dashboard/ui into dist/ui), read into
 * memory once at start: a handful of small files, served from a fixed table so no request path
 * ever reaches the file system.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Where the bundle is, whether the hub runs from dist/ (built) or from source (tsx, tests). */
export function defaultUiDir(moduleDir: string): string {
  const candidates = [join(moduleDir, '..', 'ui'), join(moduleDir, '..', 'dist', 'ui')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[0] ?? '';
}

/** File name → asset; empty when the dashboard was not built. */
export async function loadAssets(dir: string): Promise<Map<string, Asset>> {
  const out = new Map<string, Asset>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (!type) continue; // source maps and anything else stay private
    const body = await readFile(join(dir, name));
    out.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return out;
}

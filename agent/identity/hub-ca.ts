/**
 * The hub's CA as found by its pin at enrollment (agent/link/tls-dial.ts), kept in the data dir
 * as `hub-ca.crt` so later connections verify the hub against it without the join string.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../shared/util/guards.js';
import { writeFileAtomic } from '../../shared/util/atomic-file.js';

export const HUB_CA_FILE = 'hub-ca.crt';

export async function loadHubCa(dataDir: string): Promise<string | undefined> {
  try {
    return await readFile(join(dataDir, HUB_CA_FILE), 'utf8');
  } catch (e: unknown) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

export function saveHubCa(dataDir: string, pem: string): Promise<void> {
  return writeFileAtomic(join(dataDir, HUB_CA_FILE), pem, 0o644);
}

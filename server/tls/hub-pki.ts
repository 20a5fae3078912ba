/** The hub's CA and serving certificate, kept in DATA_DIR/pki and renewed when they no longer fit. */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../shared/util/guards.js';
import { writeFileAtomic } from '../../shared/util/atomic-file.js';
import { certificateFits, createCA, issueCertificate, type KeyAndCert } from './certificates.js';

export interface HubPki {
  ca: KeyAndCert;
  serving: KeyAndCert;
}

async function readPair(dir: string, base: string): Promise<KeyAndCert | undefined> {
  try {
    const [keyPem, certPem] = await Promise.all([readFile(join(dir, `${base}.key`), 'utf8'), readFile(join(dir, `${base}.crt`), 'utf8')]);
    return { keyPem, certPem };
  } catch (e: unknown) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

async function writePair(dir: string, base: string, pair: KeyAndCert): Promise<void> {
  await writeFileAtomic(join(dir, `${base}.key`), pair.keyPem, 0o600);
  await writeFileAtomic(join(dir, `${base}.crt`), pair.certPem, 0o644);
}

/**
 * Loads the CA (creating it on first start) and a serving certificate covering `hosts`,
 * issuing a new one when a host was added or it expires within 30 days.
 */
export async function loadOrCreatePki(dataDir: string, hosts: string[], now: Date): Promise<HubPki> {
  const dir = join(dataDir, 'pki');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let ca = await readPair(dir, 'ca');
  if (!ca) {
    ca = createCA('flotilla-ca', now);
    await writePair(dir, 'ca', ca);
  }
  let serving = await readPair(dir, 'hub');
  if (!serving || !certificateFits(serving.certPem, hosts, now, 30)) {
    serving = issueCertificate(ca, { commonName: 'flotilla-hub', hosts, now, days: 365, usage: ['server'] });
    await writePair(dir, 'hub', serving);
  }
  return { ca, serving };
}

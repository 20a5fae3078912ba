/**
 * `flotctl image build`, the doing half: copies the base image, reads its partition table and
 * cmdline.txt, applies the plan to the copy's partitions in place (debugfs, mtools: no mount, no
 * root), verifies every edit, and only then renames the copy to the output. The base is only read.
 */
import { constants } from 'node:fs';
import { copyFile, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { readDeb } from './deb-reader.js';
import { applyRootEdits, verifyRootEdits, type LocalFile } from './ext4.js';
import { planImage, type ImagePlan } from './plan.js';
import { readLayout } from './partitions.js';
import { pullToArchive, type ImageRef } from './registry-pull.js';
import { fatRead, fatWrite } from './tools.js';

/** A `docker save` archive on disk, or an image to pull from its registry into one. */
export type PreloadSource = { file: string } | { ref: ImageRef };

export interface BuildOptions {
  base: string;
  out: string;
  agentDeb: string;
  /** The Debian architecture the agent package must have. */
  arch: string;
  agentJson: string;
  hostnameTemplate?: string;
  wifi?: { ssid: string; psk: string };
  sshAuthorizedKeys?: string;
  preload: readonly PreloadSource[];
}

export interface BuildReport {
  out: string;
  table: 'mbr' | 'gpt';
  rootEdits: number;
  bootEdits: string[];
  cmdlineFixed: boolean;
}

export async function buildImage(o: BuildOptions): Promise<BuildReport> {
  if (resolve(o.base) === resolve(o.out)) throw new Error('-o must name a new file, not the base image (the base is never changed)');
  const debBuf = await readFile(o.agentDeb);
  const deb = readDeb(debBuf);
  if (deb.architecture !== o.arch) throw new Error(`${o.agentDeb} is for ${deb.architecture || 'no architecture'}, not ${o.arch}`);
  const tmp = await mkdtemp(join(tmpdir(), 'flotctl-image-'));
  const partial = `${o.out}.partial`;
  try {
    const preload: { name: string; file: LocalFile }[] = [];
    for (const [i, p] of o.preload.entries()) {
      const path = 'file' in p ? p.file : await pullToArchive(p.ref, o.arch, join(tmp, `pull-${i}`));
      preload.push({ name: basename(path), file: { localPath: resolve(path), size: (await stat(path)).size } });
    }
    await copyFile(o.base, partial, constants.COPYFILE_FICLONE);
    const layout = await readLayout(partial);
    const cmdline = layout.boot ? await fatRead(partial, layout.boot.offset, 'cmdline.txt') : undefined;
    const plan: ImagePlan = planImage(
      {
        debName: basename(o.agentDeb),
        deb: debBuf,
        debEntries: deb.entries,
        agentJson: o.agentJson,
        ...(o.hostnameTemplate !== undefined ? { hostnameTemplate: o.hostnameTemplate } : {}),
        ...(o.wifi ? { wifi: o.wifi } : {}),
        ...(o.sshAuthorizedKeys !== undefined ? { sshAuthorizedKeys: o.sshAuthorizedKeys } : {}),
        preload,
      },
      cmdline,
    );
    await applyRootEdits(partial, layout.root.offset, plan.root, tmp);
    await verifyRootEdits(partial, layout.root.offset, plan.root, tmp);
    if (layout.boot) {
      for (const b of plan.boot) {
        const local = join(tmp, `boot-${b.name}`);
        await writeFile(local, b.text);
        await fatWrite(partial, layout.boot.offset, b.name, local);
        if ((await fatRead(partial, layout.boot.offset, b.name)) !== b.text) throw new Error(`boot partition: ${b.name} did not read back as written`);
      }
    }
    await rename(partial, o.out);
    return { out: o.out, table: layout.table, rootEdits: plan.root.length, bootEdits: plan.boot.map((b) => b.name), cmdlineFixed: cmdline !== undefined && cmdline !== plan.boot[0]?.text };
  } finally {
    await rm(partial, { force: true });
    await rm(tmp, { recursive: true, force: true });
  }
}

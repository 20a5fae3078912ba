/** Finds the boot (FAT) and root (Linux) partitions of an MBR disk image from its partition table. */
import { open } from 'node:fs/promises';

export interface Partition {
  index: number;
  type: number;
  offset: number;
  size: number;
}

const SECTOR = 512;
const FAT_TYPES = new Set([0x01, 0x04, 0x06, 0x0b, 0x0c, 0x0e, 0xef]);
const LINUX = 0x83;
const GPT_PROTECTIVE = 0xee;

export function parseMbr(sector0: Buffer): Partition[] {
  if (sector0.length < SECTOR || sector0[510] !== 0x55 || sector0[511] !== 0xaa) throw new Error('no MBR partition table (boot signature 55 aa missing)');
  const out: Partition[] = [];
  for (let i = 0; i < 4; i++) {
    const e = 446 + i * 16;
    const type = sector0[e + 4] ?? 0;
    const start = sector0.readUInt32LE(e + 8);
    const sectors = sector0.readUInt32LE(e + 12);
    if (type !== 0 && sectors > 0) out.push({ index: i + 1, type, offset: start * SECTOR, size: sectors * SECTOR });
  }
  if (out.some((p) => p.type === GPT_PROTECTIVE)) throw new Error('a GPT disk: only MBR images (Raspberry Pi OS, most SBC images) are supported so far');
  return out;
}

export interface ImageLayout {
  boot?: Partition;
  root: Partition;
}

export async function readLayout(path: string): Promise<ImageLayout> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(SECTOR);
    await fh.read(buf, 0, SECTOR, 0);
    const parts = parseMbr(buf);
    const root = parts.find((p) => p.type === LINUX);
    if (!root) throw new Error('no Linux (type 83) root partition');
    const boot = parts.find((p) => FAT_TYPES.has(p.type) && p.offset < root.offset);
    return { ...(boot ? { boot } : {}), root };
  } finally {
    await fh.close();
  }
}

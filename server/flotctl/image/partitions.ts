/**
 * Finds the boot (FAT) and root (ext4) partitions of a disk image from its partition table, MBR
 * or GPT (gpt.ts), and checks that each holds the filesystem its type promises.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { gptEntriesBytes, GPT_SIGNATURE, GPT_TYPES, parseGptEntries, parseGptHeader } from './gpt.js';

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
const GPT_BOOT_TYPES = new Set<string>([GPT_TYPES.efiSystem, GPT_TYPES.basicData]);
const GPT_ROOT_TYPES = new Set<string>([GPT_TYPES.linuxData, GPT_TYPES.rootArm64, GPT_TYPES.rootArm, GPT_TYPES.rootX86_64]);

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
  return out;
}

/** A partition the builder edits, with what the table calls its type (MBR byte or GPT GUID). */
export interface LayoutPartition {
  index: number;
  type: string;
  offset: number;
  size: number;
}

export interface ImageLayout {
  table: 'mbr' | 'gpt';
  boot?: LayoutPartition;
  root: LayoutPartition;
}

async function readAt(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, offset);
  return buf.subarray(0, bytesRead);
}

/** ext2/3/4: the superblock's magic 0xEF53 at byte 1080 of the partition. */
async function isExt(fh: FileHandle, p: LayoutPartition): Promise<boolean> {
  const b = await readAt(fh, p.offset + 1080, 2);
  return b.length === 2 && b.readUInt16LE(0) === 0xef53;
}

/** FAT12/16/32: a boot sector ending 55 aa whose file-system type field says FAT. */
async function isFat(fh: FileHandle, p: LayoutPartition): Promise<boolean> {
  const b = await readAt(fh, p.offset, SECTOR);
  if (b.length < SECTOR || b[510] !== 0x55 || b[511] !== 0xaa) return false;
  return b.subarray(54, 57).toString('latin1') === 'FAT' || b.subarray(82, 85).toString('latin1') === 'FAT';
}

function checkBounds(parts: readonly LayoutPartition[], diskBytes: number): void {
  for (const p of parts) {
    if (p.offset + p.size > diskBytes) throw new Error(`partition ${p.index}: ends at byte ${p.offset + p.size}, past the end of the image (${diskBytes} bytes)`);
  }
}

async function readGpt(fh: FileHandle, diskBytes: number): Promise<LayoutPartition[]> {
  // 512-byte sectors for image files; 4 KiB-sector disks put the header at byte 4096.
  for (const sectorSize of [SECTOR, 4096]) {
    const sector = await readAt(fh, sectorSize, sectorSize);
    if (sector.subarray(0, 8).toString('latin1') !== GPT_SIGNATURE) continue;
    const header = parseGptHeader(sector, sectorSize);
    const entries = await readAt(fh, header.entriesLba * sectorSize, gptEntriesBytes(header));
    return parseGptEntries(header, entries, diskBytes).map((p) => ({ index: p.index, type: p.typeGuid, offset: p.offset, size: p.size }));
  }
  throw new Error(`GPT header: signature "${GPT_SIGNATURE}" missing at LBA 1 (the protective MBR says GPT)`);
}

export async function readLayout(path: string): Promise<ImageLayout> {
  const fh = await open(path, 'r');
  try {
    const diskBytes = (await fh.stat()).size;
    const mbr = parseMbr(await readAt(fh, 0, SECTOR));
    if (mbr.some((p) => p.type === GPT_PROTECTIVE)) {
      const parts = await readGpt(fh, diskBytes);
      let root: LayoutPartition | undefined;
      for (const p of parts) if (!root && GPT_ROOT_TYPES.has(p.type) && (await isExt(fh, p))) root = p;
      if (!root) throw new Error(`GPT: no Linux partition holding an ext4 filesystem (partitions: ${parts.map((p) => `${p.index} ${p.type}`).join(', ') || 'none'})`);
      let boot: LayoutPartition | undefined;
      for (const p of parts) if (!boot && GPT_BOOT_TYPES.has(p.type) && (await isFat(fh, p))) boot = p;
      return { table: 'gpt', ...(boot ? { boot } : {}), root };
    }
    const parts = mbr.map((p) => ({ ...p, type: `0x${p.type.toString(16).padStart(2, '0')}` }));
    checkBounds(parts, diskBytes);
    const linux = parts.filter((_, i) => mbr[i]?.type === LINUX);
    if (linux.length === 0) throw new Error('MBR: no Linux (type 83) root partition');
    let root: LayoutPartition | undefined;
    for (const p of linux) if (!root && (await isExt(fh, p))) root = p;
    if (!root) throw new Error(`MBR: partition ${linux[0]?.index} (type 83) holds no ext4 filesystem`);
    const rootOffset = root.offset;
    const boot = parts.find((p, i) => FAT_TYPES.has(mbr[i]?.type ?? 0) && p.offset < rootOffset);
    return { table: 'mbr', ...(boot ? { boot } : {}), root };
  } finally {
    await fh.close();
  }
}

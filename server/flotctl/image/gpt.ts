/**
 * GUID partition tables (UEFI spec §5.3): the header at LBA 1 and its partition entry array,
 * both checked against their CRC32s before anything is trusted. Pure: the caller reads the
 * sectors. Only the primary table is read; a corrupt one is an error naming what is wrong
 * (a disk whose primary table is damaged should be repaired with `sgdisk -e`/`gdisk`, not guessed at).
 */
import { crc32 } from 'node:zlib';

export const GPT_SIGNATURE = 'EFI PART';
const HEADER_MIN = 92;
/** Entry arrays larger than this are not a disk image we should trust (128 × 128 B is the norm). */
const MAX_ENTRIES_BYTES = 1024 * 1024;

export interface GptHeader {
  sectorSize: number;
  /** LBA of the partition entry array. */
  entriesLba: number;
  entryCount: number;
  entrySize: number;
  entriesCrc: number;
  firstUsableLba: number;
  lastUsableLba: number;
}

export interface GptPartition {
  /** 1-based, the position in the entry array (as sgdisk/sfdisk number it). */
  index: number;
  /** Partition type GUID, upper case (e.g. C12A7328-F81F-11D2-BA4B-00A0C93EC93B). */
  typeGuid: string;
  name: string;
  offset: number;
  size: number;
}

/** Partition type GUIDs the image builder cares about. */
export const GPT_TYPES = {
  efiSystem: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  basicData: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
  linuxData: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
  rootArm64: 'B921B045-1DF0-41C3-AF44-4C6F280D3FAE',
  rootArm: '69DAD710-2CE4-4E3C-B16C-21A1D49ABED3',
  rootX86_64: '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709',
} as const;

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** A mixed-endian GUID as GPT stores it, in its usual text form. */
export function guidText(b: Buffer): string {
  const h = (x: Buffer): string => x.toString('hex');
  const le = (x: Buffer): string => h(Buffer.from(x).reverse());
  return `${le(b.subarray(0, 4))}-${le(b.subarray(4, 6))}-${le(b.subarray(6, 8))}-${h(b.subarray(8, 10))}-${h(b.subarray(10, 16))}`.toUpperCase();
}

/** Reads a 64-bit LBA as a number; beyond 2^53 sectors is no disk image. */
function lba(b: Buffer, at: number, field: string): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`GPT header: ${field} ${v} is out of range`);
  return Number(v);
}

/** Parses and checks the header sector (LBA 1) of a disk with `sectorSize`-byte sectors. */
export function parseGptHeader(sector: Buffer, sectorSize: number): GptHeader {
  if (sector.subarray(0, 8).toString('latin1') !== GPT_SIGNATURE) throw new Error(`GPT header: signature "${GPT_SIGNATURE}" missing at LBA 1 (the protective MBR says GPT)`);
  const headerSize = sector.readUInt32LE(12);
  if (headerSize < HEADER_MIN || headerSize > sectorSize) throw new Error(`GPT header: header size ${headerSize} is not between ${HEADER_MIN} and ${sectorSize}`);
  const stored = sector.readUInt32LE(16);
  const copy = Buffer.from(sector.subarray(0, headerSize));
  copy.writeUInt32LE(0, 16);
  const computed = crc32(copy);
  if (computed !== stored) throw new Error(`GPT header: CRC32 mismatch (stored ${hex(stored)}, computed ${hex(computed)}): the header is corrupt`);
  const myLba = lba(sector, 24, 'MyLBA');
  if (myLba !== 1) throw new Error(`GPT header: MyLBA is ${myLba}, expected 1 for the primary header`);
  const h: GptHeader = {
    sectorSize,
    firstUsableLba: lba(sector, 40, 'FirstUsableLBA'),
    lastUsableLba: lba(sector, 48, 'LastUsableLBA'),
    entriesLba: lba(sector, 72, 'PartitionEntryLBA'),
    entryCount: sector.readUInt32LE(80),
    entrySize: sector.readUInt32LE(84),
    entriesCrc: sector.readUInt32LE(88),
  };
  if (h.entrySize < 128 || h.entrySize % 8 !== 0) throw new Error(`GPT header: partition entry size ${h.entrySize} is not a multiple of 8 of at least 128`);
  if (h.entryCount * h.entrySize > MAX_ENTRIES_BYTES) throw new Error(`GPT header: ${h.entryCount} entries of ${h.entrySize} bytes exceed ${MAX_ENTRIES_BYTES} bytes`);
  if (h.entriesLba < 2) throw new Error(`GPT header: PartitionEntryLBA ${h.entriesLba} overlaps the header`);
  if (h.firstUsableLba > h.lastUsableLba) throw new Error(`GPT header: FirstUsableLBA ${h.firstUsableLba} is after LastUsableLBA ${h.lastUsableLba}`);
  return h;
}

/** Bytes of the entry array the header describes. */
export function gptEntriesBytes(h: GptHeader): number {
  return h.entryCount * h.entrySize;
}

/** Parses the entry array (checked against the header's CRC32); unused entries are skipped. */
export function parseGptEntries(h: GptHeader, entries: Buffer, diskBytes: number): GptPartition[] {
  const bytes = gptEntriesBytes(h);
  if (entries.length < bytes) throw new Error(`GPT partition entries: the image ends inside the entry array (${entries.length} of ${bytes} bytes)`);
  const computed = crc32(entries.subarray(0, bytes));
  if (computed !== h.entriesCrc) throw new Error(`GPT partition entries: CRC32 mismatch (header says ${hex(h.entriesCrc)}, computed ${hex(computed)}): the entry array is corrupt`);
  const out: GptPartition[] = [];
  for (let i = 0; i < h.entryCount; i++) {
    const e = entries.subarray(i * h.entrySize, (i + 1) * h.entrySize);
    const typeBytes = e.subarray(0, 16);
    if (typeBytes.every((x) => x === 0)) continue;
    const first = lba(e, 32, `partition ${i + 1} StartingLBA`);
    const last = lba(e, 40, `partition ${i + 1} EndingLBA`);
    if (last < first) throw new Error(`GPT partition ${i + 1}: EndingLBA ${last} is before StartingLBA ${first}`);
    if (first < h.firstUsableLba || last > h.lastUsableLba) throw new Error(`GPT partition ${i + 1}: LBAs ${first}-${last} are outside the usable ${h.firstUsableLba}-${h.lastUsableLba}`);
    const offset = first * h.sectorSize;
    const size = (last - first + 1) * h.sectorSize;
    if (offset + size > diskBytes) throw new Error(`GPT partition ${i + 1}: ends at byte ${offset + size}, past the end of the image (${diskBytes} bytes)`);
    const name = e.subarray(56, 128).toString('utf16le').replace(/\0.*$/s, '');
    out.push({ index: i + 1, typeGuid: guidText(typeBytes), name, offset, size });
  }
  return out;
}

import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { GPT_TYPES, guidText, parseGptEntries, parseGptHeader, type GptHeader } from '../../server/flotctl/image/gpt.js';

const SECTOR = 512;

/** GUID text -> the mixed-endian bytes GPT stores. */
function guidBytes(g: string): Buffer {
  const [a, b, c, d, e] = g.split('-') as [string, string, string, string, string];
  const le = (h: string): Buffer => Buffer.from(h, 'hex').reverse();
  return Buffer.concat([le(a), le(b), le(c), Buffer.from(d + e, 'hex')]);
}

interface Entry {
  type: string;
  first: number;
  last: number;
  name: string;
}

/** A GPT as sgdisk writes one: header at LBA 1, 128 entries of 128 bytes at LBA 2. */
function gpt(entries: Entry[], lastUsable = 10_000): { header: Buffer; array: Buffer } {
  const array = Buffer.alloc(128 * 128);
  entries.forEach((e, i) => {
    const at = i * 128;
    guidBytes(e.type).copy(array, at);
    guidBytes('11111111-2222-3333-4444-555555555555').copy(array, at + 16);
    array.writeBigUInt64LE(BigInt(e.first), at + 32);
    array.writeBigUInt64LE(BigInt(e.last), at + 40);
    array.write(e.name, at + 56, 'utf16le');
  });
  const header = Buffer.alloc(SECTOR);
  header.write('EFI PART', 0, 'latin1');
  header.writeUInt32LE(0x00010000, 8);
  header.writeUInt32LE(92, 12);
  header.writeBigUInt64LE(1n, 24);
  header.writeBigUInt64LE(BigInt(lastUsable + 33), 32);
  header.writeBigUInt64LE(34n, 40);
  header.writeBigUInt64LE(BigInt(lastUsable), 48);
  header.writeBigUInt64LE(2n, 72);
  header.writeUInt32LE(128, 80);
  header.writeUInt32LE(128, 84);
  header.writeUInt32LE(crc32(array), 88);
  header.writeUInt32LE(crc32(header.subarray(0, 92)), 16);
  return { header, array };
}

const BOOT: Entry = { type: GPT_TYPES.efiSystem, first: 2048, last: 4095, name: 'bootfs' };
const ROOT: Entry = { type: GPT_TYPES.linuxData, first: 4096, last: 9999, name: 'rootfs' };
const DISK = 10_034 * SECTOR;

/** Re-seals the header's CRC after a test edits a field. */
function reseal(header: Buffer): Buffer {
  header.writeUInt32LE(0, 16);
  header.writeUInt32LE(crc32(header.subarray(0, 92)), 16);
  return header;
}

describe('device image: GPT', () => {
  it('reads the header and the used entries with byte offsets, type GUIDs and names', () => {
    const { header, array } = gpt([BOOT, ROOT]);
    const h: GptHeader = parseGptHeader(header, SECTOR);
    assert.deepEqual(parseGptEntries(h, array, DISK), [
      { index: 1, typeGuid: GPT_TYPES.efiSystem, name: 'bootfs', offset: 2048 * SECTOR, size: 2048 * SECTOR },
      { index: 2, typeGuid: GPT_TYPES.linuxData, name: 'rootfs', offset: 4096 * SECTOR, size: 5904 * SECTOR },
    ]);
  });

  it('prints GUIDs in their usual mixed-endian text form', () => {
    assert.equal(guidText(guidBytes(GPT_TYPES.rootArm64)), GPT_TYPES.rootArm64);
  });

  const bad: [string, (t: { header: Buffer; array: Buffer }) => void, RegExp][] = [
    ['no signature', (t) => t.header.write('NOT PART', 0, 'latin1'), /GPT header: signature "EFI PART" missing at LBA 1/],
    ['a flipped header byte', (t) => { t.header[50] = (t.header[50] ?? 0) ^ 1; }, /GPT header: CRC32 mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\): the header is corrupt/],
    ['a flipped entry byte', (t) => { t.array[130] = (t.array[130] ?? 0) ^ 1; }, /GPT partition entries: CRC32 mismatch .* the entry array is corrupt/],
    ['an absurd header size', (t) => reseal(t.header).writeUInt32LE(4, 12), /GPT header: header size 4 is not between 92 and 512/],
    ['a backup header where the primary should be', (t) => { t.header.writeBigUInt64LE(9999n, 24); reseal(t.header); }, /GPT header: MyLBA is 9999, expected 1/],
    ['an odd entry size', (t) => { t.header.writeUInt32LE(100, 84); reseal(t.header); }, /partition entry size 100/],
    ['a huge entry array', (t) => { t.header.writeUInt32LE(1_000_000, 80); reseal(t.header); }, /1000000 entries of 128 bytes exceed/],
  ];
  for (const [name, spoil, err] of bad) {
    it(`refuses ${name}, naming what is wrong`, () => {
      const t = gpt([BOOT, ROOT]);
      spoil(t);
      assert.throws(() => parseGptEntries(parseGptHeader(t.header, SECTOR), t.array, DISK), err);
    });
  }

  it('refuses partitions outside the usable area or past the end of the image, and a truncated entry array', () => {
    const outside = gpt([BOOT, { ...ROOT, last: 20_000 }]);
    assert.throws(() => parseGptEntries(parseGptHeader(outside.header, SECTOR), outside.array, DISK), /GPT partition 2: LBAs 4096-20000 are outside the usable 34-10000/);
    const t = gpt([BOOT, ROOT]);
    assert.throws(() => parseGptEntries(parseGptHeader(t.header, SECTOR), t.array, 5000 * SECTOR), /GPT partition 2: ends at byte 5120000, past the end of the image \(2560000 bytes\)/);
    assert.throws(() => parseGptEntries(parseGptHeader(t.header, SECTOR), t.array.subarray(0, 1000), DISK), /the image ends inside the entry array \(1000 of 16384 bytes\)/);
    const reversed = gpt([{ ...ROOT, first: 5000, last: 4000 }]);
    assert.throws(() => parseGptEntries(parseGptHeader(reversed.header, SECTOR), reversed.array, DISK), /EndingLBA 4000 is before StartingLBA 5000/);
  });
});

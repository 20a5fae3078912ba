import assert from 'node:assert/strict';
import { refusal, usage, type Drive } from '../../server/flotctl/flash/drives.js';

const drive = (over: Partial<Drive>): Drive => ({ device: '/dev/sdb', name: 'sdb', sizeBytes: 32e9, model: 'SD Card', removable: true, inUse: [], ...over });

describe('flash drive checks', () => {
  it('maps /proc/mounts and /proc/swaps to devices', () => {
    const u = usage('/dev/sda2 / ext4 rw 0 0\n/dev/sdb1 /media/my\\040card vfat rw 0 0\nproc /proc proc rw 0 0\n', 'Filename Type Size Used Priority\n/dev/sda3 partition 1 0 -2\n');
    assert.deepEqual(u.get('sda2'), ['/']);
    assert.deepEqual(u.get('sdb1'), ['/media/my card']);
    assert.deepEqual(u.get('sda3'), ['[swap]']);
    assert.equal(u.get('proc'), undefined);
  });

  const table: [string, Drive, number, RegExp | undefined][] = [
    ['a removable card', drive({}), 1e9, undefined],
    ['the system drive', drive({ inUse: ['/', '/boot'] }), 1e9, /system drive \(\/, \/boot on it\)/],
    ['a swap drive', drive({ inUse: ['[swap]'] }), 1e9, /system drive/],
    ['a mounted card', drive({ inUse: ['/media/card'] }), 1e9, /in use \(mounted at \/media\/card\); unmount it first/],
    ['a fixed disk', drive({ removable: false }), 1e9, /not a removable drive/],
    ['a loop device', drive({ device: '/dev/loop0', name: 'loop0', removable: false }), 1e9, undefined],
    ['a card too small', drive({ sizeBytes: 1e9 }), 2e9, /holds 1000000000 bytes, the image needs 2000000000/],
  ];
  for (const [name, d, bytes, want] of table) {
    it(`${name}: ${want ? 'refused' : 'allowed'}`, () => {
      const got = refusal(d, bytes);
      if (want) assert.match(got ?? '', want);
      else assert.equal(got, undefined);
    });
  }
});

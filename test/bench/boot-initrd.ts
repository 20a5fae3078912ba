/**
 * A minimal initrd for booting a Debian arm64 root under qemu `-M virt`: busybox-static as /init's
 * shell, the virtio-pci, virtio-blk and ext4 modules from the root (Debian builds them as
 * modules), then switch_root to /dev/vda2 and systemd. Written as an uncompressed newc cpio.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** In load order (dependencies first); absent ones are skipped (built in on other kernels). */
const MODULES = [
  'drivers/virtio/virtio_pci_legacy_dev.ko',
  'drivers/virtio/virtio_pci_modern_dev.ko',
  'drivers/virtio/virtio_pci.ko',
  'drivers/block/virtio_blk.ko',
  'crypto/crc32c_generic.ko',
  'lib/libcrc32c.ko',
  'lib/crc16.ko',
  'fs/mbcache.ko',
  'fs/jbd2/jbd2.ko',
  'fs/ext4/ext4.ko',
];

const INIT = `#!/bin/busybox sh
B=/bin/busybox
$B mkdir -p /proc /sys /dev /newroot
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev
for m in $($B cat /modules); do $B insmod /lib/$m || echo "initrd: insmod $m failed"; done
i=0
while [ ! -b /dev/vda2 ] && [ $i -lt 100 ]; do $B sleep 0.2; i=$((i+1)); done
$B mount -t ext4 -o rw /dev/vda2 /newroot || { echo "initrd: cannot mount /dev/vda2"; exec $B sh; }
$B umount /proc /sys
$B mount --move /dev /newroot/dev
exec $B switch_root /newroot /sbin/init
`;

interface Entry {
  name: string;
  mode: number;
  data: Buffer;
}

function pad4(n: number): Buffer {
  return Buffer.alloc((4 - (n % 4)) % 4);
}

function cpio(entries: readonly Entry[]): Buffer {
  const parts: Buffer[] = [];
  const all = [...entries, { name: 'TRAILER!!!', mode: 0, data: Buffer.alloc(0) }];
  all.forEach((e, i) => {
    const name = Buffer.from(`${e.name}\0`);
    const fields = [i + 1, e.mode, 0, 0, 1, 0, e.data.length, 0, 0, 0, 0, name.length, 0];
    const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`, 'latin1');
    parts.push(header, name, pad4(header.length + name.length), e.data, pad4(e.data.length));
  });
  return Buffer.concat(parts);
}

export async function writeInitrd(root: string, out: string): Promise<void> {
  const kernels = await readdir(join(root, 'lib/modules'));
  const kdir = join(root, 'lib/modules', kernels[0] ?? '', 'kernel');
  const dirs = new Set<string>(['bin', 'lib']);
  const files: Entry[] = [
    { name: 'init', mode: 0o100755, data: Buffer.from(INIT) },
    { name: 'bin/busybox', mode: 0o100755, data: await readFile(join(root, 'bin/busybox')) },
  ];
  const present: string[] = [];
  for (const m of MODULES) {
    try {
      const data = await readFile(join(kdir, m));
      present.push(m);
      const parts = m.split('/');
      for (let i = 1; i < parts.length; i++) dirs.add(`lib/${parts.slice(0, i).join('/')}`);
      files.push({ name: `lib/${m}`, mode: 0o100644, data });
    } catch {
      // built in, or not on this kernel
    }
  }
  files.push({ name: 'modules', mode: 0o100644, data: Buffer.from(`${present.join('\n')}\n`) });
  const dirEntries: Entry[] = [...dirs].sort().map((d) => ({ name: d, mode: 0o40755, data: Buffer.alloc(0) }));
  await writeFile(out, cpio([...dirEntries, ...files]));
}

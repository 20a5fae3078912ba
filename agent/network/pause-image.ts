/**
 * The pod sandbox's image, built on the device (no registry, no internet on first boot): a
 * one-layer image `docker import`ed from a tar holding one static binary of the host, by
 * default Debian's busybox-static `/bin/busybox`, which the agent's package recommends. The
 * sandbox runs it as a shell that waits for SIGTERM, so it stops at once (`sleep` as PID 1 ignores
 * SIGTERM and would be killed after the grace period).
 */
import { basename } from 'node:path';

/** The reference of the locally built image; `flotilla.local` is no registry, so it is never pulled. */
export const LOCAL_PAUSE_IMAGE = 'flotilla.local/pause:1';
export const DEFAULT_PAUSE_BINARY = '/bin/busybox';

/** The pause process with busybox: waits for TERM/INT and exits 0. */
const BUSYBOX_PAUSE_SCRIPT = "trap 'exit 0' TERM INT; while :; do sleep 2147483647 & wait $!; done";

/** Where the binary lives inside the image. */
export function pauseBinaryPath(hostBinary: string): string {
  return `/bin/${basename(hostBinary)}`;
}

/** The sandbox command for the built image: the busybox pause script, or the binary itself. */
export function pauseCommand(hostBinary: string): string[] {
  const inImage = pauseBinaryPath(hostBinary);
  return basename(hostBinary) === 'busybox' ? [inImage, 'sh', '-c', BUSYBOX_PAUSE_SCRIPT] : [inImage];
}

const BLOCK = 512;

function header(name: string, mode: number, size: number, type: '0' | '5'): Buffer {
  const h = Buffer.alloc(BLOCK);
  const put = (text: string, offset: number, length: number): void => {
    h.write(text.slice(0, length), offset, 'ascii');
  };
  const octal = (n: number, offset: number, length: number): void => put(`${n.toString(8).padStart(length - 1, '0')}\0`, offset, length);
  put(name, 0, 100);
  octal(mode, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(0, 136, 12);
  put('        ', 148, 8);
  put(type, 156, 1);
  put('ustar\u000000', 257, 8);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

/** A ustar archive: `bin/` and the binary at `bin/<name>`, mode 0755, owned by root. */
export function pauseRootfs(hostBinary: string, content: Buffer): Buffer {
  const file = pauseBinaryPath(hostBinary).slice(1);
  const pad = Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK);
  return Buffer.concat([header('bin/', 0o755, 0, '5'), header(file, 0o755, content.length, '0'), content, pad, Buffer.alloc(2 * BLOCK)]);
}

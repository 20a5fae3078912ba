/**
 * Writes one image to several targets at once, then verifies each by reading it back and
 * comparing it with the image chunk by chunk; a mismatch names the target and the first
 * differing byte. Progress (bytes, speed, ETA) is reported per target.
 */
import { execFile } from 'node:child_process';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Target } from './drives.js';

const exec = promisify(execFile);
const CHUNK = 4 * 1024 * 1024;

export interface Progress {
  target: string;
  phase: 'write' | 'verify';
  bytes: number;
  total: number;
  bytesPerSecond: number;
  etaSeconds: number;
}

export interface FlashOptions {
  image: string;
  targets: readonly Target[];
  onProgress?: (p: Progress) => void;
  /** Called for each target between its write and its verification. For tests only; the CLI never sets it. */
  afterWrite?: (target: Target) => Promise<void>;
  now?: () => number;
}

export interface TargetResult {
  target: string;
  ok: boolean;
  error?: string;
}

export class VerifyError extends Error {}

async function copyTo(image: FileHandle, out: FileHandle, total: number, report: (bytes: number) => void): Promise<void> {
  const buf = Buffer.allocUnsafe(CHUNK);
  for (let pos = 0; pos < total; ) {
    const { bytesRead } = await image.read(buf, 0, Math.min(CHUNK, total - pos), pos);
    if (bytesRead === 0) throw new Error('the image ended early');
    let done = 0;
    while (done < bytesRead) done += (await out.write(buf, done, bytesRead - done, pos + done)).bytesWritten;
    pos += bytesRead;
    report(pos);
  }
}

async function compare(image: FileHandle, out: FileHandle, total: number, name: string, report: (bytes: number) => void): Promise<void> {
  const a = Buffer.allocUnsafe(CHUNK);
  const b = Buffer.allocUnsafe(CHUNK);
  for (let pos = 0; pos < total; ) {
    const len = Math.min(CHUNK, total - pos);
    const [ra, rb] = await Promise.all([image.read(a, 0, len, pos), out.read(b, 0, len, pos)]);
    if (rb.bytesRead < ra.bytesRead) throw new VerifyError(`verification failed on ${name}: it ends at byte ${pos + rb.bytesRead}, the image has ${total}`);
    if (!a.subarray(0, ra.bytesRead).equals(b.subarray(0, ra.bytesRead))) {
      let i = 0;
      while (a[i] === b[i]) i++;
      throw new VerifyError(`verification failed on ${name}: byte ${pos + i} reads back as 0x${(b[i] ?? 0).toString(16).padStart(2, '0')}, the image has 0x${(a[i] ?? 0).toString(16).padStart(2, '0')}; the card may be faulty or fake`);
    }
    pos += ra.bytesRead;
    report(pos);
  }
}

async function flashOne(o: FlashOptions, t: Target, total: number): Promise<void> {
  const now = o.now ?? Date.now;
  const meter = (phase: Progress['phase']): ((bytes: number) => void) => {
    const t0 = now();
    return (bytes) => {
      const secs = Math.max((now() - t0) / 1000, 0.001);
      const rate = bytes / secs;
      o.onProgress?.({ target: t.path, phase, bytes, total, bytesPerSecond: rate, etaSeconds: rate > 0 ? (total - bytes) / rate : 0 });
    };
  };
  const image = await open(o.image, 'r');
  try {
    const out = await open(t.path, t.kind === 'file' ? 'w' : 'r+');
    try {
      await copyTo(image, out, total, meter('write'));
      await out.sync();
    } finally {
      await out.close();
    }
    // Read the card, not the page cache: drop the device's buffers (util-linux blockdev).
    if (t.kind === 'drive') await exec('blockdev', ['--flushbufs', t.path]).catch(() => undefined);
    await o.afterWrite?.(t);
    const back = await open(t.path, 'r');
    try {
      await compare(image, back, total, t.path, meter('verify'));
    } finally {
      await back.close();
    }
  } finally {
    await image.close();
  }
}

/** Flashes every target concurrently; never throws for one target's failure, reports it. */
export async function flashImage(o: FlashOptions): Promise<TargetResult[]> {
  const total = (await stat(o.image)).size;
  return Promise.all(
    o.targets.map(async (t): Promise<TargetResult> => {
      try {
        await flashOne(o, t, total);
        return { target: t.path, ok: true };
      } catch (e: unknown) {
        return { target: t.path, ok: false, error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
}

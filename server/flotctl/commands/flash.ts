/** `flotctl flash IMAGE --device DEV…`: write a device image to cards (or files) and verify them. */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import type { CliIO } from '../io.js';
import { describeTarget, listDrives, refusal, resolveTarget, type Target } from '../flash/drives.js';
import { flashImage, type Progress } from '../flash/write.js';

interface FlashFlags {
  device: string[];
  list?: boolean;
  yes?: boolean;
  force?: boolean;
}

const MB = 1024 * 1024;

function progressLine(p: Progress): string {
  const pct = p.total > 0 ? Math.floor((p.bytes / p.total) * 100) : 100;
  return `${p.target}: ${p.phase === 'write' ? 'writing' : 'verifying'} ${pct}% ${(p.bytes / MB).toFixed(0)}/${(p.total / MB).toFixed(0)} MiB ${(p.bytesPerSecond / MB).toFixed(1)} MiB/s ETA ${Math.ceil(p.etaSeconds)}s`;
}

/** Reads one line from stdin (the confirmation). */
async function readLine(io: CliIO): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0]?.trim() ?? '';
}

export function registerFlash(program: Command, io: CliIO): void {
  program
    .command('flash')
    .description('Write a device image to SD cards, USB drives or files, several at once, and verify each by reading it back')
    .argument('[image]', 'the image (from flotctl image build)')
    .option('--device <dev>', 'a target: a whole drive (/dev/sdX, /dev/mmcblkN) or a file (repeatable)', (v: string, prev: string[]) => [...prev, v], [])
    .option('--list', 'list the drives and whether they may be written')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force', 'also write non-removable drives (never one the running system uses)')
    .action(async (imageArg: string | undefined, f: FlashFlags) => {
      const drives = await listDrives();
      if (f.list) {
        io.stdout.write(`${'DEVICE'.padEnd(16)}${'SIZE'.padEnd(10)}${'REMOVABLE'.padEnd(11)}${'WRITABLE'.padEnd(10)}MODEL\n`);
        for (const d of drives) {
          const why = refusal(d, 0);
          io.stdout.write(`${d.device.padEnd(16)}${`${(d.sizeBytes / 1e9).toFixed(1)}G`.padEnd(10)}${(d.removable ? 'yes' : 'no').padEnd(11)}${(why ? 'no' : 'yes').padEnd(10)}${d.model || '-'}${why ? `  (${why})` : ''}\n`);
        }
        return;
      }
      if (imageArg === undefined) throw new CliError('an image is required: flotctl flash IMAGE --device DEV');
      if (f.device.length === 0) throw new CliError('--device is required (flotctl flash --list shows the drives)');
      const cwd = io.cwd ?? process.cwd();
      const image = resolve(cwd, imageArg);
      if (!existsSync(image)) throw new CliError(`${imageArg}: no such file`);
      const imageBytes = (await stat(image)).size;
      const targets: Target[] = [];
      for (const dev of f.device) {
        let t: Target;
        try {
          t = await resolveTarget(resolve(cwd, dev), drives);
        } catch (e: unknown) {
          throw new CliError(`--device ${dev}: ${e instanceof Error ? e.message : String(e)}`);
        }
        if (t.path === image) throw new CliError(`--device ${dev} is the image itself`);
        if (t.kind === 'drive') {
          const why = refusal(t.drive, imageBytes);
          const systemOrBusy = t.drive.inUse.length > 0 || t.drive.sizeBytes < imageBytes;
          if (why && (systemOrBusy || !f.force)) throw new CliError(`refusing to write: ${why}${systemOrBusy ? '' : ' (--force writes it anyway)'}`);
        }
        if (targets.some((x) => x.path === t.path)) throw new CliError(`--device ${dev} is given twice`);
        targets.push(t);
      }
      if (!f.yes) {
        io.stderr.write(`This ERASES everything on:\n${targets.map((t) => `  ${describeTarget(t)}\n`).join('')}and writes ${imageArg} (${(imageBytes / MB).toFixed(0)} MiB). Type "yes" to continue: `);
        const answer = await readLine(io);
        if (answer !== 'yes') throw new CliError('not confirmed; nothing was written');
      }
      const lastPct = new Map<string, number>();
      const results = await flashImage({
        image,
        targets,
        onProgress: (p) => {
          const key = `${p.target}:${p.phase}`;
          const pct = Math.floor((p.bytes / Math.max(p.total, 1)) * 10);
          if (lastPct.get(key) === pct) return;
          lastPct.set(key, pct);
          io.stderr.write(`${progressLine(p)}\n`);
        },
      });
      for (const r of results) io.stdout.write(r.ok ? `${r.target}: written and verified\n` : `${r.target}: FAILED: ${r.error ?? 'unknown error'}\n`);
      const failed = results.filter((r) => !r.ok);
      if (failed.length > 0) throw new CliError(`${failed.length} of ${results.length} targets failed: ${failed.map((r) => r.target).join(', ')}`);
    });
}

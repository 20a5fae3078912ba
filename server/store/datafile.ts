/**
 * One nedb datafile, written the way nedb writes it (one JSON line per document state, the last
 * line of an `_id` wins, `{"$$deleted":true,"_id":…}` removes) but through one descriptor kept
 * open, so a write is one `write(2)` instead of nedb's open + write + close per append, and a
 * fleet's worth of sockets never finds the descriptor table full at a write. It is read back
 * here too (readDataFile), as nedb reads it, without nedb's per-line reviver, deep copies and
 * rewrite at load, which were most of a hub's start with a fleet in its store.
 */
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { errnoCode, isRecord } from '../../shared/util/guards.js';
import { writeFileAtomic } from '../../shared/util/atomic-file.js';
import { STORE_FILE_MODES } from './file-modes.js';

export class DataFile {
  private constructor(
    readonly path: string,
    private fh: FileHandle,
  ) {}

  static async open(path: string): Promise<DataFile> {
    return new DataFile(path, await open(path, 'a', STORE_FILE_MODES.fileMode));
  }

  /** Appends lines (each a serialized document or a deletion marker). */
  async append(lines: readonly string[]): Promise<void> {
    await this.fh.write(`${lines.join('\n')}\n`);
  }

  /** Replaces the file with `lines` crash-safely (temp file, fsync, rename) and appends there from now on. */
  async rewrite(lines: readonly string[]): Promise<void> {
    await writeFileAtomic(this.path, lines.length > 0 ? `${lines.join('\n')}\n` : '', STORE_FILE_MODES.fileMode);
    const old = this.fh;
    this.fh = await open(this.path, 'a', STORE_FILE_MODES.fileMode);
    await old.close();
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** nedb's deletion marker for `_id`. */
export function deletionLine(id: string): string {
  return JSON.stringify({ $$deleted: true, _id: id });
}

/** As nedb refuses to load a file with more than 10 % of its lines unreadable. */
const MAX_CORRUPT_SHARE = 0.1;

/**
 * The documents of a datafile, as nedb reads them: one JSON document per line, the last line of
 * an `_id` wins, a deletion marker removes it, index lines are skipped. An unterminated last
 * line (a write a crash cut short, never acknowledged) is skipped; other lines that are not
 * documents are skipped too, but more than 10 % of them and the file is refused, naming it. A
 * missing file whose `FILE~` exists (nedb crashed mid-compaction) is recovered from it.
 */
export async function readDataFile(path: string): Promise<Map<string, Record<string, unknown>>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e: unknown) {
    if (errnoCode(e) !== 'ENOENT') throw e;
    try {
      await rename(`${path}~`, path);
    } catch (e2: unknown) {
      if (errnoCode(e2) !== 'ENOENT') throw e2;
      return new Map();
    }
    text = await readFile(path, 'utf8');
  }
  const docs = new Map<string, Record<string, unknown>>();
  const all = text.split('\n');
  let lines = 0;
  let corrupt = 0;
  for (const [i, line] of all.entries()) {
    if (line === '') continue;
    lines += 1;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      // An unterminated last line is a write a crash cut short: never acknowledged, not damage.
      if (i !== all.length - 1) corrupt += 1;
      continue;
    }
    if (!isRecord(doc)) corrupt += 1;
    else if ('$$indexCreated' in doc || '$$indexRemoved' in doc) continue;
    else if (typeof doc._id !== 'string') corrupt += 1;
    else if (doc.$$deleted === true) docs.delete(doc._id);
    else docs.set(doc._id, doc);
  }
  if (lines > 0 && corrupt / lines > MAX_CORRUPT_SHARE) {
    throw new Error(`${path}: ${corrupt} of ${lines} lines are not readable documents (more than ${MAX_CORRUPT_SHARE * 100} %); refusing to start on a damaged store`);
  }
  return docs;
}

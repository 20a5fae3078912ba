/**
 * One nedb datafile, written the way nedb writes it (one JSON line per document state, the last
 * line of an `_id` wins, `{"$$deleted":true,"_id":…}` removes) but through one descriptor kept
 * open, so a write is one `write(2)` instead of nedb's open + write + close per append, and a
 * fleet's worth of sockets never finds the descriptor table full at a write. nedb still reads
 * the file at start (it drops superseded lines and the deleted).
 */
import { open, type FileHandle } from 'node:fs/promises';
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

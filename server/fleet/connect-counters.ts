/**
 * The last CONNECT counter accepted per node, durable before the connect is accepted (so a
 * captured CONNECT can never be replayed, not even after a hub crash), at the cost of one append
 * and one fsync per *batch* of connects instead of a Secret rewrite per connect.
 *
 * One append-only file (DATA/fleet/connect-counters), kept open: a line `NODE COUNTER` per
 * accepted connect; the last line of a node wins (a re-enrollment writes 0). Connects arriving
 * while a batch is being written wait for the next one (group commit). The file is rewritten
 * compactly (atomically) when it holds many more lines than nodes.
 */
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode } from '../../shared/util/guards.js';
import { writeFileAtomic } from '../../shared/util/atomic-file.js';
import { isNodeName } from '../../shared/protocol/index.js';

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class ConnectCounters {
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private writing: Promise<void> | undefined;
  private lines: number;

  private constructor(
    private readonly path: string,
    private fh: FileHandle,
    private readonly last: Map<string, number>,
    lines: number,
  ) {
    this.lines = lines;
  }

  static async open(path: string): Promise<ConnectCounters> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const last = new Map<string, number>();
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e: unknown) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
    let lines = 0;
    for (const line of text.split('\n')) {
      const [node = '', counter = ''] = line.split(' ');
      // A torn last line (a crash mid-append) was never acknowledged: skipping it is safe.
      if (!isNodeName(node) || !/^\d{1,16}$/.test(counter)) continue;
      last.set(node, Number(counter));
      lines += 1;
    }
    return new ConnectCounters(path, await open(path, 'a', 0o600), last, lines);
  }

  /** The last counter accepted from `node` (0 if none). */
  get(node: string): number {
    return this.last.get(node) ?? 0;
  }

  /**
   * Records `counter` as accepted if it is above the last one, and resolves true once that is on
   * disk; false at once for a counter already used (a replay, or a concurrent connect won).
   */
  async advance(node: string, counter: number): Promise<boolean> {
    if (counter <= this.get(node)) return false;
    this.last.set(node, counter);
    await this.append(`${node} ${counter}\n`);
    return true;
  }

  /** A new identity for `node` (re-enrollment): its counters start again from 0. */
  async reset(node: string): Promise<void> {
    if (!this.last.has(node)) return;
    this.last.set(node, 0);
    await this.append(`${node} 0\n`);
  }

  async close(): Promise<void> {
    await this.writing;
    await this.fh.close();
  }

  private append(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push(line);
      this.waiters.push({ resolve, reject });
      this.writing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.join('');
      const waiters = this.waiters;
      this.lines += this.pending.length;
      this.pending = [];
      this.waiters = [];
      try {
        await this.fh.appendFile(batch, 'utf8');
        await this.fh.sync();
        if (this.lines > 2 * this.last.size + 10_000) await this.compact();
        for (const w of waiters) w.resolve();
      } catch (e: unknown) {
        for (const w of waiters) w.reject(e);
      }
    }
    this.writing = undefined;
  }

  /** Rewrites the file as one line per node (atomically), then appends to the new file. */
  private async compact(): Promise<void> {
    const text = [...this.last].map(([node, counter]) => `${node} ${counter}\n`).join('');
    await writeFileAtomic(this.path, text, 0o600);
    await this.fh.close();
    this.fh = await open(this.path, 'a', 0o600);
    this.lines = this.last.size;
  }
}

/**
 * The CONNECT password counter (shared/protocol/connect-auth.ts): strictly increasing across
 * every connect this node ever makes. The next value is written (atomically, fsynced) BEFORE
 * the connect that uses it, so a crash can skip values but never reuse one.
 *
 * When the hub refuses a connect as not authorized, the saved counter may have fallen behind
 * the hub's (a restored SD-card image, a copied data dir): `jump()` moves it forward by 2^32
 * once, so the next try is above anything the hub can have seen from this node.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_CONNECT_COUNTER } from '../../shared/protocol/index.js';
import { errnoCode } from '../../shared/util/guards.js';
import { writeFileAtomic } from '../../shared/util/atomic-file.js';

export const COUNTER_FILE = 'connect-counter';
export const COUNTER_JUMP = 2 ** 32;

export interface CounterFileState {
  value: number;
  /** The file was present but unreadable as a counter: treated as 0 (a refusal jumps past it). */
  corrupt: boolean;
}

/** Reads the last used counter (0 when there is none). */
export async function readCounterFile(path: string): Promise<CounterFileState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { value: 0, corrupt: false };
    throw e;
  }
  const t = text.trim();
  if (!/^\d{1,16}$/.test(t) || !Number.isSafeInteger(Number(t))) return { value: 0, corrupt: true };
  return { value: Number(t), corrupt: false };
}

export class ConnectCounter {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private value: number,
    /** Whether the file was unreadable when opened. */
    readonly wasCorrupt: boolean,
  ) {}

  static async open(dataDir: string): Promise<ConnectCounter> {
    const path = join(dataDir, COUNTER_FILE);
    const state = await readCounterFile(path);
    return new ConnectCounter(path, state.value, state.corrupt);
  }

  /** The last value handed out (or loaded). */
  get current(): number {
    return this.value;
  }

  /** Persists and returns the next value. Calls are serialised. */
  next(): Promise<number> {
    return this.serial(async () => {
      const v = this.value + 1;
      if (v > MAX_CONNECT_COUNTER) throw new RangeError('connect counter exhausted');
      await this.persist(v);
      return v;
    });
  }

  /** Moves the counter forward by `by` (default 2^32) and persists it. */
  jump(by = COUNTER_JUMP): Promise<number> {
    return this.serial(async () => {
      const v = Math.min(MAX_CONNECT_COUNTER - 1, this.value + by);
      await this.persist(v);
      return v;
    });
  }

  private async persist(v: number): Promise<void> {
    await writeFileAtomic(this.path, `${v}\n`, 0o600);
    this.value = v;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

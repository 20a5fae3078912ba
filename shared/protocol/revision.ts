/**
 * Which desired document a node holds: its revision `(epoch, seq)`. `seq` grows per node within
 * an epoch (the hub's store resourceVersion when it built the document); `epoch` is the hub's
 * desired-state epoch, raised only when an operator confirms that the hub's state wins over
 * whatever the devices hold (a hub restored from an older copy of its data dir, whose seqs went
 * back). A newer epoch wins whatever its seq. Shown on the Node as `[EPOCH.]SEQ` (the epoch
 * only when it is not 0).
 */
import type { Fields } from './fields.js';

export interface DesiredRevision {
  epoch: number;
  seq: number;
}

/** Bounds of a revision on the wire (JS safe integers; epochs are Unix seconds or small counters). */
export const MAX_EPOCH = 2 ** 40;

/** Negative: a is older; 0: the same; positive: a is newer. */
export function compareRevisions(a: DesiredRevision, b: DesiredRevision): number {
  return a.epoch !== b.epoch ? a.epoch - b.epoch : a.seq - b.seq;
}

export function formatRevision(r: DesiredRevision): string {
  return r.epoch === 0 ? String(r.seq) : `${r.epoch}.${r.seq}`;
}

/** Parses `[EPOCH.]SEQ`; undefined when it is not one. */
export function parseRevision(s: string | undefined): DesiredRevision | undefined {
  const m = /^(?:(\d{1,13})\.)?(\d{1,16})$/.exec(s ?? '');
  if (!m) return undefined;
  const epoch = Number(m[1] ?? '0');
  const seq = Number(m[2]);
  return Number.isSafeInteger(seq) && epoch <= MAX_EPOCH ? { epoch, seq } : undefined;
}

/** Reads `{ epoch, seq }` at `k`, both non-negative integers. */
export function readRevision(f: Fields, k: string): DesiredRevision {
  const r = f.record(k);
  return { epoch: r.int('epoch', 0, MAX_EPOCH), seq: r.int('seq', 0, Number.MAX_SAFE_INTEGER) };
}

/** How a node stands against the latest document the hub issued for it. */
export type SyncState = 'Current' | 'Behind' | 'Ahead' | 'Unknown';

export function syncState(latest: DesiredRevision | undefined, applied: DesiredRevision | undefined): SyncState {
  if (!latest || !applied) return 'Unknown';
  const c = compareRevisions(applied, latest);
  return c === 0 ? 'Current' : c < 0 ? 'Behind' : 'Ahead';
}

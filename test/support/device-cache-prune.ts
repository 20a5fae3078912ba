/**
 * Pruning the device-test cache ($FLOTILLA_TEST_STATE/device). Entries are named
 * `<slot>-<key>…` where the key hashes the inputs (device-artifacts.ts); when a slot's current
 * key is known, other keys of that slot are stale. Entries unused for `graceMs` only are removed
 * (their mtime is their last use), so a run from another checkout that needs another key is not
 * pulled from under; leftovers of killed runs (work directories, *.tmp-PID) go after the same grace.
 */
import { readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';

/** The slots: one current entry each. */
export const CACHE_SLOTS = ['rootfs-arm64', 'rootfs-armhf', 'boot-rootfs-arm64', 'debs-arm64', 'debs-armhf', 'debs-amd64', 'pi-base-dos', 'pi-base-gpt'] as const;
export type CacheSlot = (typeof CACHE_SLOTS)[number];
export const PRUNE_GRACE_MS = 60 * 60 * 1000;

export interface CacheEntry {
  name: string;
  mtimeMs: number;
}

/** The slot of a finished entry; undefined for leftovers (`….tmp-PID`, work directories) and old names. */
function slotOf(name: string): CacheSlot | undefined {
  if (name.includes('.tmp-')) return undefined;
  return CACHE_SLOTS.find((s) => new RegExp(`^${s}-[0-9a-f]{16}(\\.|$)`).test(name));
}

/** Names to delete: other keys of `slot`, and names of no slot, unused for `graceMs`. Pure. */
export function staleEntries(entries: readonly CacheEntry[], slot: CacheSlot, currentKey: string, now: number, graceMs = PRUNE_GRACE_MS): string[] {
  return entries
    .filter((e) => now - e.mtimeMs > graceMs)
    .filter((e) => {
      const s = slotOf(e.name);
      if (s === undefined) return true;
      return s === slot && !e.name.startsWith(`${slot}-${currentKey}`);
    })
    .map((e) => e.name);
}

/** Marks `path` used now and removes what is stale next to it. */
export async function useAndPrune(dir: string, slot: CacheSlot, currentKey: string, path: string): Promise<string[]> {
  const now = new Date();
  await utimes(path, now, now);
  const entries: CacheEntry[] = [];
  for (const name of await readdir(dir)) {
    try {
      entries.push({ name, mtimeMs: (await stat(join(dir, name))).mtimeMs });
    } catch {
      // removed by a concurrent run meanwhile
    }
  }
  const stale = staleEntries(entries, slot, currentKey, now.getTime());
  for (const name of stale) await rm(join(dir, name), { recursive: true, force: true });
  return stale;
}

/** How many device connections the broker may hold: the open-file limit minus what the hub itself needs. */
import { readFileSync } from 'node:fs';

/** Descriptors kept for the store, the API's clients, logs and the like. */
export const FD_RESERVE = 1024;

/** The soft "Max open files" of this process (Linux /proc), or undefined where it cannot be read. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const soft = /^Max open files\s+(\d+)/m.exec(text)?.[1];
  return soft === undefined ? undefined : Number(soft);
}

/** The broker's connection cap for an open-file limit: at least 64, FD_RESERVE below the limit. */
export function connectionCap(limit: number | undefined): number | undefined {
  return limit === undefined ? undefined : Math.max(64, limit - FD_RESERVE);
}

/**
 * The kubelet's backoffs, as pure functions of remembered entries and time:
 *
 *   crash loop: a container that keeps exiting is restarted after 10 s, 20 s, 40 s, … 5 min
 *     (measured from when it exited); the delay starts over once the container ran for
 *     10 min (2 × the cap) without needing a restart;
 *   image pulls: 10 s doubling to 5 min after each failure.
 *
 * No jitter here: these delays are part of the pod semantics users read in events. Failures of
 * the agent's own operations (Docker errors) back off with jitter (STEP_BACKOFF).
 */
import type { BackoffPolicy } from '../../shared/reconcile/backoff.js';
import type { CrashBackoff } from './memory.js';

export const CRASH_BACKOFF_INITIAL_MS = 10_000;
export const CRASH_BACKOFF_MAX_MS = 300_000;
/** An entry not bumped for this long is forgotten (the kubelet's 2 × max). */
export const CRASH_BACKOFF_RESET_MS = 2 * CRASH_BACKOFF_MAX_MS;

export const IMAGE_BACKOFF_INITIAL_MS = 10_000;
export const IMAGE_BACKOFF_MAX_MS = 300_000;

/** How long a failed pull shows as ErrImagePull before it shows as ImagePullBackOff. */
export const ERR_IMAGE_PULL_HOLD_MS = 3_000;

/** Docker/filesystem failures of the agent's own steps: 2 s doubling to 5 min, ±25 % jitter. */
export const STEP_BACKOFF: BackoffPolicy = { initialMs: 2_000, maxMs: 300_000, factor: 2, jitter: 0.5 };

function expired(entry: CrashBackoff, now: number): boolean {
  return now - entry.lastUpdate > CRASH_BACKOFF_RESET_MS;
}

/** When a container that exited at `finishedAt` may restart, or undefined if it may now. */
export function crashBackoffUntil(entry: CrashBackoff | undefined, finishedAt: number, now: number): number | undefined {
  if (!entry || expired(entry, now)) return undefined;
  const until = finishedAt + entry.delayMs;
  return now < until ? until : undefined;
}

/** The delay a restart at `now` records (kubelet's backOff.Next). */
export function nextCrashDelay(entry: CrashBackoff | undefined, now: number): number {
  if (!entry || expired(entry, now)) return CRASH_BACKOFF_INITIAL_MS;
  return Math.min(CRASH_BACKOFF_MAX_MS, entry.delayMs * 2);
}

/** The wait after the n-th consecutive pull failure (n ≥ 1). */
export function imagePullDelay(failures: number): number {
  return Math.min(IMAGE_BACKOFF_MAX_MS, IMAGE_BACKOFF_INITIAL_MS * 2 ** Math.max(0, failures - 1));
}

/** Go's time.Duration format for whole seconds, as the kubelet's messages show them (`1m20s`). */
export function goDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

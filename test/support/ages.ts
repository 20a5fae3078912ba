/** A fixed "now" for tests of ages as kubectl prints them, and timestamps some time before it. */
export const NOW = new Date('2024-05-01T12:00:00Z');

export const S = 1000;
export const M = 60 * S;
export const H = 60 * M;
export const D = 24 * H;

/** The RFC 3339 time `ms` before NOW. */
export function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString();
}

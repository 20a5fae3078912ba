/** Go/Kubernetes-style durations: `500ms`, `10s`, `1m30s`, `2h`, `7d`. */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds, or throws an Error naming `field`. */
export function parseDuration(field: string, text: string): number {
  const s = text.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (UNITS[m[2] ?? ''] ?? 0);
    consumed = re.lastIndex;
  }
  if (s === '' || consumed !== s.length) {
    throw new Error(`${field}: expected a duration such as 500ms, 10s, 1m30s, 2h or 7d, got "${text}"`);
  }
  return Math.round(total);
}

/** Milliseconds as parseDuration reads them, in the largest whole units: `10m`, `1m30s`, `500ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of Object.entries(UNITS).sort((a, b) => b[1] - a[1])) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/** One node's recent heartbeat arrivals (the hub's in-memory ring) as ticks on a time line. */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { formatAge } from '../model.js';

const REFRESH_MS = 2000;

export function HeartbeatTimeline({ node }: { node: string }) {
  const [data, setData] = useState<{ offset: number; arrivals: number[] } | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let stopped = false;
    const load = async (): Promise<void> => {
      try {
        const r = await getJson<{ now: number; arrivals: number[] }>(`/ui/api/heartbeats/${encodeURIComponent(node)}`);
        if (!stopped) setData({ offset: Date.now() - r.now, arrivals: r.arrivals });
        setError(undefined);
      } catch (e: unknown) {
        setError(e instanceof Error ? e.message : String(e));
      }
    };
    void load();
    const t = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(t);
    };
  }, [node]);
  if (error) return <p class="error">{error}</p>;
  if (!data) return <p role="status">Loading heartbeats…</p>;
  if (data.arrivals.length === 0) return <p>The hub has not heard from this node since it started.</p>;
  const end = Date.now() - data.offset;
  const start = Math.min(data.arrivals[0] ?? end, end - 60_000);
  const span = Math.max(1, end - start);
  const gaps = data.arrivals.slice(1).map((t, i) => t - (data.arrivals[i] ?? t));
  const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
  return (
    <figure class="timeline">
      <svg viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label={`${data.arrivals.length} heartbeats over the last ${formatAge(span)}`}>
        <line x1="0" y1="9" x2="100" y2="9" class="axis" />
        {data.arrivals.map((t) => {
          const x = ((t - start) / span) * 100;
          return <line key={t} x1={x} x2={x} y1="1" y2="9" class="tick" />;
        })}
      </svg>
      <figcaption>
        {data.arrivals.length} heartbeats over the last {formatAge(span)}
        {median !== undefined ? `, typically every ${(median / 1000).toFixed(1)} s` : ''}; last {formatAge(end - (data.arrivals.at(-1) ?? end))} ago.
      </figcaption>
    </figure>
  );
}

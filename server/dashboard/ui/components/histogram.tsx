/** A small bar chart as SVG (no chart library: a dozen bars need none, and SVG needs no inline style). */
export interface Bar {
  label: string;
  value: number;
  tone?: 'ok' | 'warn' | 'bad';
}

export function Histogram({ bars, title }: { bars: Bar[]; title: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const w = 100 / bars.length;
  return (
    <figure class="histogram">
      <figcaption>{title}</figcaption>
      <svg viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label={`${title}: ${bars.map((b) => `${b.label} ${b.value}`).join(', ')}`}>
        {bars.map((b, i) => {
          const h = b.value === 0 ? 0 : Math.max(1, (b.value / max) * 38);
          return <rect key={b.label} class={`bar ${b.tone ?? 'ok'}`} x={i * w + 1} y={40 - h} width={w - 2} height={h} />;
        })}
      </svg>
      <ol class="histogram-labels">
        {bars.map((b) => (
          <li key={b.label}>
            <span class="value">{b.value}</span>
            <span class="label">{b.label}</span>
          </li>
        ))}
      </ol>
    </figure>
  );
}

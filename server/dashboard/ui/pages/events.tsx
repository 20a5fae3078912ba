/** Events: the live stream, filterable by node, kind and type, Warning first. */
import { useState } from 'preact/hooks';
import { EventsTable, warningFirst } from '../components/events-table.js';
import { useLive } from '../live.js';
import type { Live } from '../state.js';

const MAX_SHOWN = 500;

export function EventsPage({ live }: { live: Live }) {
  useLive(live.events);
  void live.events.version.value;
  const [node, setNode] = useState('');
  const [kind, setKind] = useState('');
  const [type, setType] = useState('');
  const all = [...live.events.items.values()];
  const kinds = [...new Set(all.map((e) => e.involvedObject?.kind ?? '').filter(Boolean))].sort();
  const needle = node.trim();
  const shown = all
    .filter((e) => (!needle || (e.involvedObject?.kind === 'Node' ? e.involvedObject.name ?? '' : e.source?.host ?? '').includes(needle) || (e.involvedObject?.name ?? '').includes(needle)) && (!kind || e.involvedObject?.kind === kind) && (!type || (e.type ?? 'Normal') === type))
    .sort(warningFirst);
  return (
    <section class="page events" aria-labelledby="events-title">
      <h1 id="events-title">Events</h1>
      <div class="filters">
        <label>
          Node
          <input type="search" value={node} placeholder="node name" onInput={(e) => setNode((e.currentTarget).value)} />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind((e.currentTarget).value)}>
            <option value="">All kinds</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setType((e.currentTarget).value)}>
            <option value="">All types</option>
            <option value="Warning">Warning</option>
            <option value="Normal">Normal</option>
          </select>
        </label>
        <span class="shown" role="status">
          {shown.length > MAX_SHOWN ? `newest ${MAX_SHOWN} of ${shown.length}` : `${shown.length} of ${all.length}`} events
        </span>
      </div>
      <EventsTable events={shown.slice(0, MAX_SHOWN)} label="Events" />
    </section>
  );
}

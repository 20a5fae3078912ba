/** Events as a table, Warning first then newest first. */
import { now } from '../live.js';
import { ageSince } from '../model.js';
import type { KEvent } from '../types.js';

export function eventTime(e: KEvent): string | undefined {
  return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
}

export function warningFirst(a: KEvent, b: KEvent): number {
  const w = (e: KEvent): number => (e.type === 'Warning' ? 0 : 1);
  return w(a) - w(b) || (eventTime(b) ?? '').localeCompare(eventTime(a) ?? '');
}

export function EventsTable({ events, label }: { events: KEvent[]; label: string }) {
  const t = now.value;
  if (events.length === 0) return <p>No events.</p>;
  return (
    <div class="table-scroll">
      <table class="events" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Reason</th>
            <th scope="col">Object</th>
            <th scope="col">Message</th>
            <th scope="col">Count</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.metadata.uid ?? `${e.metadata.namespace}/${e.metadata.name}`} class={e.type === 'Warning' ? 'warning' : ''}>
              <td>{e.type ?? 'Normal'}</td>
              <td>{e.reason ?? ''}</td>
              <td>{`${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`}</td>
              <td class="message">{e.message ?? ''}</td>
              <td>{e.count ?? 1}</td>
              <td>{ageSince(eventTime(e), t)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

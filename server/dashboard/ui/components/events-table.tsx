/** Events as a table, Warning first then newest first. */
import { now } from '../live.js';
import { Table } from './table.js';
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
    <Table
      label={label}
      class="events"
      headers={['Type', 'Reason', 'Object', 'Message', 'Count', 'Last seen']}
      rows={events.map((e) => ({
        key: e.metadata.uid ?? `${e.metadata.namespace}/${e.metadata.name}`,
        class: e.type === 'Warning' ? 'warning' : '',
        cells: [e.type ?? 'Normal', e.reason ?? '', `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`, <span class="message">{e.message ?? ''}</span>, e.count ?? 1, ageSince(eventTime(e), t)],
      }))}
    />
  );
}

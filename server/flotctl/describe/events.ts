/** The `Events:` section of describe: the object's events, oldest first. */
import type { KindInfo } from '../../../shared/api/kinds.js';
import { kindByName } from '../../../shared/api/kinds.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { formatAge } from '../../../shared/api/print-format.js';
import type { ApiClient } from '../client.js';
import { listObjects } from '../objects.js';
import { fromStore, type Event } from '../../../shared/api/types/index.js';
import type { DescribeWriter } from './writer.js';

/**
 * Events about `obj` (fieldSelector involvedObject.name / involvedObject.namespace);
 * any failure yields no events, as describe must still print the object.
 */
export async function fetchEvents(client: ApiClient, info: KindInfo, obj: KubeObject): Promise<Event[]> {
  const events = kindByName('Event');
  if (!events) return [];
  const name = obj.metadata.name ?? '';
  const namespace = info.namespaced ? obj.metadata.namespace : undefined;
  const fieldSelector = namespace
    ? `involvedObject.name=${name},involvedObject.namespace=${namespace}`
    : `involvedObject.name=${name}`;
  try {
    const list = await listObjects(client, events, namespace, { fieldSelector });
    return list.items
      .map((e) => fromStore('Event', e))
      .filter(({ involvedObject: involved }) => {
        if (involved.kind && involved.kind !== info.kind) return false;
        return !involved.uid || !obj.metadata.uid || involved.uid === obj.metadata.uid;
      });
  } catch {
    return [];
  }
}

function eventTime(e: Event): number {
  const t = e.series?.lastObservedTime || e.lastTimestamp || e.eventTime || e.firstTimestamp || '';
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : ms;
}

export function describeEvents(w: DescribeWriter, events: readonly Event[], now: Date): void {
  if (events.length === 0) {
    w.line(0, 'Events:\t<none>');
    return;
  }
  w.flush();
  const sorted = [...events].sort((a, b) => eventTime(a) - eventTime(b));
  w.line(0, 'Events:');
  w.line(1, 'Type\tReason\tAge\tFrom\tMessage');
  w.line(1, '----\t------\t----\t----\t-------');
  for (const e of sorted) {
    const first = e.eventTime ? formatAge(e.eventTime, now) : formatAge(e.firstTimestamp, now);
    const { series } = e;
    let interval = first;
    if (series) interval = `${formatAge(series.lastObservedTime, now)} (x${series.count ?? 0} over ${first})`;
    else if ((e.count ?? 0) > 1) interval = `${formatAge(e.lastTimestamp, now)} (x${e.count ?? 0} over ${first})`;
    const from = e.source?.component || e.reportingComponent || '';
    w.line(1, `${e.type ?? ''}\t${e.reason ?? ''}\t${interval}\t${from}\t${(e.message ?? '').trim()}`);
  }
}

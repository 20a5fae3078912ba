/** The `Events:` section of describe: the object's events, oldest first. */
import type { KindInfo } from '../../../shared/api/kinds.js';
import { kindByName } from '../../../shared/api/kinds.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { formatAge } from '../../../shared/api/print-format.js';
import type { ApiClient } from '../client.js';
import { listObjects } from '../objects.js';
import { num, rec, str, type DescribeWriter } from './writer.js';

/**
 * Events about `obj` (fieldSelector involvedObject.name / involvedObject.namespace);
 * any failure yields no events, as describe must still print the object.
 */
export async function fetchEvents(client: ApiClient, info: KindInfo, obj: KubeObject): Promise<KubeObject[]> {
  const events = kindByName('Event');
  if (!events) return [];
  const name = obj.metadata.name ?? '';
  const namespace = info.namespaced ? obj.metadata.namespace : undefined;
  const fieldSelector = namespace
    ? `involvedObject.name=${name},involvedObject.namespace=${namespace}`
    : `involvedObject.name=${name}`;
  try {
    const list = await listObjects(client, events, namespace, { fieldSelector });
    return list.items.filter((e) => {
      const involved = rec(e.involvedObject);
      if (str(involved.kind) && str(involved.kind) !== info.kind) return false;
      const uid = str(involved.uid);
      return !uid || !obj.metadata.uid || uid === obj.metadata.uid;
    });
  } catch {
    return [];
  }
}

function eventTime(e: KubeObject): number {
  const series = rec(e.series);
  const t = str(series.lastObservedTime) || str(e.lastTimestamp) || str(e.eventTime) || str(e.firstTimestamp);
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : ms;
}

export function describeEvents(w: DescribeWriter, events: KubeObject[], now: Date): void {
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
    const first = str(e.eventTime) ? formatAge(e.eventTime, now) : formatAge(e.firstTimestamp, now);
    const series = e.series === undefined ? undefined : rec(e.series);
    let interval = first;
    if (series) interval = `${formatAge(series.lastObservedTime, now)} (x${num(series.count)} over ${first})`;
    else if (num(e.count) > 1) interval = `${formatAge(e.lastTimestamp, now)} (x${num(e.count)} over ${first})`;
    const from = str(rec(e.source).component) || str(e.reportingController);
    w.line(1, `${str(e.type)}\t${str(e.reason)}\t${interval}\t${from}\t${str(e.message).trim()}`);
  }
}

/** core/v1 Event: about an `involvedObject` in the event's own namespace. */
import { isRecord } from '../../util/guards.js';
import type { FieldReader } from './reader.js';
import { invalid, required } from './field-errors.js';

const REFERENCE_FIELDS = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

export function validateEvent(obj: FieldReader): void {
  const errs = obj.errs;
  const involved = obj.record('involvedObject');
  if (!involved && !obj.has('involvedObject')) errs.push(required(obj.at('involvedObject')));
  const ref: Record<string, string | undefined> = {};
  for (const f of REFERENCE_FIELDS) ref[f] = involved?.string(f);

  for (const f of ['reason', 'message', 'type', 'firstTimestamp', 'lastTimestamp', 'eventTime', 'action', 'reportingComponent', 'reportingInstance']) {
    obj.string(f);
  }
  obj.nonNegativeInt('count');
  const source = obj.record('source');
  source?.string('component');
  source?.string('host');
  const series = obj.record('series');
  series?.nonNegativeInt('count');
  series?.string('lastObservedTime');
  obj.record('related');

  // Events in the legacy shape (no eventTime) live in their object's namespace;
  // events about cluster-scoped objects go to "default".
  if (involved && !obj.has('eventTime')) {
    const meta = obj.raw('metadata');
    const eventNs = isRecord(meta) && typeof meta['namespace'] === 'string' ? meta['namespace'] : '';
    const objectNs = ref['namespace'] ?? '';
    const ok = objectNs === '' ? eventNs === '' || eventNs === 'default' : eventNs === objectNs;
    if (!ok) errs.push(invalid(involved.at('namespace'), objectNs, 'does not match event.namespace'));
  }
}

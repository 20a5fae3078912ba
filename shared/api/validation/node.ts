/** Node: taints and schedulability in spec; capacity and addresses in status. `podCIDR` is ignored. */
import type { FieldReader } from './reader.js';
import { NON_NEGATIVE, invalid, invalidEach, key } from './field-errors.js';
import { isQualifiedName } from './names.js';
import { validateTaints } from './tolerations.js';
import { parseQuantity } from '../quantity.js';

function validateResourceList(status: FieldReader, name: string): void {
  const list = status.record(name);
  if (!list) return;
  for (const [res, raw] of Object.entries(list.obj)) {
    const path = key(list.path, res);
    status.errs.push(...invalidEach(path, res, isQualifiedName(res)));
    const q = parseQuantity(raw, path);
    if (typeof q !== 'number') status.errs.push(q);
    else if (q < 0) status.errs.push(invalid(path, raw, NON_NEGATIVE));
  }
}

export function validateNode(obj: FieldReader): void {
  const spec = obj.record('spec');
  if (spec) {
    validateTaints(spec);
    spec.bool('unschedulable');
    spec.string('providerID');
  }
  const status = obj.record('status');
  if (status) {
    validateResourceList(status, 'capacity');
    validateResourceList(status, 'allocatable');
    status.string('phase');
    for (const { item } of status.records('addresses') ?? []) {
      item.requiredString('type');
      item.requiredString('address');
    }
    for (const { item } of status.records('conditions') ?? []) {
      item.requiredString('type');
      item.requiredString('status');
      for (const f of ['reason', 'message', 'lastHeartbeatTime', 'lastTransitionTime']) item.string(f);
    }
    status.stringMap('nodeInfo');
    status.records('images');
    status.record('daemonEndpoints');
  }
}

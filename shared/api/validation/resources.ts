/** Container `resources`: limits and requests as quantities; a request may not exceed its limit. */
import type { FieldReader } from './reader.js';
import { NON_NEGATIVE, invalid, invalidEach, key } from './field-errors.js';
import { isQualifiedName } from './names.js';
import { parseQuantity } from '../quantity.js';

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource `example.com/thing`. */
function resourceNameErrors(name: string): string[] {
  if (STANDARD_CONTAINER_RESOURCES.has(name)) return [];
  if (name.startsWith('hugepages-') && typeof parseQuantity(name.slice('hugepages-'.length)) === 'number') return [];
  if (name.includes('/') && !name.includes('kubernetes.io/')) return isQualifiedName(name);
  return ['must be a standard resource for containers'];
}

function readQuantities(r: FieldReader, name: string): Map<string, { value: number; text: unknown }> {
  const out = new Map<string, { value: number; text: unknown }>();
  const list = r.record(name);
  if (!list) return out;
  for (const [res, raw] of Object.entries(list.obj)) {
    const path = key(list.path, res);
    r.errs.push(...invalidEach(path, res, resourceNameErrors(res)));
    const q = parseQuantity(raw, path);
    if (typeof q !== 'number') r.errs.push(q);
    else if (q < 0) r.errs.push(invalid(path, raw, NON_NEGATIVE));
    else out.set(res, { value: q, text: raw });
  }
  return out;
}

export function validateResources(resources: FieldReader): void {
  const limits = readQuantities(resources, 'limits');
  const requests = readQuantities(resources, 'requests');
  for (const [res, req] of requests) {
    const lim = limits.get(res);
    if (lim && req.value > lim.value) {
      resources.errs.push(
        invalid(key(resources.at('requests'), res), req.text, `must be less than or equal to ${res} limit of ${String(lim.text)}`),
      );
    }
  }
  resources.array('claims');
}

/** Namespace: `spec.finalizers` are standard (`kubernetes`) or fully qualified names. */
import type { FieldReader } from './reader.js';
import { index, invalid, invalidEach } from './field-errors.js';
import { isQualifiedName } from './names.js';

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateNamespace(obj: FieldReader): void {
  const spec = obj.record('spec');
  const finalizers = spec?.stringArray('finalizers');
  finalizers?.forEach((f, i) => {
    const path = index(spec?.at('finalizers') ?? 'spec.finalizers', i);
    const msgs = isQualifiedName(f);
    if (msgs.length > 0) obj.errs.push(...invalidEach(path, f, msgs));
    else if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      obj.errs.push(invalid(path, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  obj.record('status')?.string('phase');
}

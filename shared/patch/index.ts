/** PATCH and server-side apply: pure functions over JSON values. */

export { jsonMergePatch } from './merge-patch.js';
export { applyJsonPatch } from './json-patch.js';
export { strategicMergePatch } from './strategic-merge-patch.js';
export {
  listStrategy,
  listMapKeys,
  isAtomicMap,
  type ListStrategy,
  type KeyedListStrategy,
  type ListMapKey,
} from './strategy.js';
export { serverSideApply, fieldSetOf, BEFORE_FIRST_APPLY, type ServerSideApplyOptions } from './apply.js';
export { recordUpdate, type UpdateOptions } from './managed-fields.js';

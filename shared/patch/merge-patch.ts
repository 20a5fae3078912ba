/** JSON Merge Patch (RFC 7386), the `application/merge-patch+json` PATCH body. */

import { isRecord, type JsonObject } from '../util/guards.js';
import { cloneJson, deleteKey, getKey, setKey } from './json.js';

/**
 * Applies `patch` to `target`: an object patch merges member by member (null removes a
 * member), anything else replaces the target whole. Neither input is mutated and the
 * result shares no objects with them.
 */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  return mergeInto(cloneJson(target), patch);
}

/** `target` is already a private copy, so it is modified in place. */
function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return cloneJson(patch);
  const out: JsonObject = isRecord(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) deleteKey(out, key);
    else setKey(out, key, mergeInto(getKey(out, key), value));
  }
  return out;
}

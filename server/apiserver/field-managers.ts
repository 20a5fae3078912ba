/**
 * managedFields for ordinary writes (create, update, non-apply patch), as Kubernetes' field
 * manager records them: who wrote which fields, so server-side apply can take over from
 * client-side apply, kubectl edit and friends. The hub's own writes (agents' status, controllers)
 * carry no manager and are not tracked.
 */
import type { IncomingMessage } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { ApiError } from '../../shared/api/errors.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { recordUpdate } from '../../shared/patch/index.js';
import { isRecord } from '../../shared/util/guards.js';

const MAX_MANAGER_LENGTH = 128;

/** The request's fieldManager, or the User-Agent's program name as Kubernetes defaults it (`kubectl`). */
export function requestManager(req: IncomingMessage, params: URLSearchParams): string {
  const given = params.get('fieldManager');
  if (given !== null) {
    // eslint-disable-next-line no-control-regex
    if (given.length > MAX_MANAGER_LENGTH || /[\u0000-\u001f\u007f]/.test(given)) {
      throw ApiError.badRequest(`fieldManager must be at most ${MAX_MANAGER_LENGTH} printable characters`, 'fieldManager');
    }
    if (given !== '') return given;
  }
  const agent = (req.headers['user-agent'] ?? '').split('/')[0]?.trim() ?? '';
  return agent.slice(0, MAX_MANAGER_LENGTH) || 'unknown';
}

/**
 * The managedFields `next` gets when `manager` writes it over `current` (undefined: a create).
 * A write that sets managedFields itself (kubectl's upgrade from client-side to server-side
 * apply replaces them with a JSON patch) keeps what it set, as Kubernetes does.
 */
export function trackUpdate(current: KubeObject | undefined, next: KubeObject, manager: string, now: string, subresource?: string): KubeObject {
  const given: unknown = next.metadata.managedFields;
  if (current && given !== undefined && !isDeepStrictEqual(given, current.metadata.managedFields)) {
    checkManagedFields(given);
    return next;
  }
  return recordUpdate(current, next, { manager, now, kind: next.kind, ...(subresource ? { subresource } : {}) });
}

function checkManagedFields(value: unknown): void {
  if (!Array.isArray(value)) throw ApiError.badRequest('metadata.managedFields must be a list', 'metadata.managedFields');
  value.forEach((e: unknown, i) => {
    const field = `metadata.managedFields[${i}]`;
    if (!isRecord(e) || typeof e['manager'] !== 'string') throw ApiError.badRequest('each entry needs a manager', `${field}.manager`);
    if (e['operation'] !== 'Apply' && e['operation'] !== 'Update') {
      throw ApiError.badRequest('operation must be Apply or Update', `${field}.operation`);
    }
    if (e['fieldsType'] !== 'FieldsV1' || !isRecord(e['fieldsV1'])) {
      throw ApiError.badRequest('fieldsType must be FieldsV1 with a fieldsV1 map', `${field}.fieldsType`);
    }
  });
}

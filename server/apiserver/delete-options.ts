/** DeleteOptions from a DELETE request (query and body) or an Eviction's `deleteOptions`. */
import { isRecord } from '../../shared/util/guards.js';
import { gracePeriodOption } from './admission/index.js';
import { propagationOption } from './admission/propagation.js';
import type { DeleteOptions } from './resource-service.js';

function preconditions(body: unknown): DeleteOptions {
  const out: DeleteOptions = {};
  if (!isRecord(body)) return out;
  const pre = body['preconditions'];
  if (isRecord(pre)) {
    if (typeof pre['uid'] === 'string') out.preconditionUid = pre['uid'];
    if (typeof pre['resourceVersion'] === 'string') out.preconditionRv = pre['resourceVersion'];
  }
  return out;
}

/** `body`: the decoded DeleteOptions, if any; its fields win over the query's. */
export function parseDeleteOptions(params: URLSearchParams, body: unknown): DeleteOptions {
  return { ...preconditions(body), ...gracePeriodOption(params, body), ...propagationOption(params, body) };
}

/** Whether the options ask for a dry run (`dryRun: ["All"]` in the body or the query). */
export function isDryRun(params: URLSearchParams, body: unknown): boolean {
  const fromBody = isRecord(body) && Array.isArray(body['dryRun']) ? body['dryRun'] : [];
  return params.getAll('dryRun').includes('All') || fromBody.includes('All');
}

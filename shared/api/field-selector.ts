/**
 * Field selectors with Kubernetes semantics (k8s.io/apimachinery/pkg/fields): `?fieldSelector=`
 * for the fields each served kind can be selected by. Parse errors throw ApiError.badRequest
 * naming `fieldSelector`.
 */
import { ApiError } from './errors.js';
import type { KubeObject } from './meta.js';
import { isRecord } from '../util/guards.js';

/** A parse failure; parseFieldSelector turns it into a 400 naming `fieldSelector`. */
class SelectorError extends Error {}

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

const COMMON_FIELDS = ['metadata.name', 'metadata.namespace'];

/** Fields Kubernetes lets each served kind be selected by. */
const SELECTABLE_FIELDS: Record<string, readonly string[]> = {
  Pod: [
    'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork',
    'status.phase', 'status.podIP', 'status.nominatedNodeName',
  ],
  Node: ['spec.unschedulable'],
  Event: [
    'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
    'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath',
    'reason', 'reportingComponent', 'source', 'type',
  ],
  Secret: ['type'],
  Namespace: ['status.phase'],
};

export function selectableFields(kind: string): readonly string[] {
  return [...COMMON_FIELDS, ...(SELECTABLE_FIELDS[kind] ?? [])];
}

/** Booleans Kubernetes selects on as Go values: absent reads as 'false', not ''. */
const FALSE_WHEN_ABSENT = new Set(['Pod spec.hostNetwork', 'Node spec.unschedulable']);

/** Splits on commas not escaped with a backslash. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** Undoes `\\`, `\,` and `\=`; other escapes, and bare `,` or `=`, are errors. */
function unescapeValue(v: string): string {
  let out = '';
  let escaped = false;
  for (const c of v) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new SelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      escaped = false;
    } else if (c === '\\') escaped = true;
    else if (c === ',' || c === '=') throw new SelectorError(`invalid field selector: unescaped character in value: '${c}'`);
    else out += c;
  }
  if (escaped) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Parses `?fieldSelector=` for `kind`: `f=v`, `f==v`, `f!=v`, comma-joined. */
export function parseFieldSelector(text: string, kind: string): FieldRequirement[] {
  const allowed = selectableFields(kind);
  const reqs: FieldRequirement[] = [];
  try {
    for (const term of splitTerms(text)) {
      if (term === '') continue;
      const m = /^(.*?)(!=|==|=)(.*)$/s.exec(term);
      if (!m) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
      const [, field = '', op = '', rawValue = ''] = m;
      if (!allowed.includes(field)) throw new SelectorError(`field label not supported: ${field}`);
      reqs.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeValue(rawValue) });
    }
  } catch (e: unknown) {
    if (e instanceof SelectorError) throw ApiError.badRequest(e.message, 'fieldSelector');
    throw e;
  }
  return reqs;
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  return '';
}

/** The value of a selectable field of `obj`, as Kubernetes' *ToSelectableFields renders it. */
export function fieldValue(obj: KubeObject, field: string): string {
  if (obj.kind === 'Event' && field === 'source') {
    const source = isRecord(obj['source']) ? scalar(obj['source']['component']) : '';
    return source || scalar(obj['reportingComponent']);
  }
  let cur: unknown = obj;
  for (const part of field.split('.')) cur = isRecord(cur) ? cur[part] : undefined;
  if (cur === undefined && FALSE_WHEN_ABSENT.has(`${obj.kind} ${field}`)) return 'false';
  return scalar(cur);
}

export function matchesFields(reqs: readonly FieldRequirement[], obj: KubeObject): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === (r.operator === '='));
}

const INDEXED_FIELDS = new Set(['metadata.name', 'metadata.namespace', 'spec.nodeName']);

/** The first equality on a field the store indexes, so a list can start from the index. */
export function fieldSelectorIndexHint(reqs: readonly FieldRequirement[]): { field: string; value: string } | undefined {
  const r = reqs.find((q) => q.operator === '=' && INDEXED_FIELDS.has(q.field));
  return r ? { field: r.field, value: r.value } : undefined;
}

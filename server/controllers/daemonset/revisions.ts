/**
 * ControllerRevisions of a DaemonSet (pkg/controller/daemon/update.go `constructHistory`,
 * `snapshot`, `dedupCurHistories`, `cleanupHistory`):
 * - the current revision is the one whose data holds the current template; when none does a
 *   new one is created, named `<ds>-<hash>`, numbered one past the highest old one;
 * - the hash is FNV-32a of the template (canonical JSON: sorted keys) and the collision count,
 *   encoded as `rand.SafeEncodeString` does; a name taken by a revision with another template
 *   is a collision: collisionCount goes up until the name is free;
 * - several revisions holding the current template: the highest-numbered is kept, pods labelled
 *   with the others' hashes are relabelled, the others deleted;
 * - old revisions beyond revisionHistoryLimit are deleted oldest first, skipping any a pod still uses.
 */
import { required } from '../../../shared/api/validation/field-errors.js';
import { decodeAs, DecodeError, type PodTemplateSpec } from '../../../shared/api/types/index.js';
import { isRecord, type JsonObject } from '../../../shared/util/guards.js';
import type { RevisionView } from './view.js';

export const REVISION_HASH_LABEL = 'controller-revision-hash';
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

/** JSON with object keys sorted at every level: equal templates give equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${(v as unknown[]).map(canonicalJson).join(',')}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  let hash = h;
  for (const b of bytes) hash = Math.imul(hash ^ b, 0x01000193) >>> 0;
  return hash;
}

/** apimachinery's `rand.SafeEncodeString`: no vowels, no look-alikes, so a hash never spells a word. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET.charAt(s.charCodeAt(i) % SAFE_ALPHABET.length);
  return out;
}

/** `controller.ComputeHash(template, collisionCount)`: the count as 8 bytes little-endian (the upper 4 zero). */
export function templateHash(template: object, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  return safeEncode(String(h));
}

/** What a DaemonSet revision stores: `{spec: {template: {…, $patch: replace}}}` (Kubernetes' `getPatch`). */
export function revisionData(template: PodTemplateSpec): JsonObject {
  return { spec: { template: { ...template, $patch: 'replace' } } };
}

/**
 * Decodes the template a revision's data holds (without the `$patch` marker), as the DaemonSet
 * template it was snapshotted from: validated and defaulted as one (defaulting a stored
 * template changes nothing). Throws a DecodeError when the data holds no valid template.
 */
export function revisionTemplate(data: unknown, name: string, namespace: string): PodTemplateSpec {
  const spec = isRecord(data) ? data['spec'] : undefined;
  const raw = isRecord(spec) ? spec['template'] : undefined;
  if (!isRecord(raw)) throw new DecodeError('ControllerRevision', name, [required('data.spec.template')]);
  const { $patch: _marker, ...template } = structuredClone(raw);
  const meta = template['metadata'];
  const labels = isRecord(meta) && isRecord(meta['labels']) ? meta['labels'] : {};
  const ds = decodeAs('DaemonSet', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace }, spec: { selector: { matchLabels: labels }, template } });
  return ds.spec.template;
}

export interface NewRevision {
  name: string;
  hash: string;
  revision: number;
  data: JsonObject;
}

export interface RevisionPlan {
  /** The hash pods of the current template carry. */
  hash: string;
  /** Create this revision (none holds the current template). */
  create?: NewRevision;
  /** The current revision exists under this name; `renumber` when it must move to the top. */
  current?: { name: string; renumber?: number };
  /** Set when it changed: the new `status.collisionCount`. */
  collisionCount?: number;
  /** Pods to relabel from a duplicate revision's hash to the kept one. */
  relabel: { from: string; to: string }[];
  /** Revisions to delete: duplicates, then history beyond the limit. */
  delete: string[];
  /** Old revisions (not current), oldest first, after the deletions. */
  history: RevisionView[];
}

const byRevision = (a: RevisionView, b: RevisionView): number => a.revision - b.revision || a.name.localeCompare(b.name);

export function planRevisions(
  dsName: string,
  template: PodTemplateSpec,
  collisionCount: number | undefined,
  revisions: readonly RevisionView[],
  historyLimit: number,
  liveHashes: ReadonlySet<string>,
): RevisionPlan {
  const wanted = canonicalJson(template);
  const holdsCurrent = (r: RevisionView): boolean => r.template !== undefined && canonicalJson(r.template) === wanted;
  const current = revisions.filter(holdsCurrent).sort(byRevision);
  const old = revisions.filter((r) => !holdsCurrent(r)).sort(byRevision);
  const next = (old.at(-1)?.revision ?? 0) + 1;
  const plan: RevisionPlan = { hash: '', relabel: [], delete: [], history: old };

  const kept = current.at(-1);
  if (kept) {
    plan.hash = kept.hash ?? kept.name.slice(dsName.length + 1);
    plan.current = kept.revision < next ? { name: kept.name, renumber: next } : { name: kept.name };
    for (const dup of current.slice(0, -1)) {
      if (dup.hash && dup.hash !== plan.hash) plan.relabel.push({ from: dup.hash, to: plan.hash });
      plan.delete.push(dup.name);
    }
  } else {
    let count = collisionCount;
    const taken = new Set(revisions.map((r) => r.name));
    let hash = templateHash(template, count);
    while (taken.has(`${dsName}-${hash}`)) {
      count = (count ?? 0) + 1;
      hash = templateHash(template, count);
    }
    if (count !== collisionCount) plan.collisionCount = count;
    plan.hash = hash;
    plan.create = { name: `${dsName}-${hash}`, hash, revision: next, data: revisionData(template) };
  }

  let excess = old.length - historyLimit;
  for (const r of old) {
    if (excess <= 0) break;
    if (r.hash !== undefined && liveHashes.has(r.hash)) continue;
    plan.delete.push(r.name);
    excess--;
  }
  plan.history = old.filter((r) => !plan.delete.includes(r.name));
  return plan;
}

/**
 * NodeRestriction for what a node reports about itself, as Kubernetes' admission plugin limits
 * a kubelet: a node may not claim another host name (`kubernetes.io/hostname` is its own name),
 * nor set `node-restriction.kubernetes.io/*` (labels admins use to steer workloads to trusted
 * nodes) or `node-role.kubernetes.io/*`; and labels an admin set are never overridden by a
 * report. Which keys the node set itself is remembered in an annotation, so a label the node
 * set before may change while one the admin set stays. Counts are bounded.
 */
import { HUB_OWNED_NODE_ANNOTATIONS } from '../../shared/api/desired-sync.js';
import type { KubeObject } from '../../shared/api/meta.js';

export const REPORTED_LABELS_ANNOTATION = 'flotilla.io/reported-labels';
export const MAX_REPORTED_LABELS = 64;
export const MAX_REPORTED_ANNOTATIONS = 64;

export interface RestrictedMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Reported keys that were not applied, with why. */
  refused: { key: string; reason: string }[];
}

function forbiddenLabel(node: string, key: string, value: string): string | undefined {
  if (key === 'kubernetes.io/hostname' && value !== node) return `kubernetes.io/hostname must be the node's own name (${node})`;
  const prefix = key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
  if (prefix === 'node-restriction.kubernetes.io' || prefix.endsWith('.node-restriction.kubernetes.io')) return 'node-restriction.kubernetes.io/ labels are set by admins only';
  if (prefix === 'node-role.kubernetes.io') return 'node-role.kubernetes.io/ labels are set by admins only';
  return undefined;
}

/** The Node's labels and annotations after applying what the node reported, within its rights. */
export function restrictReportedMetadata(
  node: string,
  current: KubeObject,
  reported: { labels: Record<string, string>; annotations?: Record<string, string> },
): RestrictedMetadata {
  const refused: RestrictedMetadata['refused'] = [];
  const labels = { ...(current.metadata.labels ?? {}) };
  const annotations = { ...(current.metadata.annotations ?? {}) };
  const before = new Set((annotations[REPORTED_LABELS_ANNOTATION] ?? '').split(',').filter((k) => k.length > 0));
  const applied: string[] = [];
  for (const [key, value] of Object.entries(reported.labels)) {
    if (applied.length >= MAX_REPORTED_LABELS) {
      refused.push({ key, reason: `more than ${MAX_REPORTED_LABELS} labels` });
      continue;
    }
    const forbidden = forbiddenLabel(node, key, value);
    if (forbidden) {
      refused.push({ key, reason: forbidden });
      continue;
    }
    if (key in labels && !before.has(key) && labels[key] !== value) {
      refused.push({ key, reason: 'set by an admin' });
      continue;
    }
    labels[key] = value;
    applied.push(key);
  }
  // A label the node set before and no longer reports goes away with it.
  for (const key of before) if (!applied.includes(key) && !(key in reported.labels)) delete labels[key];
  let count = 0;
  for (const [key, value] of Object.entries(reported.annotations ?? {})) {
    if (key === REPORTED_LABELS_ANNOTATION) continue;
    if (HUB_OWNED_NODE_ANNOTATIONS.includes(key)) {
      refused.push({ key, reason: 'set by the hub only' });
      continue;
    }
    if (++count > MAX_REPORTED_ANNOTATIONS) {
      refused.push({ key, reason: `more than ${MAX_REPORTED_ANNOTATIONS} annotations` });
      continue;
    }
    annotations[key] = value;
  }
  annotations[REPORTED_LABELS_ANNOTATION] = applied.sort().join(',');
  return { labels, annotations, refused };
}

/**
 * NodeRestriction for what a node reports about itself, as Kubernetes' admission plugin limits
 * a kubelet: labels under kubernetes.io and k8s.io only from the kubelet's own set (host name —
 * its own —, os, arch, instance type, zone and region, and the node.kubernetes.io/ and
 * kubelet.kubernetes.io/ namespaces), so never `node-role.kubernetes.io/*` nor
 * `node-restriction.kubernetes.io/*` (labels admins use to steer workloads to trusted nodes);
 * labels and annotations under flotilla.io only the few the agent owns; and labels an admin set
 * are never overridden by a report. Which keys the node set itself is remembered in an
 * annotation, so a label the node set before may change while one the admin set stays. Counts
 * are bounded. A refused key is never stored; the rest of the report still applies.
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

/** Kubernetes' kubelet labels (IsKubeletLabel): the kubernetes.io keys a node may set on itself. */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];
/** The flotilla.io keys the agent reports (agent/conditions/node-status.ts); the rest are the hub's. */
const AGENT_FLOTILLA_KEYS = new Set(['flotilla.io/device-model', 'flotilla.io/cpu-temperature-celsius']);

const inNamespace = (prefix: string, ns: string): boolean => prefix === ns || prefix.endsWith(`.${ns}`);

function prefixOf(key: string): string {
  return key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
}

function forbiddenLabel(node: string, key: string, value: string): string | undefined {
  if (key === 'kubernetes.io/hostname' && value !== node) return `kubernetes.io/hostname must be the node's own name (${node})`;
  const prefix = prefixOf(key);
  if (inNamespace(prefix, 'node-restriction.kubernetes.io')) return 'node-restriction.kubernetes.io/ labels are set by admins only';
  if (inNamespace(prefix, 'kubernetes.io') || inNamespace(prefix, 'k8s.io')) {
    if (KUBELET_LABELS.has(key) || KUBELET_LABEL_NAMESPACES.some((ns) => inNamespace(prefix, ns))) return undefined;
    return `${prefix}/ labels are set by admins only (a node may set only the kubelet's kubernetes.io labels)`;
  }
  if (inNamespace(prefix, 'flotilla.io') && !AGENT_FLOTILLA_KEYS.has(key)) return `${prefix}/ labels are reserved to the hub`;
  return undefined;
}

function forbiddenAnnotation(key: string): string | undefined {
  if (key === REPORTED_LABELS_ANNOTATION || HUB_OWNED_NODE_ANNOTATIONS.includes(key)) return 'set by the hub only';
  if (inNamespace(prefixOf(key), 'flotilla.io') && !AGENT_FLOTILLA_KEYS.has(key)) return `${prefixOf(key)}/ annotations are reserved to the hub`;
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
    const forbidden = forbiddenAnnotation(key);
    if (forbidden) {
      refused.push({ key, reason: forbidden });
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

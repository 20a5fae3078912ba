/**
 * A short, stable digest of what the agent reports, for "send the full status only when
 * something changed". It ignores lastHeartbeatTime and coarsens numbers that jitter between
 * collections, so a steady node produces the same digest every 10 s.
 */
import { createHash } from 'node:crypto';
import { ANNOTATION_CPU_TEMPERATURE } from './node-status.js';
import type { NodeStatus } from './types.js';

export interface DigestOptions {
  /** Width of the CPU temperature buckets, °C. Default 5: 60.0–64.9 °C digest alike. */
  temperatureBucketCelsius?: number;
}

/** Annotation → how to coarsen its (numeric) value before hashing. */
function jitterBuckets(opts: DigestOptions): Record<string, number> {
  return { [ANNOTATION_CPU_TEMPERATURE]: opts.temperatureBucketCelsius ?? 5 };
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** JSON with sorted keys, so equal content hashes equally whatever the insertion order. */
export function canonicalJSON(v: unknown): string {
  return JSON.stringify(canonical(v));
}

/** The first 8 hex characters of sha256 over the canonical, de-jittered status + labels + annotations. */
export function statusDigest(
  status: NodeStatus,
  labels: Readonly<Record<string, string>>,
  annotations: Readonly<Record<string, string>>,
  opts: DigestOptions = {},
): string {
  const buckets = jitterBuckets(opts);
  const ann: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations)) {
    const width = buckets[k];
    const n = Number(v);
    ann[k] = width !== undefined && width > 0 && v.trim() !== '' && Number.isFinite(n) ? `~${Math.floor(n / width) * width}` : v;
  }
  const doc = {
    status: { ...status, conditions: status.conditions.map(({ lastHeartbeatTime: _hb, ...c }) => c) },
    labels,
    annotations: ann,
  };
  return createHash('sha256').update(canonicalJSON(doc)).digest('hex').slice(0, 8);
}

/** True when a full status must go out: nothing was sent yet, or the digest moved. */
export function statusChanged(prevDigest: string | undefined, nextDigest: string): boolean {
  return prevDigest !== nextDigest;
}

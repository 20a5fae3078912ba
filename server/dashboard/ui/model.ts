/** Pure derivations the pages show: a node's health and row, pod states, age text. */
import type { Condition, Node, Pod } from './types.js';

export type Health = 'Ready' | 'NotReady' | 'Unknown';

export const CPU_TEMPERATURE_ANNOTATION = 'flotilla.io/cpu-temperature-celsius';

export function condition(conds: Condition[] | undefined, type: string): Condition | undefined {
  return conds?.find((c) => c.type === type);
}

/**
 * The Ready condition, except that a node the hub has not heard from for longer than the grace
 * period shows Unknown at once (the lifecycle controller writes that on its next pass).
 */
export function health(node: Node, lastSeen: number | undefined, now: number, graceMs: number): Health {
  if (lastSeen !== undefined && now - lastSeen > graceMs) return 'Unknown';
  const ready = condition(node.status?.conditions, 'Ready')?.status;
  return ready === 'True' ? 'Ready' : ready === 'False' ? 'NotReady' : 'Unknown';
}

/** A pod the device has not acted on yet: bound but not started, or deleted but not stopped. */
export function podBehind(p: Pod): boolean {
  if (p.metadata.deletionTimestamp) return true;
  return (p.status?.phase ?? 'Pending') === 'Pending' && (p.status?.containerStatuses ?? []).length === 0;
}

export function podRunning(p: Pod): boolean {
  return p.status?.phase === 'Running' && !p.metadata.deletionTimestamp;
}

export function restarts(p: Pod): number {
  return (p.status?.containerStatuses ?? []).reduce((t, c) => t + (c.restartCount ?? 0), 0);
}

/** kubectl's STATUS column: a container's waiting/terminated reason beats the phase. */
export function podState(p: Pod): string {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  for (const c of p.status?.containerStatuses ?? []) {
    const why = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (why) return why;
  }
  return p.status?.reason ?? p.status?.phase ?? 'Pending';
}

export interface NodeRow {
  name: string;
  node: Node;
  cordoned: boolean;
  arch: string;
  agent: string;
  temperature?: number;
  throttled: boolean;
  podsRunning: number;
  podsDesired: number;
  behind: boolean;
  labels: string;
}

export interface NodePods {
  running: number;
  desired: number;
  behind: boolean;
}

export function nodePods(pods: Iterable<Pod>): Map<string, NodePods> {
  const out = new Map<string, NodePods>();
  for (const p of pods) {
    const n = p.spec?.nodeName;
    if (!n) continue;
    const e = out.get(n) ?? { running: 0, desired: 0, behind: false };
    if (!p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') e.desired++;
    if (podRunning(p)) e.running++;
    if (podBehind(p)) e.behind = true;
    out.set(n, e);
  }
  return out;
}

export function nodeRow(node: Node, pods: NodePods | undefined): NodeRow {
  const temp = Number(node.metadata.annotations?.[CPU_TEMPERATURE_ANNOTATION]);
  const labels = node.metadata.labels ?? {};
  return {
    name: node.metadata.name,
    node,
    cordoned: node.spec?.unschedulable === true,
    arch: node.status?.nodeInfo?.architecture ?? labels['kubernetes.io/arch'] ?? '',
    agent: node.status?.nodeInfo?.kubeletVersion ?? '',
    ...(Number.isFinite(temp) && node.metadata.annotations?.[CPU_TEMPERATURE_ANNOTATION] ? { temperature: temp } : {}),
    throttled: condition(node.status?.conditions, 'CPUThrottled')?.status === 'True',
    podsRunning: pods?.running ?? 0,
    podsDesired: pods?.desired ?? 0,
    behind: pods?.behind ?? false,
    labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
  };
}

/** "3s", "5m12s", "2h", "4d" — kubectl's short ages. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

export function ageSince(iso: string | undefined, now: number): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  return Number.isFinite(t) ? formatAge(now - t) : '-';
}

/** Buckets of the heartbeat-age picture (upper bounds in ms; the last is "silent"). */
export const AGE_BUCKETS: { label: string; maxMs: number }[] = [
  { label: '<5s', maxMs: 5_000 },
  { label: '5–10s', maxMs: 10_000 },
  { label: '10–20s', maxMs: 20_000 },
  { label: '20–40s', maxMs: 40_000 },
  { label: '40s–2m', maxMs: 120_000 },
  { label: '2–10m', maxMs: 600_000 },
  { label: '>10m', maxMs: Infinity },
];

export function ageHistogram(lastSeen: Iterable<number>, now: number): number[] {
  const counts = AGE_BUCKETS.map(() => 0);
  for (const t of lastSeen) {
    const found = AGE_BUCKETS.findIndex((b) => now - t < b.maxMs);
    const i = found < 0 ? counts.length - 1 : found;
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

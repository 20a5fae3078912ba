/**
 * Whether a daemon pod's resource requests fit a node: the scheduler's NodeResourcesFit, which
 * the DaemonSet controller must do itself here because the hub binds daemon pods directly.
 */
import { quantityValue } from '../../../shared/api/quantity.js';
import type { Container, PodSpec } from '../../../shared/api/types/index.js';
import type { NodeView, Resources } from './view.js';

function containerRequests(c: Container): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, q] of Object.entries(c.resources?.requests ?? {})) {
    const n = quantityValue(q);
    if (n !== undefined) out[name] = n;
  }
  return out;
}

const STANDARD = new Set(['cpu', 'memory', 'ephemeral-storage']);

/**
 * A pod spec's effective requests (`resourcehelper.PodRequests`): the sum over containers,
 * raised to the largest init container's (init containers run one at a time), plus overhead.
 */
export function podRequests(spec: Pick<PodSpec, 'containers' | 'initContainers' | 'overhead'>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const c of spec.containers) {
    for (const [k, v] of Object.entries(containerRequests(c))) total[k] = (total[k] ?? 0) + v;
  }
  for (const c of spec.initContainers ?? []) {
    for (const [k, v] of Object.entries(containerRequests(c))) total[k] = Math.max(total[k] ?? 0, v);
  }
  for (const [k, q] of Object.entries(spec.overhead ?? {})) total[k] = (total[k] ?? 0) + (quantityValue(q) ?? 0);
  return total;
}

/**
 * Why the pod does not fit, in the scheduler's words ("Insufficient cpu", "Too many pods"),
 * or [] when it does. Pods controlled by `ownerUid` (the DaemonSet) are not counted: the new
 * pod replaces them. A standard resource (cpu, memory, ephemeral-storage) the node does not
 * report is not checked; an extended one (`vendor.io/gpu`) it does not list, it has none of.
 */
export function insufficientResources(requests: Resources, node: NodeView, ownerUid: string): string[] {
  const others = node.residents.filter((p) => p.controllerUid !== ownerUid);
  const reasons: string[] = [];
  const maxPods = node.allocatable['pods'];
  if (maxPods !== undefined && others.length + 1 > maxPods) reasons.push('Too many pods');
  for (const [name, want] of Object.entries(requests)) {
    if (want <= 0 || name === 'pods') continue;
    const allocatable = node.allocatable[name] ?? (STANDARD.has(name) ? undefined : 0);
    if (allocatable === undefined) continue;
    const used = others.reduce((sum, p) => sum + (p.requests[name] ?? 0), 0);
    if (used + want > allocatable + 1e-9) reasons.push(`Insufficient ${name}`);
  }
  return reasons;
}

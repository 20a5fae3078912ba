/**
 * hostPorts on one node, as the kubelet's admission (the NodePorts predicate) decides them: each
 * pod's claims (host address, port, protocol; a hostNetwork pod claims every container port),
 * checked for what the device adds to the pod's validation (an IPv4 host address), and which
 * pods must be refused because another pod holds the port. A pod whose containers run keeps its
 * ports; among the others the older pod wins (creationTimestamp, then namespace/name). Pure.
 */
import { isIPv4 } from 'node:net';
import type { Protocol } from '../../shared/api/types/index.js';
import type { PodModel } from '../reconcile/pod-model.js';

export const NODE_PORTS_REASON = 'NodePorts';
export const ANY_ADDRESS = '0.0.0.0';

export interface PortClaim {
  hostIP: string;
  hostPort: number;
  protocol: Protocol;
}

export interface PortClaimant {
  model: PodModel;
  /** Its containers run: it has its ports now. */
  holds: boolean;
}

export interface PortRefusal {
  reason: string;
  message: string;
}

/** Where a pod's hostPorts bind; `publishes` is false when a pod network is off (nothing is published). */
export interface HostPortSettings {
  publishes: boolean;
  hostPortAddress: string;
}

function podClaims(model: PodModel, settings: HostPortSettings): { claims: PortClaim[]; problems: string[] } {
  const claims: PortClaim[] = [];
  const problems: string[] = [];
  if (!model.hostNetwork && !settings.publishes) return { claims, problems };
  const lists: [string, PodModel['containers']][] = [
    ['initContainers', model.initContainers],
    ['containers', model.containers],
  ];
  for (const [list, containers] of lists) {
    containers.forEach((c, i) =>
      c.ports.forEach((p, j) => {
        if (p.hostPort === undefined) return;
        const field = `spec.${list}[${i}].ports[${j}]`;
        // The port range and protocol were checked when the pod was decoded; the bridge is IPv4 only.
        if (p.hostIP !== undefined && p.hostIP !== '' && !isIPv4(p.hostIP)) problems.push(`${field}.hostIP: "${p.hostIP}" is not an IPv4 address`);
        else {
          const fallback = model.hostNetwork ? ANY_ADDRESS : settings.hostPortAddress;
          claims.push({ hostIP: p.hostIP !== undefined && p.hostIP !== '' ? p.hostIP : fallback, hostPort: p.hostPort, protocol: p.protocol });
        }
      }),
    );
  }
  return { claims, problems };
}

function overlaps(a: PortClaim, b: PortClaim): boolean {
  return a.hostPort === b.hostPort && a.protocol === b.protocol && (a.hostIP === b.hostIP || a.hostIP === ANY_ADDRESS || b.hostIP === ANY_ADDRESS);
}

const display = (m: PodModel): string => `${m.ref.namespace}/${m.ref.name}`;

function order(a: PortClaimant, b: PortClaimant): number {
  if (a.holds !== b.holds) return a.holds ? -1 : 1;
  const ta = a.model.obj.metadata.creationTimestamp ?? '';
  const tb = b.model.obj.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = display(a.model);
  const nb = display(b.model);
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** The pods (by uid) that cannot have their hostPorts, and why. */
export function hostPortRefusals(pods: readonly PortClaimant[], settings: HostPortSettings): Map<string, PortRefusal> {
  const refused = new Map<string, PortRefusal>();
  const taken: { claim: PortClaim; pod: PodModel }[] = [];
  for (const p of [...pods].sort(order)) {
    const { claims, problems } = podClaims(p.model, settings);
    if (problems.length > 0) {
      refused.set(p.model.ref.uid, { reason: 'HostPortInvalid', message: problems.join('; ') });
      continue;
    }
    const clash = claims.flatMap((c) => taken.filter((t) => overlaps(c, t.claim)).map((t) => ({ c, t })))[0];
    if (clash) {
      const { c, t } = clash;
      refused.set(p.model.ref.uid, {
        reason: NODE_PORTS_REASON,
        message: `Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports (hostPort ${c.hostPort}/${c.protocol} on ${c.hostIP} is used by pod ${display(t.pod)})`,
      });
      continue;
    }
    for (const claim of claims) taken.push({ claim, pod: p.model });
  }
  return refused;
}

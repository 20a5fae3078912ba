/**
 * Turns an agent's status report into the Node's status and labels. Times come from the hub's
 * clock, never the device's (a Pi has no RTC): a condition's lastTransitionTime moves only when
 * its status changes, and lastHeartbeatTime is when the hub received the report.
 */
import { APPLIED_REVISION_ANNOTATION } from '../../shared/api/desired-sync.js';
import { restrictReportedMetadata, type RestrictedMetadata } from './node-restriction.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { Node, NodeStatus } from '../../shared/api/types/index.js';
import { formatRevision, type NodeCondition, type StatusMessage } from '../../shared/protocol/index.js';

export function nodeStatusFromReport(node: Node, report: StatusMessage, now: string): NodeStatus {
  const prev = new Map((node.status?.conditions ?? []).map((c) => [c.type, c]));
  const conditions = report.status.conditions.map((c: NodeCondition) => {
    const before = prev.get(c.type);
    const lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now;
    return { type: c.type, status: c.status, reason: c.reason, message: c.message, lastHeartbeatTime: now, lastTransitionTime };
  });
  return {
    ...node.status,
    conditions,
    addresses: report.status.addresses,
    capacity: report.status.capacity,
    allocatable: report.status.allocatable,
    nodeInfo: report.status.nodeInfo,
    ...(report.status.daemonEndpoints ? { daemonEndpoints: report.status.daemonEndpoints } : {}),
  };
}

/**
 * Labels and annotations the agent reports are merged in, within NodeRestriction
 * (node-restriction.ts); keys set by admins stay. The applied desired revision it reports
 * becomes flotilla.io/applied-revision.
 */
export function mergedMetadata(node: KubeObject, report: StatusMessage): RestrictedMetadata {
  const merged = restrictReportedMetadata(node.metadata.name ?? '', node, report);
  if (report.applied) merged.annotations[APPLIED_REVISION_ANNOTATION] = formatRevision(report.applied);
  return merged;
}

/** Whether merging these labels and annotations into the Node would change any of them. */
export function metadataChanges(node: KubeObject, labels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>>): boolean {
  const differs = (want: Readonly<Record<string, string>>, have: Readonly<Record<string, string>> | undefined): boolean =>
    Object.entries(want).some(([k, v]) => have?.[k] !== v);
  return differs(labels, node.metadata.labels) || differs(annotations, node.metadata.annotations);
}

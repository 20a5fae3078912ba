/**
 * Turns an agent's status report into the Node's status and labels. Times come from the hub's
 * clock, never the device's (a Pi has no RTC): a condition's lastTransitionTime moves only when
 * its status changes, and lastHeartbeatTime is when the hub received the report.
 */
import type { KubeObject } from '../../shared/api/meta.js';
import type { NodeCondition, StatusMessage } from '../../shared/protocol/index.js';
import { isRecord } from '../../shared/util/guards.js';

function previousConditions(node: KubeObject): Map<string, { status: string; lastTransitionTime?: string }> {
  const out = new Map<string, { status: string; lastTransitionTime?: string }>();
  const status = node['status'];
  const conds = isRecord(status) ? status['conditions'] : undefined;
  if (!Array.isArray(conds)) return out;
  for (const c of conds) {
    if (isRecord(c) && typeof c['type'] === 'string' && typeof c['status'] === 'string') {
      const t = c['lastTransitionTime'];
      out.set(c['type'], { status: c['status'], ...(typeof t === 'string' ? { lastTransitionTime: t } : {}) });
    }
  }
  return out;
}

export function nodeStatusFromReport(node: KubeObject, report: StatusMessage, now: string): Record<string, unknown> {
  const prev = previousConditions(node);
  const conditions = report.status.conditions.map((c: NodeCondition) => {
    const before = prev.get(c.type);
    const lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now;
    return { type: c.type, status: c.status, reason: c.reason, message: c.message, lastHeartbeatTime: now, lastTransitionTime };
  });
  const current = isRecord(node['status']) ? node['status'] : {};
  return {
    ...current,
    conditions,
    addresses: report.status.addresses,
    capacity: report.status.capacity,
    allocatable: report.status.allocatable,
    nodeInfo: report.status.nodeInfo,
    ...(report.status.daemonEndpoints ? { daemonEndpoints: report.status.daemonEndpoints } : {}),
  };
}

/** Labels and annotations the agent reports are merged in; keys set by users stay. */
export function mergedMetadata(node: KubeObject, report: StatusMessage): { labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    labels: { ...(node.metadata.labels ?? {}), ...report.labels },
    annotations: { ...(node.metadata.annotations ?? {}), ...(report.annotations ?? {}) },
  };
}

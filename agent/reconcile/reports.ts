/** The pod status reports of a pass: each desired pod's status from its view and containers. */
import type { ObservedContainer } from '../engine/types.js';
import type { ProbeState } from '../probes/types.js';
import { computePodStatus } from '../pods/status.js';
import type { PodStatusReport } from '../../shared/protocol/messages.js';
import type { DesiredPod } from './desired.js';
import type { MemoryView } from './memory.js';
import { isRunning } from './instances.js';
import { probeKey, type PodView } from './types.js';

export interface ReportInputs {
  byUid: ReadonlyMap<string, DesiredPod>;
  grouped: ReadonlyMap<string, ObservedContainer[]>;
  probeStates: ReadonlyMap<string, ProbeState>;
  hostIP: string;
  memory: MemoryView;
}

export function podReports(views: ReadonlyMap<string, PodView>, inputs: ReportInputs): PodStatusReport[] {
  const reports: PodStatusReport[] = [];
  for (const [uid, view] of views) {
    const d = inputs.byUid.get(uid);
    if (!d) continue;
    const firstSeen = inputs.memory.known(uid)?.firstSeen;
    // The pod's address is its running sandbox's on the pod network (the newest sandbox first).
    const podIP = d.model.hostNetwork ? undefined : (inputs.grouped.get(uid) ?? []).filter((c) => c.role === 'sandbox' && isRunning(c)).sort((a, b) => b.attempt - a.attempt)[0]?.ip;
    const status = computePodStatus({
      restartPolicy: d.model.restartPolicy,
      hostNetwork: d.model.hostNetwork,
      hostIP: inputs.hostIP,
      init: d.init,
      app: d.app,
      containers: inputs.grouped.get(uid) ?? [],
      waiting: view.waiting,
      probe: (name) => inputs.probeStates.get(probeKey(uid, name)),
      ...(firstSeen !== undefined ? { startTime: new Date(firstSeen) } : {}),
      ...(podIP !== undefined ? { podIP } : {}),
      ...(view.rejected ? { rejected: view.rejected } : {}),
    });
    const report: PodStatusReport = { uid, namespace: view.ref.namespace, name: view.ref.name, status };
    if (view.deleted) report.deleted = true;
    reports.push(report);
  }
  return reports;
}

/** A pod's READY, STATUS and RESTARTS, computed as kubectl's printPod does. */
import type { KubeObject } from '../../../shared/api/meta.js';
import { humanDuration } from '../../../shared/api/print-format.js';
import { fromStore, type ContainerStatus } from '../../../shared/api/types/index.js';

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

function terminatedFinishedAt(cs: ContainerStatus): number | undefined {
  const t = cs.lastState?.terminated;
  const at = Date.parse(t?.finishedAt ?? '');
  return t && Object.keys(t).length && !Number.isNaN(at) ? at : undefined;
}

/** READY, STATUS and RESTARTS of a pod (a stored one: decoded), computed as kubectl's printPod does. */
export function podSummary(obj: KubeObject, now: Date): PodSummary {
  const pod = fromStore('Pod', obj);
  const { spec } = pod;
  const status = pod.status ?? {};
  const { containers } = spec;
  const initContainers = spec.initContainers ?? [];
  const conditions = status.conditions ?? [];

  const restartableInit = new Set(initContainers.filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const totalContainers = containers.length + restartableInit.size;
  let readyContainers = 0;
  let restarts = 0;
  let restartableInitRestarts = 0;
  let lastRestart: number | undefined;
  let lastRestartableInitRestart: number | undefined;
  const later = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined ? b : b === undefined ? a : Math.max(a, b);

  const phase = status.phase ?? '';
  let reason = status.reason || phase;
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (const [i, cs] of initStatuses.entries()) {
    restarts += cs.restartCount ?? 0;
    lastRestart = later(lastRestart, terminatedFinishedAt(cs));
    const restartable = restartableInit.has(cs.name ?? '');
    if (restartable) {
      restartableInitRestarts += cs.restartCount ?? 0;
      lastRestartableInitRestart = later(lastRestartableInitRestart, terminatedFinishedAt(cs));
    }
    const { terminated, waiting } = cs.state ?? {};
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (restartable && cs.started === true) {
      if (cs.ready === true) readyContainers++;
      continue;
    }
    if (terminated) {
      if (terminated.reason) reason = `Init:${terminated.reason}`;
      else if ((terminated.signal ?? 0) !== 0) reason = `Init:Signal:${terminated.signal ?? 0}`;
      else reason = `Init:ExitCode:${terminated.exitCode ?? 0}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  const initializedTrue = conditions.some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i] ?? {};
      restarts += cs.restartCount ?? 0;
      lastRestart = later(lastRestart, terminatedFinishedAt(cs));
      const { terminated, waiting, running } = cs.state ?? {};
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason = (terminated.signal ?? 0) !== 0 ? `Signal:${terminated.signal ?? 0}` : `ExitCode:${terminated.exitCode ?? 0}`;
      } else if (cs.ready === true && running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsText = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  }
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

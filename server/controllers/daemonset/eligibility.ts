/**
 * Which nodes a DaemonSet's pod belongs on (pkg/controller/daemon `NodeShouldRunDaemonPod`, with
 * the resource fit the hub must do itself since it binds daemon pods directly):
 * - `wantToRun`: the node counts in desiredNumberScheduled;
 * - `shouldRun`: a pod may be created there now;
 * - `shouldContinueRunning`: a pod already there may stay.
 * A node selector or required affinity that does not match → none of the three. A NoSchedule
 * taint not tolerated → the pod is not placed but one already running stays (the taint may
 * have come after it); a NoExecute taint not tolerated → it must leave. PreferNoSchedule never
 * decides. Too few free resources → wanted, not placed (a FailedPlacement event), kept if running.
 */
import { placementMismatch, requiredNodePlacement, type RequiredNodePlacement } from '../../../shared/api/node-affinity.js';
import { findUntoleratedTaint, formatTaint, TAINT_NODE_UNSCHEDULABLE, type Taint, type Toleration } from '../../../shared/api/taints.js';
import type { PodTemplateSpec } from '../../../shared/api/types/index.js';
import { insufficientResources, podRequests } from './resources.js';
import { daemonPodTolerations } from './tolerations.js';
import type { NodeView, Resources } from './view.js';

/** What placement reads from the DaemonSet's pod template, computed once per reconcile. */
export interface DaemonPodScheduling {
  ownerUid: string;
  /** `spec.nodeName` of the template, when set: only that node. */
  nodeName?: string;
  placement: RequiredNodePlacement;
  /** The template's tolerations plus the automatic DaemonSet ones. */
  tolerations: readonly Toleration[];
  requests: Resources;
}

export interface Eligibility {
  wantToRun: boolean;
  shouldRun: boolean;
  shouldContinueRunning: boolean;
  /** Why not `shouldRun`, for messages and events. */
  reason?: string;
  /** Set when only resources stand in the way: a FailedPlacement event. */
  insufficient?: string[];
}

export function daemonPodScheduling(template: PodTemplateSpec, ownerUid: string): DaemonPodScheduling {
  const spec = template.spec;
  const out: DaemonPodScheduling = {
    ownerUid,
    placement: requiredNodePlacement(spec),
    tolerations: daemonPodTolerations(spec.tolerations ?? [], spec.hostNetwork === true),
    requests: podRequests(spec),
  };
  if (spec.nodeName) out.nodeName = spec.nodeName;
  return out;
}

/** The node's taints, plus the unschedulable taint for a cordoned node that does not carry it yet. */
function effectiveTaints(node: NodeView): readonly Taint[] {
  if (!node.unschedulable || node.taints.some((t) => t.key === TAINT_NODE_UNSCHEDULABLE && t.effect === 'NoSchedule')) return node.taints;
  return [...node.taints, { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' }];
}

const NO = { wantToRun: false, shouldRun: false, shouldContinueRunning: false } as const;

export function nodeEligibility(node: NodeView, pod: DaemonPodScheduling): Eligibility {
  if (pod.nodeName !== undefined && pod.nodeName !== node.name) return { ...NO, reason: `the template is pinned to node ${pod.nodeName}` };
  const mismatch = placementMismatch(pod.placement, node);
  if (mismatch) return { ...NO, reason: `node does not match the pod's ${mismatch}` };

  const taints = effectiveTaints(node);
  const untolerated = findUntoleratedTaint(taints, pod.tolerations, ['NoSchedule', 'NoExecute']);
  if (untolerated) {
    const noExecute = findUntoleratedTaint(taints, pod.tolerations, ['NoExecute']);
    const shown = formatTaint(noExecute ?? untolerated);
    return { wantToRun: false, shouldRun: false, shouldContinueRunning: !noExecute, reason: `node has a taint the pod does not tolerate: ${shown}` };
  }

  const insufficient = insufficientResources(pod.requests, node, pod.ownerUid);
  if (insufficient.length > 0) return { wantToRun: true, shouldRun: false, shouldContinueRunning: true, reason: insufficient.join(', '), insufficient };
  return { wantToRun: true, shouldRun: true, shouldContinueRunning: true };
}

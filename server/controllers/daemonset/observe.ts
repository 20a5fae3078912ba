/**
 * Builds the planner's views (view.ts) from the typed objects the controller reads: the
 * DaemonSet, every Node with the pods bound to it, the DaemonSet's pods and revisions.
 */
import { parseIntOrPercent, type IntOrPercent } from '../../../shared/api/int-or-percent.js';
import { quantityValue } from '../../../shared/api/quantity.js';
import { isDecodeError, type ControllerRevision, type DaemonSet, type Node, type Pod } from '../../../shared/api/types/index.js';
import type { OwnerReference } from '../../../shared/api/types/meta.js';
import type { Logger } from '../../../shared/util/logger.js';
import { TEMPLATE_GENERATION_ANNOTATION } from '../../apiserver/admission/daemonset.js';
import { podRequests } from './resources.js';
import { REVISION_HASH_LABEL, TEMPLATE_GENERATION_LABEL, revisionTemplate } from './revisions.js';
import type { Condition, DaemonPodView, DaemonSetView, NodeView, ResidentPod, RevisionView, UpdateStrategy } from './view.js';


const time = (t: string | undefined): number | undefined => {
  const ms = t === undefined ? NaN : Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
};

/** The ownerReference marking the controller (`controller: true`), if any. */
export function controllerRef(meta: { ownerReferences?: OwnerReference[] }): OwnerReference | undefined {
  return (meta.ownerReferences ?? []).find((r) => r.controller === true);
}

function intOrPercent(field: string, v: unknown, fallback: IntOrPercent): IntOrPercent {
  if (v === undefined) return fallback;
  try {
    return parseIntOrPercent(field, v);
  } catch {
    // Validation refused bad values at the API; a stored one is taken as the default.
    return fallback;
  }
}

function strategyOf(ds: DaemonSet): UpdateStrategy {
  const s = ds.spec.updateStrategy;
  if (s?.type === 'OnDelete') return { type: 'OnDelete' };
  return {
    type: 'RollingUpdate',
    maxUnavailable: intOrPercent('maxUnavailable', s?.rollingUpdate?.maxUnavailable, 1),
    maxSurge: intOrPercent('maxSurge', s?.rollingUpdate?.maxSurge, 0),
  };
}

function conditionsOf(list: readonly { type?: string; status?: string; reason?: string; message?: string; lastTransitionTime?: string }[] | undefined): Condition[] {
  return (list ?? []).flatMap((c): Condition[] => {
    if (!c.type || (c.status !== 'True' && c.status !== 'False' && c.status !== 'Unknown')) return [];
    const out: Condition = { type: c.type, status: c.status };
    if (c.reason !== undefined) out.reason = c.reason;
    if (c.message !== undefined) out.message = c.message;
    if (c.lastTransitionTime !== undefined) out.lastTransitionTime = c.lastTransitionTime;
    const updated = (c as { lastUpdateTime?: unknown }).lastUpdateTime;
    if (typeof updated === 'string') out.lastUpdateTime = updated;
    return [out];
  });
}

export function daemonSetView(ds: DaemonSet): DaemonSetView {
  const m = ds.metadata;
  const annotations = m.annotations ?? {};
  const view: DaemonSetView = {
    name: m.name ?? '',
    namespace: m.namespace ?? 'default',
    uid: m.uid ?? '',
    generation: m.generation ?? 1,
    annotations,
    template: ds.spec.template,
    updateStrategy: strategyOf(ds),
    minReadySeconds: ds.spec.minReadySeconds ?? 0,
    revisionHistoryLimit: ds.spec.revisionHistoryLimit ?? 10,
    status: { conditions: conditionsOf(ds.status?.conditions) },
  };
  const generation = Number(annotations[TEMPLATE_GENERATION_ANNOTATION]);
  if (Number.isSafeInteger(generation) && generation > 0) view.templateGeneration = generation;
  if (ds.status?.collisionCount !== undefined) view.status.collisionCount = ds.status.collisionCount;
  if (ds.status?.observedGeneration !== undefined) view.status.observedGeneration = ds.status.observedGeneration;
  return view;
}

const terminal = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

export function nodeView(node: Node, podsOnNode: readonly Pod[]): NodeView {
  return { ...nodeFacts(node), residents: podsOnNode.flatMap(residentOf) };
}

/** What a Node itself says (all of its view but the pods on it). */
export function nodeFacts(node: Node): Omit<NodeView, 'residents'> {
  const allocatable: Record<string, number> = {};
  for (const [k, q] of Object.entries(node.status?.allocatable ?? {})) {
    const n = quantityValue(q);
    if (n !== undefined) allocatable[k] = n;
  }
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  return {
    name: node.metadata.name ?? '',
    labels: node.metadata.labels ?? {},
    taints: node.spec?.taints ?? [],
    unschedulable: node.spec?.unschedulable === true,
    allocatable,
    reachable: ready !== undefined && ready.status !== 'Unknown',
  };
}

/** A pod as a resident of its node (what it takes there); none when it is over or going. */
export function residentOf(p: Pod): ResidentPod[] {
  if (terminal(p) || p.metadata.deletionTimestamp) return [];
  const owner = controllerRef(p.metadata);
  return [owner ? { controllerUid: owner.uid, requests: podRequests(p.spec) } : { requests: podRequests(p.spec) }];
}

/** Why a pod is not running well, from its container states ("ImagePullBackOff", "CrashLoopBackOff", "Error"…). */
function failureReasons(pod: Pod): string[] {
  const reasons = new Set<string>();
  const s = pod.status;
  for (const c of [...(s?.initContainerStatuses ?? []), ...(s?.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting?.reason;
    if (waiting && waiting !== 'ContainerCreating' && waiting !== 'PodInitializing') reasons.add(waiting);
    const term = c.state?.terminated;
    if (term && (term.exitCode ?? 0) !== 0) reasons.add(term.reason ?? `exit code ${term.exitCode ?? ''}`);
  }
  if (s?.reason) reasons.add(s.reason);
  return [...reasons];
}

export function daemonPodView(pod: Pod): DaemonPodView {
  const m = pod.metadata;
  const readyCondition = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const ready = readyCondition?.status === 'True';
  const view: DaemonPodView = {
    name: m.name ?? '',
    nodeName: pod.spec.nodeName ?? '',
    createdAt: time(m.creationTimestamp) ?? 0,
    phase: (pod.status?.phase ?? 'Pending'),
    ready,
    deleting: m.deletionTimestamp !== undefined,
    failureReasons: failureReasons(pod),
  };
  const hash = m.labels?.[REVISION_HASH_LABEL];
  if (hash !== undefined) view.revisionHash = hash;
  const generation = m.labels?.[TEMPLATE_GENERATION_LABEL];
  if (generation !== undefined) view.templateGeneration = generation;
  const since = ready ? time(readyCondition?.lastTransitionTime) : undefined;
  if (since !== undefined) view.readySince = since;
  return view;
}

/** The boundary for a revision's `data`: its template is decoded here, once; data that does not decode is logged and read as no template. */
export function revisionView(r: ControllerRevision, log: Logger): RevisionView {
  const view: RevisionView = { name: r.metadata.name ?? '', revision: r.revision };
  try {
    view.template = revisionTemplate(r.data, r.metadata.name ?? '', r.metadata.namespace ?? 'default');
  } catch (e) {
    if (!isDecodeError(e)) throw e;
    log.warn('revision data does not decode', { revision: view.name, field: e.field, error: e.message });
  }
  const hash = r.metadata.labels?.[REVISION_HASH_LABEL];
  if (hash !== undefined) view.hash = hash;
  return view;
}

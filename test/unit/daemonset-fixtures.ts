/** Builders for the DaemonSet planner tests: nodes, daemon pods, a DaemonSet view. */
import type { Taint } from '../../shared/api/taints.js';
import type { PodSpec, PodTemplateSpec } from '../../shared/api/types/index.js';
import type { DaemonPodView, DaemonSetView, NodeView, UpdateStrategy } from '../../server/controllers/daemonset/view.js';

export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const sec = (s: number): number => T0 + s * 1000;

export function node(name: string, extra: Partial<NodeView> = {}): NodeView {
  return { name, labels: {}, taints: [], unschedulable: false, allocatable: {}, reachable: true, residents: [], ...extra };
}

export const taint = (key: string, effect: Taint['effect'], value?: string): Taint => (value === undefined ? { key, effect } : { key, value, effect });

/** A Running, Ready (since T0 - 1 h) pod of revision `hash` on `nodeName`. */
export function pod(name: string, nodeName: string, hash: string, extra: Partial<DaemonPodView> = {}): DaemonPodView {
  return {
    name, nodeName, createdAt: sec(-7200), revisionHash: hash, phase: 'Running', ready: true, readySince: sec(-3600),
    deleting: false, failureReasons: [], ...extra,
  };
}

/** Created `ago` seconds before T0 and not Ready: an updated pod still starting (or failing). */
export const starting = (name: string, nodeName: string, hash: string, ago: number, reasons: string[] = []): DaemonPodView =>
  pod(name, nodeName, hash, { createdAt: sec(-ago), ready: false, readySince: undefined, phase: reasons.length ? 'Running' : 'Pending', failureReasons: reasons });

export function template(spec: Partial<PodSpec> = {}): PodTemplateSpec {
  return { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }], ...spec } };
}

export function daemonSet(extra: Partial<DaemonSetView> = {}, strategy?: UpdateStrategy): DaemonSetView {
  return {
    name: 'agent', namespace: 'default', uid: 'ds-uid', generation: 2, annotations: {}, template: template(),
    updateStrategy: strategy ?? { type: 'RollingUpdate', maxUnavailable: 1, maxSurge: 0 },
    minReadySeconds: 0, revisionHistoryLimit: 10, status: { conditions: [] }, ...extra,
  };
}

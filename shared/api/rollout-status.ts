/**
 * The fleet view of a DaemonSet rollout, as the hub publishes it in the
 * `flotilla.io/rollout-status` annotation (JSON) and `flotctl rollout status` reads it: progress
 * per stage, devices waiting offline, the failure-budget verdict. `generation` is the
 * DaemonSet's metadata.generation the view was computed for.
 */
import { isRecord } from '../util/guards.js';

export const ROLLOUT_STATUS_ANNOTATION = 'flotilla.io/rollout-status';
/** Written by `flotctl rollout pause` / `resume`. */
export const ROLLOUT_PAUSED_ANNOTATION = 'flotilla.io/rollout-paused';
/** Written by `flotctl rollout promote`: "<revision hash>:<stage index>". */
export const PROMOTED_STAGE_ANNOTATION = 'flotilla.io/promoted-stage';

export interface StageProgress {
  name: string;
  nodes: number;
  /** Updated pod available. */
  updated: number;
  /** Updated pod not yet available, within the deadline. */
  updating: number;
  waitingOffline: number;
  failed: number;
  /** Old revision, not touched yet. */
  pending: number;
  released: boolean;
}

export interface FailedDevice {
  node: string;
  pod: string;
  /** The pod's failure reasons, or what it lacks ("not Running", "not Ready"). */
  reasons: string[];
}

export interface FleetView {
  revision: string;
  stages: StageProgress[];
  updated: number;
  waitingOffline: number;
  failed: number;
  /** Every reachable node that can run the pod runs the current revision, available. */
  complete: boolean;
  paused: boolean;
  awaitingPromotion?: string;
  halted?: { allowed: number; updatedSoFar: number; failed: FailedDevice[] };
  generation?: number;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** "5 updated, 2 waiting for offline devices, 1 failed" */
export function summarize(view: FleetView): string {
  const parts = [`${view.updated} updated`];
  if (view.waitingOffline > 0) parts.push(`${view.waitingOffline} waiting for offline devices`);
  if (view.failed > 0) parts.push(`${view.failed} failed`);
  return parts.join(', ');
}

/** Decodes the annotation's text; undefined when absent or not a fleet view. */
export function parseFleetView(text: string | undefined): FleetView | undefined {
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(v) || !Array.isArray(v['stages'])) return undefined;
  const stages = (v['stages'] as unknown[]).filter(isRecord).map((s): StageProgress => ({
    name: str(s['name']), nodes: num(s['nodes']), updated: num(s['updated']), updating: num(s['updating']),
    waitingOffline: num(s['waitingOffline']), failed: num(s['failed']), pending: num(s['pending']), released: s['released'] === true,
  }));
  const view: FleetView = {
    revision: str(v['revision']), stages, updated: num(v['updated']), waitingOffline: num(v['waitingOffline']), failed: num(v['failed']),
    complete: v['complete'] === true, paused: v['paused'] === true,
  };
  if (typeof v['awaitingPromotion'] === 'string') view.awaitingPromotion = v['awaitingPromotion'];
  if (typeof v['generation'] === 'number') view.generation = v['generation'];
  const h = v['halted'];
  if (isRecord(h)) {
    const failed = (Array.isArray(h['failed']) ? (h['failed'] as unknown[]) : []).filter(isRecord).map((f): FailedDevice => ({
      node: str(f['node']), pod: str(f['pod']), reasons: Array.isArray(f['reasons']) ? (f['reasons'] as unknown[]).map(str) : [],
    }));
    view.halted = { allowed: num(h['allowed']), updatedSoFar: num(h['updatedSoFar']), failed };
  }
  return view;
}

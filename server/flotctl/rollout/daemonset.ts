/**
 * What the rollout verbs read and write on a DaemonSet through the API, as kubectl does:
 * revisions are the ControllerRevisions the DaemonSet controls, undo patches the template from
 * one of them, restart sets the template's `kubectl.kubernetes.io/restartedAt` annotation;
 * pause, resume and promote write Flotilla's rollout annotations.
 */
import { kindByName, type KindInfo } from '../../../shared/api/kinds.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { parseFleetView, PROMOTED_STAGE_ANNOTATION, ROLLOUT_PAUSED_ANNOTATION, ROLLOUT_STATUS_ANNOTATION, type FleetView } from '../../../shared/api/rollout-status.js';
import { isRecord } from '../../../shared/util/guards.js';
import type { ApiClient } from '../client.js';
import { CliError } from '../errors.js';
import { getObject, listObjects } from '../objects.js';
import { resolveKind, resourcePath } from '../resources.js';

function kind(name: string): KindInfo {
  const info = kindByName(name);
  if (!info) throw new CliError(`the server does not serve ${name}`);
  return info;
}

/** `ds/NAME`, `daemonset/NAME` or `daemonsets NAME`: the DaemonSet's name. */
export function daemonSetArg(args: readonly string[]): string {
  const [first, second] = args;
  if (first === undefined) throw new CliError('you must specify a resource: ds/NAME');
  const [type, name] = first.includes('/') ? [first.slice(0, first.indexOf('/')), first.slice(first.indexOf('/') + 1)] : [first, second];
  const info = resolveKind(type);
  if (info.kind !== 'DaemonSet') throw new CliError(`rollouts are supported for DaemonSets only, not ${info.plural}`);
  if (!name) throw new CliError('you must specify the DaemonSet\'s name: ds/NAME');
  return name;
}

export interface RolloutTarget {
  client: ApiClient;
  namespace: string;
  name: string;
}

export function getDaemonSet(t: RolloutTarget): Promise<KubeObject> {
  return getObject(t.client, kind('DaemonSet'), t.namespace, t.name);
}

export function fleetViewOf(ds: KubeObject): FleetView | undefined {
  return parseFleetView(ds.metadata.annotations?.[ROLLOUT_STATUS_ANNOTATION]);
}

export interface Revision {
  revision: number;
  name: string;
  data: unknown;
  changeCause?: string;
}

/** The ControllerRevisions the DaemonSet controls, oldest first. */
export async function revisionsOf(t: RolloutTarget, ds: KubeObject): Promise<Revision[]> {
  const { items } = await listObjects(t.client, kind('ControllerRevision'), t.namespace);
  const uid = ds.metadata.uid;
  return items
    .filter((r) => (r.metadata.ownerReferences ?? []).some((o) => o.controller === true && o.uid === uid))
    .map((r): Revision => {
      const out: Revision = { revision: typeof r['revision'] === 'number' ? r['revision'] : 0, name: r.metadata.name ?? '', data: r['data'] };
      const cause = r.metadata.annotations?.['kubernetes.io/change-cause'];
      if (cause !== undefined) out.changeCause = cause;
      return out;
    })
    .sort((a, b) => a.revision - b.revision);
}

const templateOf = (data: unknown): unknown => {
  const spec = isRecord(data) ? data['spec'] : undefined;
  return isRecord(spec) ? spec['template'] : undefined;
};

/** Rolls back to revision `to` (0: the one before the current); returns kubectl's message. */
export async function undo(t: RolloutTarget, to: number): Promise<string> {
  const ds = await getDaemonSet(t);
  const revisions = await revisionsOf(t, ds);
  const current = revisions.at(-1);
  const target = to === 0 ? revisions.at(-2) : revisions.find((r) => r.revision === to);
  if (!target) throw new CliError(to === 0 ? 'no rollout history found for daemonset.apps/' + t.name : `unable to find specified revision ${to} in history`);
  if (target === current) return `daemonset.apps/${t.name} skipped rollback (current template already matches revision ${target.revision})`;
  if (!isRecord(templateOf(target.data))) throw new CliError(`revision ${target.revision} holds no pod template`);
  await t.client.request({
    method: 'PATCH', path: resourcePath(kind('DaemonSet'), t.namespace, t.name), body: target.data,
    contentType: 'application/strategic-merge-patch+json',
  });
  return `daemonset.apps/${t.name} rolled back`;
}

async function patchDaemonSet(t: RolloutTarget, patch: unknown): Promise<void> {
  await t.client.request({ method: 'PATCH', path: resourcePath(kind('DaemonSet'), t.namespace, t.name), body: patch, contentType: 'application/merge-patch+json' });
}

export async function setPaused(t: RolloutTarget, paused: boolean): Promise<string> {
  const ds = await getDaemonSet(t);
  const was = ds.metadata.annotations?.[ROLLOUT_PAUSED_ANNOTATION] === 'true';
  if (was === paused) return `daemonset.apps/${t.name} ${paused ? 'already paused' : 'is not paused'}`;
  await patchDaemonSet(t, { metadata: { annotations: { [ROLLOUT_PAUSED_ANNOTATION]: paused ? 'true' : null } } });
  return `daemonset.apps/${t.name} ${paused ? 'paused' : 'resumed'}`;
}

export async function restart(t: RolloutTarget, now: Date): Promise<string> {
  await patchDaemonSet(t, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': now.toISOString().replace(/\.\d+Z$/, 'Z') } } } } });
  return `daemonset.apps/${t.name} restarted`;
}

/** Releases the stage waiting for promotion in the current revision. */
export async function promote(t: RolloutTarget): Promise<string> {
  const view = fleetViewOf(await getDaemonSet(t));
  const stage = view?.awaitingPromotion;
  const index = view?.stages.findIndex((s) => s.name === stage) ?? -1;
  if (!view || stage === undefined || index < 0) throw new CliError(`daemonset.apps/${t.name} has no stage waiting for promotion`);
  await patchDaemonSet(t, { metadata: { annotations: { [PROMOTED_STAGE_ANNOTATION]: `${view.revision}:${index}` } } });
  return `daemonset.apps/${t.name} promoted: stage ${stage} released`;
}

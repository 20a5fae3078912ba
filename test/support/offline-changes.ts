/**
 * Fault scenario 1, shared by its test and its benchmark: while a device is offline (and the hub
 * shows it unreachable) a DaemonSet running on it is updated twice, a ConfigMap its pods mount
 * changes, and another DaemonSet is deleted. On reconnect the device must run exactly the last
 * revision with the latest file, never start the one in between, and keep nothing of the
 * deleted DaemonSet.
 */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import { isRecord } from '../../shared/util/guards.js';
import { create, getNode, type FaultFleet } from './fault-fleet.js';
import { TEST_IMAGE } from './env.js';
import { until } from './wait.js';
import { hubPods, worldDiff } from './world.js';

export const CONFIG_PATH = '/etc/cfg/greeting';
const DS_PATH = '/apis/apps/v1/namespaces/default/daemonsets';
const CM_PATH = '/api/v1/namespaces/default/configmaps';

export interface OfflineChanges {
  /** The DaemonSet updated while offline. */
  app: string;
  /** Its last revision (the REV env of its template): the only one that may run. */
  latest: string;
  /** Revisions it went through while offline: never started on the device. */
  intermediate: string[];
  /** The DaemonSet deleted while offline. */
  deleted: string;
  /** Its pod on the device before the outage: its containers must be gone. */
  deletedPod: string;
  /** The ConfigMap's last content, as the mounted file must read. */
  content: string;
  /** When the hub had shown the device unreachable (seconds after its last container start). */
  offlineAt: Date;
}

const cm = (name: string, greeting: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { greeting } });

/** A DaemonSet on `node` only, its container mounting ConfigMap `configMap`, revision `rev` in its env. */
function daemonSet(name: string, node: string, rev: string, configMap?: string): KubeObject {
  const container: Record<string, unknown> = { name: 'main', image: TEST_IMAGE, command: ['sh', '-c', 'exec sleep 3600'], env: [{ name: 'REV', value: rev }] };
  const spec: Record<string, unknown> = { nodeSelector: { 'kubernetes.io/hostname': node }, terminationGracePeriodSeconds: 1, containers: [container] };
  if (configMap !== undefined) {
    container['volumeMounts'] = [{ name: 'cfg', mountPath: '/etc/cfg' }];
    spec['volumes'] = [{ name: 'cfg', configMap: { name: configMap } }];
  }
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } }, template: { metadata: { labels: { app: name } }, spec } },
  };
}

/** The REV env of a pod's first container. */
export function podRevision(p: KubeObject): string | undefined {
  const c = isRecord(p['spec']) && Array.isArray(p['spec']['containers']) ? (p['spec']['containers'] as unknown[])[0] : undefined;
  const env = isRecord(c) && Array.isArray(c['env']) ? (c['env'] as unknown[]) : [];
  const rev = env.find((e) => isRecord(e) && e['name'] === 'REV');
  return isRecord(rev) && typeof rev['value'] === 'string' ? rev['value'] : undefined;
}

const ownerOf = (p: KubeObject): string | undefined => p.metadata.ownerReferences?.[0]?.name;

/** `node`'s pods of DaemonSet `ds` on the hub. */
async function dsPods(fleet: FaultFleet, node: string, ds: string): Promise<KubeObject[]> {
  return (await hubPods(fleet.api, node)).filter((p) => ownerOf(p) === ds);
}

function nodeUnreachable(n: KubeObject | undefined): boolean {
  const conds = (n?.['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'Unknown');
}

/**
 * Before the outage: DaemonSet `PREFIX-other` and `PREFIX-app` at revision r1 (mounting the
 * ConfigMap at its first content) run on the device.
 */
export async function prepareOffline(fleet: FaultFleet, node: string, prefix: string): Promise<void> {
  await create(fleet.api, CM_PATH, cm(`${prefix}-cfg`, 'v1'));
  await create(fleet.api, DS_PATH, daemonSet(`${prefix}-other`, node, 'r1'));
  await create(fleet.api, DS_PATH, daemonSet(`${prefix}-app`, node, 'r1', `${prefix}-cfg`));
  await until('both DaemonSets to place a pod on the device', async () => {
    const owners = (await hubPods(fleet.api, node)).map(ownerOf);
    return owners.includes(`${prefix}-app`) && owners.includes(`${prefix}-other`);
  }, 30_000, 250);
}

/**
 * Cuts the device's link, waits until the hub shows it unreachable (so the rollout defers it,
 * as it does any device that is away), then makes the writes. Returns what must hold after.
 */
export async function changeWhileOffline(fleet: FaultFleet, node: string, prefix: string): Promise<OfflineChanges> {
  const [app, other, cfg] = [`${prefix}-app`, `${prefix}-other`, `${prefix}-cfg`];
  const [deletedPod] = (await dsPods(fleet, node, other)).map((p) => p.metadata.name ?? '');
  assert.ok(deletedPod !== undefined, `no pod of ${other} on ${node}`);
  fleet.agent(node).relay.setLink(false);
  await until('the hub to show the device unreachable', async () => nodeUnreachable(await getNode(fleet.api, node)), 30_000, 250);
  const offlineAt = new Date();
  const put = async (path: string, body: KubeObject): Promise<void> => {
    const r = await fleet.api(path, { method: 'PUT', body });
    assert.equal(r.status, 200, `PUT ${path}: ${r.text}`);
  };
  await put(`${DS_PATH}/${app}`, daemonSet(app, node, 'r2', cfg));
  await put(`${CM_PATH}/${cfg}`, cm(cfg, 'v2'));
  await put(`${DS_PATH}/${app}`, daemonSet(app, node, 'r3', cfg));
  await put(`${CM_PATH}/${cfg}`, cm(cfg, 'v3'));
  const r = await fleet.api(`${DS_PATH}/${other}`, { method: 'DELETE' });
  assert.ok(r.status === 200 || r.status === 202, `DELETE ${other}: ${r.status} ${r.text}`);
  return { app, latest: 'r3', intermediate: ['r2'], deleted: other, deletedPod, content: 'v3', offlineAt };
}

/**
 * After the link is back: waits until the hub holds exactly one pod on the device, of the latest
 * revision, and Docker agrees with the hub (the rollout has reached the device and it converged).
 */
export async function reconverged(fleet: FaultFleet, node: string, want: OfflineChanges, ms: number): Promise<KubeObject> {
  let latest: KubeObject | undefined;
  let diff: string[] = [];
  await until('the device to run only the latest revision, as the hub shows', async () => {
    const pods = await hubPods(fleet.api, node);
    const only = pods.length === 1 ? pods[0] : undefined;
    if (!only || ownerOf(only) !== want.app || podRevision(only) !== want.latest || only.metadata.deletionTimestamp) return false;
    diff = await worldDiff(fleet.api, [node]);
    latest = only;
    return diff.length === 0;
  }, ms, 100).catch((e: unknown) => {
    throw new Error(`${e instanceof Error ? e.message : String(e)}; still differs: ${diff.join('; ')}`, { cause: e });
  });
  assert.ok(latest);
  return latest;
}

/** Removes what prepareOffline made (the app DaemonSet cascades to its pod). */
export async function cleanUpOffline(fleet: FaultFleet, prefix: string): Promise<void> {
  await fleet.api(`${DS_PATH}/${prefix}-app`, { method: 'DELETE' });
  await fleet.api(`${CM_PATH}/${prefix}-cfg`, { method: 'DELETE' });
}

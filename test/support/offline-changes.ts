/**
 * Fault scenario 1, shared by its test and its benchmark: while a device is offline its
 * workload is created and replaced twice (a new pod per revision, as a DaemonSet rollout
 * does), a ConfigMap the workload mounts changes, and another workload is deleted. On
 * reconnect the device must run exactly the last revision with the latest file, and nothing
 * of the rest.
 */
import assert from 'node:assert/strict';
import { boundPod, create, deletePod, type FaultFleet } from './fault-fleet.js';
import { sleep } from './wait.js';

export const CONFIG_PATH = '/etc/cfg/greeting';

export interface OfflineChanges {
  /** The pod of the last revision: the only one that may run. */
  latest: string;
  /** Pods of earlier revisions: never started on the device. */
  intermediate: string[];
  /** The workload deleted while offline: its containers must be gone. */
  deleted: string;
  /** The ConfigMap's last content, as the mounted file must read. */
  content: string;
}

const cm = (name: string, greeting: string): { apiVersion: string; kind: string; metadata: { name: string }; data: Record<string, string> } => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { greeting },
});

/** Before the outage: the workload to be deleted runs, the ConfigMap holds its first content. */
export async function prepareOffline(fleet: FaultFleet, node: string, prefix: string): Promise<void> {
  await create(fleet.api, '/api/v1/namespaces/default/configmaps', cm(`${prefix}-cfg`, 'v1'));
  await create(fleet.api, '/api/v1/namespaces/default/pods', boundPod(`${prefix}-other`, node));
}

/** The writes made while the device is away (the link must already be down). */
export async function changeWhileOffline(fleet: FaultFleet, node: string, prefix: string): Promise<OfflineChanges> {
  const revs = [1, 2, 3].map((r) => `${prefix}-app-r${r}`);
  const app = (name: string): ReturnType<typeof boundPod> => boundPod(name, node, { configMap: `${prefix}-cfg`, labels: { app: `${prefix}-app` } });
  for (const [i, name] of revs.entries()) {
    const previous = revs[i - 1];
    if (previous !== undefined) await deletePod(fleet.api, previous);
    await create(fleet.api, '/api/v1/namespaces/default/pods', app(name));
    if (i === 1) {
      const r = await fleet.api(`/api/v1/namespaces/default/configmaps/${prefix}-cfg`, { method: 'PUT', body: cm(`${prefix}-cfg`, 'v2') });
      assert.equal(r.status, 200, r.text);
    }
    await sleep(300);
  }
  const r = await fleet.api(`/api/v1/namespaces/default/configmaps/${prefix}-cfg`, { method: 'PUT', body: cm(`${prefix}-cfg`, 'v3') });
  assert.equal(r.status, 200, r.text);
  await deletePod(fleet.api, `${prefix}-other`);
  return { latest: revs[2] ?? '', intermediate: revs.slice(0, 2), deleted: `${prefix}-other`, content: 'v3' };
}

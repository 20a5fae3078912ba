/** Keeps `kube-system/flotilla-hub-info` (shared/api/hub-info.ts) current at every start. */
import { hubInfoConfigMap, HUB_INFO_NAME, type HubInfo } from '../../shared/api/hub-info.js';
import { FLEET_NAMESPACE } from '../../shared/api/fleet-secrets.js';
import type { InternalClient } from '../apiserver/internal-client.js';

export async function publishHubInfo(client: InternalClient, info: HubInfo): Promise<void> {
  const want = hubInfoConfigMap(info);
  const existing = await client.get('ConfigMap', FLEET_NAMESPACE, HUB_INFO_NAME);
  if (!existing) {
    await client.create('ConfigMap', want);
    return;
  }
  if (JSON.stringify(existing['data']) === JSON.stringify(want['data'])) return;
  await client.update('ConfigMap', { ...existing, data: want['data'] });
}

/**
 * A fleet rollout's wall time: a DaemonSet on three real agents (dist/, same Docker engine)
 * changes image (both tags present locally); timed from the PATCH until every pod runs the new
 * revision and is Ready, with maxUnavailable 1 (one device at a time) and 100% (all at once).
 * Next to it, in the same run, the same work done directly with Docker: replace three
 * containers (remove the old, create + start the new), one after the other and all at once.
 */
import { createDockerEngine } from '../../agent/engine/docker-engine.js';
import type { ContainerEngine } from '../../agent/engine/types.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { isRecord } from '../../shared/util/guards.js';
import { silentLogger } from '../../shared/util/logger.js';
import { TEST_IMAGE, TEST_IMAGE_LATEST } from '../support/env.js';
import { startFleet } from '../support/fleet.js';
import { endpoint, startHub } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { until } from '../support/wait.js';

const NODES = ['bench-ds-a', 'bench-ds-b', 'bench-ds-c'];
const DS = 'bench-relay';
const PATH = `/apis/apps/v1/namespaces/default/daemonsets/${DS}`;

export interface RolloutBenchResult {
  devices: number;
  rolloutOneAtATimeMs: number;
  rolloutAllAtOnceMs: number;
  dockerOneAtATimeMs: number;
  dockerAllAtOnceMs: number;
}

async function replaceDirectly(engine: ContainerEngine, ids: string[], image: string, parallel: boolean, round: number): Promise<string[]> {
  const replace = async (id: string, i: number): Promise<string> => {
    await engine.removeContainer(id);
    const next = await engine.createContainer({
      name: `flotilla-bench-ds-${process.pid}-${round}-${i}`, labels: {}, image, cmd: ['sleep', '3600'],
      env: [], mounts: [], ports: [], networkMode: 'host', privileged: false,
    });
    await engine.startContainer(next);
    return next;
  };
  if (parallel) return Promise.all(ids.map(replace));
  const out: string[] = [];
  for (const [i, id] of ids.entries()) out.push(await replace(id, i));
  return out;
}

async function directBaseline(engine: ContainerEngine): Promise<{ one: number; all: number }> {
  let ids: string[] = [];
  for (let i = 0; i < NODES.length; i++) {
    const id = await engine.createContainer({ name: `flotilla-bench-ds-${process.pid}-init-${i}`, labels: {}, image: TEST_IMAGE, cmd: ['sleep', '3600'], env: [], mounts: [], ports: [], networkMode: 'host', privileged: false });
    await engine.startContainer(id);
    ids.push(id);
  }
  let t0 = Date.now();
  ids = await replaceDirectly(engine, ids, TEST_IMAGE_LATEST, false, 1);
  const one = Date.now() - t0;
  t0 = Date.now();
  ids = await replaceDirectly(engine, ids, TEST_IMAGE, true, 2);
  const all = Date.now() - t0;
  for (const id of ids) await engine.removeContainer(id);
  return { one, all };
}

const ready = (p: KubeObject): boolean => {
  const st = isRecord(p['status']) ? p['status'] : {};
  return Array.isArray(st['conditions']) && (st['conditions'] as unknown[]).some((c) => isRecord(c) && c['type'] === 'Ready' && c['status'] === 'True');
};

async function rolledOut(api: Api, image: string): Promise<boolean> {
  const pods = (await api<{ items: KubeObject[] }>(`/api/v1/namespaces/default/pods?labelSelector=app%3D${DS}`)).body.items.filter((p) => !p.metadata.deletionTimestamp);
  return pods.length === NODES.length && pods.every((p) => ready(p) && JSON.stringify(p['spec']).includes(`"image":"${image}"`));
}

async function timeRollout(api: Api, image: string, maxUnavailable: number | string): Promise<number> {
  const t0 = Date.now();
  const patch = { spec: { updateStrategy: { rollingUpdate: { maxUnavailable } }, template: { spec: { containers: [{ name: 'main', image, command: ['sleep', '3600'] }] } } } };
  await api(PATH, { method: 'PATCH', body: patch, contentType: 'application/merge-patch+json' });
  await until('rollout done', () => rolledOut(api, image), 120_000, 50);
  return Date.now() - t0;
}

export async function benchDaemonSetRollout(): Promise<RolloutBenchResult> {
  const engine = createDockerEngine({ socketPath: '/var/run/docker.sock', logger: silentLogger });
  for (const image of [TEST_IMAGE, TEST_IMAGE_LATEST]) await engine.pullImage(image, {});
  const direct = await directBaseline(engine);

  const hub = await startHub({ extraArgs: ['--node-monitor-grace-period', '10s', '--node-monitor-period', '1s'] });
  const api = apiClient(endpoint(hub));
  const fleet = await startFleet(hub, NODES);
  try {
    for (const n of NODES) await until(`${n} registered`, async () => (await api(`/api/v1/nodes/${n}`)).status === 200, 60_000);
    const ds = {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: DS },
      spec: {
        selector: { matchLabels: { app: DS } },
        template: { metadata: { labels: { app: DS } }, spec: { hostNetwork: true, terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: TEST_IMAGE, command: ['sleep', '3600'] }] } },
      },
    };
    await api('/apis/apps/v1/namespaces/default/daemonsets', { method: 'POST', body: ds });
    await until('first revision running', () => rolledOut(api, TEST_IMAGE), 120_000);
    const rolloutOneAtATimeMs = await timeRollout(api, TEST_IMAGE_LATEST, 1);
    const rolloutAllAtOnceMs = await timeRollout(api, TEST_IMAGE, '100%');
    return { devices: NODES.length, rolloutOneAtATimeMs, rolloutAllAtOnceMs, dockerOneAtATimeMs: direct.one, dockerAllAtOnceMs: direct.all };
  } finally {
    await fleet.dispose([`${DS}-`]);
    await hub.dispose();
  }
}

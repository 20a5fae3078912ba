/**
 * DaemonSets and fleet rollouts for real: a hub (short grace period) and four real agent
 * processes on the real Docker engine. Placement by label and taint; a label added places a
 * pod; an image change rolls out within maxUnavailable at every sampled moment; a broken image
 * halts within the failure budget while the untouched devices keep their containers, and
 * `rollout undo` restores; an agent stopped during an update is skipped and gets the latest
 * revision when it is back; kubectl's rollout verbs work; `--cascade=orphan` leaves the pods.
 * Needs `npm run build` (the agents run from dist/).
 */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import { isRecord } from '../../shared/util/guards.js';
import { BROKEN_IMAGE as BROKEN, containerIds, daemonSetDriver, imageOf, isReady, nodeOf, relayDaemonSet, type DaemonSetDriver } from '../support/daemonset-e2e.js';
import { dockerAvailable, registryAvailable, requireService, TEST_IMAGE, TEST_IMAGE_LATEST } from '../support/env.js';
import { startFleet, type Fleet } from '../support/fleet.js';
import { endpoint, startHub, tsEntry, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { run } from '../support/run.js';
import { sleep, until } from '../support/wait.js';

const DS = 'e2e-relay';
const [A, B, C, D] = ['ds-e2e-a', 'ds-e2e-b', 'ds-e2e-c', 'ds-e2e-d'] as const;
const LABEL = 'ds-e2e/role';
const DS_PATH = `/apis/apps/v1/namespaces/default/daemonsets/${DS}`;

describe('DaemonSet fleet rollout with four real agents', function () {
  this.timeout(60_000);
  let hub: HubHandle;
  let api: Api;
  let fleet: Fleet | undefined;

  const cli = async (bin: 'kubectl' | 'flotctl', ...args: string[]): Promise<{ code: number; out: string }> => {
    const { cmd, args: pre } = bin === 'kubectl' ? { cmd: 'kubectl', args: [] } : tsEntry('server/flotctl/main.ts');
    const r = await run(cmd, [...pre, '--kubeconfig', hub.kubeconfig, ...args]);
    return { code: r.code ?? 1, out: `${r.stdout}${r.stderr}` };
  };
  const ok = async (bin: 'kubectl' | 'flotctl', ...args: string[]): Promise<string> => {
    const r = await cli(bin, ...args);
    assert.equal(r.code, 0, r.out);
    return r.out;
  };
  let driver: DaemonSetDriver;
  const pods = (): Promise<KubeObject[]> => driver.live();
  const ds = (): Promise<KubeObject> => driver.get();
  const setImage = (image: string): Promise<void> => driver.setImage(image);
  const settledOn = (nodes: string[], image: string): Promise<Map<string, KubeObject> | undefined> => driver.settledOn(nodes, image);
  const label = (node: string, value: string | null): Promise<void> => driver.label(node, LABEL, value);

  before(async function () {
    this.timeout(120_000);
    await requireService('docker', dockerAvailable, this);
    await requireService('registry', registryAvailable, this);
    hub = await startHub({ extraArgs: ['--node-monitor-grace-period', '4s', '--node-monitor-period', '1s'] });
    api = apiClient(endpoint(hub));
    driver = daemonSetDriver(api, DS);
    fleet = await startFleet(hub, [A, B, C, D]);
    for (const n of [A, B, C, D]) {
      await until(`${n} Ready`, async () => {
        const r = await api<KubeObject>(`/api/v1/nodes/${n}`);
        const st = r.status === 200 && isRecord(r.body['status']) ? r.body['status'] : {};
        return Array.isArray(st['conditions']) && (st['conditions'] as unknown[]).some((c) => isRecord(c) && c['type'] === 'Ready' && c['status'] === 'True');
      }, 60_000);
    }
    for (const n of [A, B, C]) await label(n, 'relay');
    const taint = await api(`/api/v1/nodes/${C}`, { method: 'PATCH', body: { spec: { taints: [{ key: 'ds-e2e/dedicated', value: 'other', effect: 'NoSchedule' }] } }, contentType: 'application/merge-patch+json' });
    assert.equal(taint.status, 200);
  });
  after(async function () {
    this.timeout(60_000);
    await fleet?.dispose([`${DS}-`]);
    await hub?.dispose();
  });

  it('runs one pod per eligible device: none without the label, none on an untolerated taint', async () => {
    const manifest = relayDaemonSet(DS, LABEL, TEST_IMAGE, { 'flotilla.io/progress-deadline': '8s', 'flotilla.io/failure-budget': '0' });
    const r = await api('/apis/apps/v1/namespaces/default/daemonsets', { method: 'POST', body: manifest });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const placed = await until('pods Ready on A and B', () => settledOn([A, B], TEST_IMAGE), 45_000);
    assert.deepEqual([...placed.keys()].sort(), [A, B]);
    for (const p of placed.values()) assert.equal((await containerIds(p.metadata.name ?? '')).length > 0, true, 'containers run on Docker');
  });

  it('a device that gets the label gets a pod', async () => {
    await label(D, 'relay');
    await until('pod Ready on D', () => settledOn([A, B, D], TEST_IMAGE), 45_000);
  });

  it('rolls an image change out without exceeding maxUnavailable at any sampled moment', async () => {
    let maxUnavailable = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const live = (await pods()).filter((p) => !p.metadata.deletionTimestamp && isReady(p));
        const available = new Set(live.map(nodeOf));
        maxUnavailable = Math.max(maxUnavailable, [A, B, D].filter((n) => !available.has(n)).length);
        await sleep(150);
      }
    })();
    await setImage(TEST_IMAGE_LATEST);
    await until('all on :latest', () => settledOn([A, B, D], TEST_IMAGE_LATEST), 60_000);
    sampling = false;
    await sampler;
    assert.ok(maxUnavailable <= 1, `at most 1 device unavailable at a time, saw ${maxUnavailable}`);
    assert.match(await ok('flotctl', 'rollout', 'status', `ds/${DS}`, '--timeout', '30s'), /successfully rolled out: 3 updated/);
  });

  it('halts a broken image within the failure budget; untouched devices keep their containers; undo restores', async () => {
    const before = await until('settled', () => settledOn([A, B, D], TEST_IMAGE_LATEST));
    const ids = new Map<string, string[]>();
    for (const [n, p] of before) ids.set(n, await containerIds(p.metadata.name ?? ''));
    await setImage(BROKEN);
    const halted = await until('Halted condition', async () => {
      const d = await ds();
      const conds = isRecord(d['status']) && Array.isArray(d['status']['conditions']) ? (d['status']['conditions'] as unknown[]) : [];
      return conds.find((c) => isRecord(c) && c['type'] === 'Halted' && c['status'] === 'True');
    }, 45_000);
    assert.ok(isRecord(halted) && typeof halted['message'] === 'string' && halted['message'].includes(A), 'the condition names the failing device');
    await sleep(3000);
    const now = (await pods()).filter((p) => !p.metadata.deletionTimestamp);
    assert.equal(now.filter((p) => imageOf(p) === BROKEN).length, 1, 'only one device was touched');
    for (const n of [B, D]) {
      const p = now.find((x) => nodeOf(x) === n);
      assert.ok(p && imageOf(p) === TEST_IMAGE_LATEST, `${n} keeps the old revision`);
      assert.deepEqual(await containerIds(p.metadata.name ?? ''), ids.get(n), `${n} keeps the same containers`);
    }
    const status = await cli('flotctl', 'rollout', 'status', `ds/${DS}`, '--timeout', '10s');
    assert.notEqual(status.code, 0);
    assert.match(status.out, /halted/);
    const events = (await api<{ items: KubeObject[] }>('/api/v1/namespaces/default/events')).body.items;
    assert.ok(events.some((e) => e['reason'] === 'RolloutHalted' && isRecord(e['involvedObject']) && e['involvedObject']['name'] === DS));

    assert.match(await ok('flotctl', 'rollout', 'undo', `ds/${DS}`), /rolled back/);
    const restored = await until('undo restores :latest everywhere', () => settledOn([A, B, D], TEST_IMAGE_LATEST), 45_000);
    for (const n of [B, D]) assert.deepEqual(await containerIds(restored.get(n)?.metadata.name ?? ''), ids.get(n), `${n} was never touched`);
  });

  it('skips a stopped device, completes for the others, and updates it when it is back', async () => {
    await fleet?.kill(B);
    await until('B unreachable', async () => {
      const r = await api<KubeObject>(`/api/v1/nodes/${B}`);
      const taints = isRecord(r.body['spec']) && Array.isArray(r.body['spec']['taints']) ? (r.body['spec']['taints'] as unknown[]) : [];
      return taints.some((t) => isRecord(t) && t['key'] === 'node.kubernetes.io/unreachable');
    }, 30_000);
    await setImage(TEST_IMAGE);
    const status = await ok('flotctl', 'rollout', 'status', `ds/${DS}`, '--timeout', '45s');
    assert.match(status, /successfully rolled out: 2 updated, 1 waiting for offline devices/);
    const onB = (await pods()).find((p) => nodeOf(p) === B);
    assert.equal(onB && imageOf(onB), TEST_IMAGE_LATEST, 'the offline device was not touched');

    fleet?.start(B);
    await until('B back on the latest revision', () => settledOn([A, B, D], TEST_IMAGE), 60_000);
    assert.match(await ok('flotctl', 'rollout', 'status', `ds/${DS}`, '--timeout', '30s'), /successfully rolled out: 3 updated$/m);
  });

  it('kubectl rollout status, history and restart work against the hub', async () => {
    assert.match(await ok('kubectl', 'rollout', 'status', `ds/${DS}`, '--timeout', '30s'), /successfully rolled out/);
    const history = await ok('kubectl', 'rollout', 'history', `ds/${DS}`);
    assert.match(history, /REVISION\s+CHANGE-CAUSE/);
    assert.ok(history.trim().split('\n').length >= 4, history);
    assert.match(await ok('kubectl', 'rollout', 'restart', `ds/${DS}`), /restarted/);
    await until('restart rolled out', async () => {
      const d = await ds();
      const st = isRecord(d['status']) ? d['status'] : {};
      return st['observedGeneration'] === d.metadata.generation && st['updatedNumberScheduled'] === 3 && st['numberAvailable'] === 3;
    }, 60_000);
    assert.match(await ok('kubectl', 'rollout', 'status', `ds/${DS}`, '--timeout', '30s'), /successfully rolled out/);
  });

  it('kubectl delete --cascade=orphan leaves the pods running', async () => {
    const before = await until('settled', () => settledOn([A, B, D], TEST_IMAGE));
    await ok('kubectl', 'delete', 'ds', DS, '--cascade=orphan');
    await until('DaemonSet gone', async () => (await api(DS_PATH)).status === 404);
    await sleep(2000);
    const after = (await pods()).filter((p) => !p.metadata.deletionTimestamp);
    assert.deepEqual(after.map((p) => p.metadata.name).sort(), [...before.values()].map((p) => p.metadata.name).sort());
    for (const p of after) {
      assert.deepEqual(p.metadata.ownerReferences ?? [], []);
      assert.ok((await containerIds(p.metadata.name ?? '')).length > 0, 'still running on Docker');
    }
    await ok('kubectl', 'delete', 'pods', '-l', `app=${DS}`, '--grace-period=1', '--wait=false');
  });
});

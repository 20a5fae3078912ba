/**
 * Staged fleet rollouts for real: a hub and three real agents on the real Docker engine, one
 * DaemonSet taken through a canary stage held for `flotctl rollout promote`, a pause and a
 * resume, a broken image that halts — while halted, a device that joins gets the last good
 * revision, not the halted one — and `kubectl rollout undo` back to the previous revision.
 * Needs `npm run build` (the agents run from dist/).
 */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import { BROKEN_IMAGE, conditionOf, containerIds, daemonSetDriver, imageOf, nodeOf, relayDaemonSet, type DaemonSetDriver } from '../support/daemonset-e2e.js';
import { dockerAvailable, registryAvailable, requireService, TEST_IMAGE, TEST_IMAGE_LATEST } from '../support/env.js';
import { startFleet, type Fleet } from '../support/fleet.js';
import { kubectlAvailable } from '../support/flotctl.js';
import { endpoint, startHub, tsEntry, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { run } from '../support/run.js';
import { sleep, until } from '../support/wait.js';

const DS = 'e2e-staged';
const [A, B, C] = ['ds-st-a', 'ds-st-b', 'ds-st-c'] as const;
const LABEL = 'ds-st/role';
const PROGRESSING = 'Progressing';

describe('DaemonSet staged rollouts, pause and undo with three real agents', function () {
  this.timeout(90_000);
  let hub: HubHandle;
  let api: Api;
  let ds: DaemonSetDriver;
  let fleet: Fleet | undefined;

  const cli = async (bin: 'kubectl' | 'flotctl', ...args: string[]): Promise<string> => {
    const { cmd, args: pre } = bin === 'kubectl' ? { cmd: 'kubectl', args: [] } : tsEntry('server/flotctl/main.ts');
    const r = await run(cmd, [...pre, '--kubeconfig', hub.kubeconfig, ...args]);
    assert.equal(r.code, 0, `${bin} ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const progressing = async (): Promise<string> => {
    const reason = conditionOf(await ds.get(), PROGRESSING)?.['reason'];
    return typeof reason === 'string' ? reason : '';
  };
  /** Pod names by node, for "nothing was touched" checks. */
  const podNames = async (): Promise<Record<string, string>> => Object.fromEntries((await ds.live()).map((p) => [nodeOf(p), p.metadata.name ?? '']));

  before(async function () {
    this.timeout(120_000);
    await requireService('docker', dockerAvailable, this);
    await requireService('registry', registryAvailable, this);
    await requireService('kubectl', kubectlAvailable, this);
    hub = await startHub({ extraArgs: ['--node-monitor-grace-period', '4s', '--node-monitor-period', '1s'] });
    api = apiClient(endpoint(hub));
    ds = daemonSetDriver(api, DS);
    fleet = await startFleet(hub, [A, B, C]);
    for (const n of [A, B, C]) {
      await until(`${n} registered`, async () => ((await api(`/api/v1/nodes/${n}`)).status === 200 ? true : undefined), 60_000);
      await ds.label(n, LABEL, 'relay');
    }
    const manifest = relayDaemonSet(DS, LABEL, TEST_IMAGE, { 'flotilla.io/canary-size': '1', 'flotilla.io/promotion': 'manual' });
    const r = await api('/apis/apps/v1/namespaces/default/daemonsets', { method: 'POST', body: manifest });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await until('one Ready pod per device', () => ds.settledOn([A, B, C], TEST_IMAGE), 60_000);
  });
  after(async function () {
    this.timeout(60_000);
    await fleet?.dispose([`${DS}-`]);
    await hub?.dispose();
  });

  it('canary → promote: only the canary device updates until `flotctl rollout promote` releases the rest', async () => {
    const before = await podNames();
    await ds.setImage(TEST_IMAGE_LATEST);
    await until('the canary updated and the rollout awaiting promotion', async () => {
      const canary = (await ds.live()).find((p) => nodeOf(p) === A);
      return canary && imageOf(canary) === TEST_IMAGE_LATEST && (await progressing()) === 'AwaitingPromotion' ? true : undefined;
    }, 45_000);
    await sleep(2000);
    const held = await podNames();
    assert.deepEqual([held[B], held[C]], [before[B], before[C]], 'the devices after the canary were not touched');
    const view = JSON.parse((await ds.get()).metadata.annotations?.['flotilla.io/rollout-status'] ?? '{}') as { awaitingPromotion?: string };
    assert.equal(view.awaitingPromotion, 'batch-1');

    assert.match(await cli('flotctl', 'rollout', 'promote', `ds/${DS}`), /promoted: stage batch-1 released/);
    await until('every device on the new image', () => ds.settledOn([A, B, C], TEST_IMAGE_LATEST), 60_000);
    assert.match(await cli('kubectl', 'rollout', 'status', `ds/${DS}`, '--timeout', '30s'), /successfully rolled out/);
  });

  it('pause holds an image change on every device; resume rolls it out', async () => {
    await ds.patch({ metadata: { annotations: { 'flotilla.io/canary-size': null, 'flotilla.io/promotion': null } } });
    assert.match(await cli('flotctl', 'rollout', 'pause', `ds/${DS}`), /paused/);
    const before = await podNames();
    await ds.setImage(TEST_IMAGE);
    await until('the rollout reported paused', async () => ((await progressing()) === 'RolloutPaused' ? true : undefined), 20_000);
    await sleep(3000);
    assert.deepEqual(await podNames(), before, 'no device was touched while paused');
    assert.ok((await ds.live()).every((p) => imageOf(p) === TEST_IMAGE_LATEST));

    assert.match(await cli('flotctl', 'rollout', 'resume', `ds/${DS}`), /resumed/);
    await until('every device on the new image after resume', () => ds.settledOn([A, B, C], TEST_IMAGE), 60_000);
  });

  it('halted: a device that joins gets the last good revision; `kubectl rollout undo` goes back to the previous revision', async () => {
    await ds.label(C, LABEL, null);
    await until('C left the DaemonSet', () => ds.settledOn([A, B], TEST_IMAGE), 30_000);
    await ds.patch({ metadata: { annotations: { 'flotilla.io/failure-budget': '0', 'flotilla.io/progress-deadline': '8s' } } });
    const kept = (await ds.live()).find((p) => nodeOf(p) === B);
    const keptIds = await containerIds(kept?.metadata.name ?? '');
    await ds.setImage(BROKEN_IMAGE);
    const halted = await until('Halted', async () => {
      const c = conditionOf(await ds.get(), 'Halted');
      return c?.['status'] === 'True' ? c : undefined;
    }, 45_000);
    assert.match(String(halted['message']), new RegExp(A), 'the halt names the failing device');

    await ds.label(C, LABEL, 'relay');
    const joined = await until('C runs a Ready pod', async () => {
      const p = (await ds.live()).find((x) => nodeOf(x) === C);
      return p && conditionOf(p, 'Ready')?.['status'] === 'True' ? p : undefined;
    }, 45_000);
    assert.equal(imageOf(joined), TEST_IMAGE, 'the joining device got the last good revision, not the halted one');
    const onB = (await ds.live()).find((p) => nodeOf(p) === B);
    assert.ok(onB && imageOf(onB) === TEST_IMAGE, 'B was not touched');
    assert.deepEqual(await containerIds(onB.metadata.name ?? ''), keptIds, 'B kept its containers');

    assert.match(await cli('kubectl', 'rollout', 'undo', `daemonset/${DS}`), /rolled back/);
    const d: KubeObject = await ds.get();
    const template = JSON.stringify(d['spec']);
    assert.ok(template.includes(TEST_IMAGE) && !template.includes(BROKEN_IMAGE), 'the template is the previous revision again');
    await until('every device back on the previous revision', () => ds.settledOn([A, B, C], TEST_IMAGE), 60_000);
    assert.equal(conditionOf(await ds.get(), 'Halted')?.['status'] ?? 'False', 'False');
    assert.match(await cli('kubectl', 'rollout', 'status', `ds/${DS}`, '--timeout', '30s'), /successfully rolled out/);
  });
});

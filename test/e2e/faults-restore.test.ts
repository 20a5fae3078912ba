/**
 * Fault scenario 6: the hub is restored from an older copy of its data dir. Its sequence went
 * back, so the device, holding a newer document, refuses the restored hub's: it keeps running
 * what it had (no silent rollback), and the hub says so (Sync Ahead, a DesiredStateAhead
 * event naming the remedy). The operator confirms by starting the hub once with
 * --new-desired-epoch: the device takes the hub's state, and the hub shows it Current.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../shared/api/meta.js';
import { deviceContainers } from '../support/fault-agent.js';
import { boundPod, create, getNode, nodeReady, startFaultFleet, type FaultFleet } from '../support/fault-fleet.js';
import { until } from '../support/wait.js';

const NODE = 'ff-restore';

const annotation = async (fleet: FaultFleet, key: string): Promise<string | undefined> => (await getNode(fleet.api, NODE))?.metadata.annotations?.[key];
const runningPods = async (): Promise<string[]> => [...new Set((await deviceContainers(NODE)).filter((c) => c.state === 'running').map((c) => c.podName))].sort();

describe('faults: hub restored from an older copy of its data dir', function () {
  this.timeout(180_000);
  let fleet: FaultFleet;
  let backup: string;

  before(async function () {
    this.timeout(120_000);
    fleet = await startFaultFleet(this, [NODE]);
    await create(fleet.api, '/api/v1/namespaces/default/pods', boundPod('ffs-kept', NODE));
    await fleet.converged(90_000);
    // The backup: a copy of the data dir of a cleanly stopped hub.
    backup = await mkdtemp(join(tmpdir(), 'flotilla-hub-backup-'));
    await fleet.hub.stop();
    await cp(fleet.hub.dataDir, backup, { recursive: true });
    await fleet.hub.start();
  });
  after(async () => {
    await fleet?.dispose();
    if (backup) await rm(backup, { recursive: true, force: true });
  });

  it('the device keeps its newer state and the hub says so; --new-desired-epoch makes the hub state win', async () => {
    // Life goes on after the backup: a pod added, the device carries it out.
    await create(fleet.api, '/api/v1/namespaces/default/pods', boundPod('ffs-later', NODE));
    await fleet.converged(60_000);
    const applied = await until('the device reports the latest document applied', async () => {
      const [d, a] = [await annotation(fleet, 'flotilla.io/desired-revision'), await annotation(fleet, 'flotilla.io/applied-revision')];
      return d !== undefined && d === a ? a : undefined;
    }, 20_000, 250);

    // Disaster: the hub's disk is lost; the operator restores the copy.
    await fleet.hub.kill9();
    await rm(fleet.hub.dataDir, { recursive: true, force: true });
    await cp(backup, fleet.hub.dataDir, { recursive: true });
    await fleet.hub.start();
    await until('node Ready on the restored hub', async () => nodeReady(await getNode(fleet.api, NODE)), 30_000, 250);
    await until('the hub shows the device ahead of it', async () => {
      const n = await getNode(fleet.api, NODE);
      return n?.metadata.annotations?.['flotilla.io/applied-revision'] === applied ? n : undefined;
    }, 20_000, 250);
    const events = await until('a DesiredStateAhead event naming the remedy', async () => {
      const r = await fleet.api<{ items: KubeObject[] }>('/api/v1/namespaces/default/events');
      const found = r.body.items.filter((e) => e['reason'] === 'DesiredStateAhead');
      return found.length > 0 ? found : undefined;
    }, 20_000, 500);
    assert.match(String(events[0]?.['message']), /--new-desired-epoch/);
    // No silent rollback: the pod the restored hub does not know keeps running.
    assert.deepEqual(await runningPods(), ['ffs-kept', 'ffs-later']);

    // The operator confirms: the hub's state wins.
    await fleet.hub.restart({ extraArgs: ['--new-desired-epoch'] });
    await until('the device runs what the restored hub holds', async () => ((await runningPods()).join() === 'ffs-kept' ? true : undefined), 60_000, 500);
    await fleet.converged(30_000);
    await until('applied = desired, in the new epoch', async () => {
      const [d, a] = [await annotation(fleet, 'flotilla.io/desired-revision'), await annotation(fleet, 'flotilla.io/applied-revision')];
      return d !== undefined && d === a && d.includes('.') ? true : undefined;
    }, 20_000, 250);
  });
});

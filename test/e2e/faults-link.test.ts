/**
 * Fault scenarios on one device's link, against a real hub, real agents and Docker:
 *
 * 1. The device is offline while a DaemonSet on it is updated twice, a ConfigMap its pods mount
 *    changes and another DaemonSet is deleted: the hub shows it Behind; on reconnect it runs
 *    exactly the last revision with the latest file, never started the one in between, and the
 *    deleted DaemonSet's containers are gone.
 * 3. The link flaps (down 2 s, up 3 s) for 30 s while a pod is added: no container restarts
 *    or duplicates; afterwards the device has converged to the hub.
 */
import assert from 'node:assert/strict';
import { containerStarts, deviceContainers, readInContainer } from '../support/fault-agent.js';
import { boundPod, create, startFaultFleet, type FaultFleet } from '../support/fault-fleet.js';
import { flotctl } from '../support/flotctl.js';
import { CONFIG_PATH, changeWhileOffline, prepareOffline, reconverged } from '../support/offline-changes.js';
import { sleep, until } from '../support/wait.js';
import { runningFingerprint } from '../support/world.js';

const OFFLINE = 'ff-link-offline';
const FLAPPY = 'ff-link-flappy';

async function syncColumn(fleet: FaultFleet, node: string): Promise<string | undefined> {
  const out = (await flotctl(fleet.hub, ['get', 'nodes', '-o', 'wide'])).stdout;
  const line = out.split('\n').find((l) => l.startsWith(`${node} `));
  return line?.trim().split(/\s+/).at(-1);
}

describe('faults: a device link that goes away', function () {
  this.timeout(180_000);
  let fleet: FaultFleet;

  before(async function () {
    this.timeout(120_000);
    fleet = await startFaultFleet(this, [OFFLINE, FLAPPY]);
    await prepareOffline(fleet, OFFLINE, 'ffo');
    await create(fleet.api, '/api/v1/namespaces/default/pods', boundPod('ffl-steady', FLAPPY));
    await fleet.converged(90_000);
  });
  after(async () => {
    await fleet?.dispose();
  });

  it('1: offline through a DaemonSet rollout, a ConfigMap change and a DaemonSet delete → runs exactly the latest on reconnect', async function () {
    await until('the hub shows the device Current', async () => (await syncColumn(fleet, OFFLINE)) === 'Current', 30_000, 500);
    const want = await changeWhileOffline(fleet, OFFLINE, 'ffo');
    await until('the hub shows the device Behind', async () => (await syncColumn(fleet, OFFLINE)) === 'Behind', 20_000, 500);
    // Still running what it had: the DaemonSet deleted on the hub keeps running while offline.
    assert.ok((await deviceContainers(OFFLINE)).some((c) => c.podName === want.deletedPod && c.state === 'running'));

    fleet.agent(OFFLINE).relay.setLink(true);
    const latest = await reconverged(fleet, OFFLINE, want, 60_000);
    const running = (await deviceContainers(OFFLINE)).filter((c) => c.state === 'running');
    assert.deepEqual([...new Set(running.map((c) => c.podName))], [latest.metadata.name], `exactly the ${want.latest} pod runs`);
    assert.deepEqual((await deviceContainers(OFFLINE)).filter((c) => c.podName === want.deletedPod), [], "the deleted DaemonSet's containers are gone");
    const started = new Set((await containerStarts(OFFLINE, want.offlineAt)).map((s) => s.podName));
    assert.deepEqual([...started], [latest.metadata.name], `only the ${want.latest} pod started since the outage (${want.intermediate.join(', ')} never)`);
    const main = running.find((c) => c.container === 'main');
    assert.ok(main);
    assert.equal(await readInContainer(main.id, CONFIG_PATH), want.content, 'the mounted file has the latest content');
    await until('the hub shows the device Current again', async () => (await syncColumn(fleet, OFFLINE)) === 'Current', 20_000, 500);
  });

  it('3: a flapping link → no container churn, converged afterwards', async function () {
    const agent = fleet.agent(FLAPPY);
    const before = await runningFingerprint(FLAPPY);
    const acceptedBefore = agent.relay.accepted;
    const flapAt = new Date();
    const stop = agent.relay.flap({ downMs: 2000, upMs: 3000 });
    await sleep(12_000);
    await create(fleet.api, '/api/v1/namespaces/default/pods', boundPod('ffl-added', FLAPPY));
    await sleep(18_000);
    const cycles = stop();
    assert.ok(cycles >= 5, `the link went down ${cycles} times`);
    assert.ok(agent.relay.accepted - acceptedBefore >= 3, 'the agent reconnected between the drops');
    await fleet.converged(30_000);
    const after = await runningFingerprint(FLAPPY);
    for (const [k, v] of before) assert.equal(after.get(k), v, `${k} never restarted`);
    assert.ok(after.has('ffl-added/main'), 'the pod added during the flapping runs');
    assert.equal(after.size, before.size + 2, 'no duplicate containers');
    const starts = (await containerStarts(FLAPPY, flapAt)).map((x) => `${x.podName}/${x.container}`).sort();
    assert.deepEqual(starts, ['ffl-added/POD', 'ffl-added/main'], 'each new container started once, nothing else started');
    await until('the hub shows the device Current', async () => (await syncColumn(fleet, FLAPPY)) === 'Current', 20_000, 500);
  });
});

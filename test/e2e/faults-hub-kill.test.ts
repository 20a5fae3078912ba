/**
 * Fault scenario 2: the hub is killed -9 and stays away for a while. The devices keep their
 * workloads running untouched (same containers, no restart); what changes on a device meanwhile
 * (a container that died and was restarted locally) reaches the hub once it is back; every node
 * reconnects and the hub's pod statuses match Docker again.
 */
import assert from 'node:assert/strict';
import { deviceContainers } from '../support/fault-agent.js';
import { flotctl } from '../support/flotctl.js';
import { boundPod, create, getNode, nodeReady, startFaultFleet, type FaultFleet } from '../support/fault-fleet.js';
import { run } from '../support/run.js';
import { sleep, until } from '../support/wait.js';
import { runningFingerprint } from '../support/world.js';

const NODES = ['ff-hubkill-a', 'ff-hubkill-b'];

describe('faults: hub kill -9 while devices run', function () {
  this.timeout(180_000);
  let fleet: FaultFleet;

  before(async function () {
    this.timeout(120_000);
    fleet = await startFaultFleet(this, NODES);
    for (const n of NODES) {
      await create(fleet.api, '/api/v1/namespaces/default/pods', boundPod(`steady-${n}`, n));
      await create(fleet.api, '/api/v1/namespaces/default/pods', boundPod(`flaky-${n}`, n));
    }
    await fleet.converged(90_000);
  });
  after(async () => {
    await fleet?.dispose();
  });

  it('keeps every container running untouched while the hub is dead, and resyncs when it is back', async function () {
    const before = new Map(await Promise.all(NODES.map(async (n) => [n, await runningFingerprint(n)] as const)));
    await fleet.hub.kill9();
    // Longer than the node grace period and several heartbeats: the agents notice and keep going.
    await sleep(6000);
    for (const a of fleet.agents) assert.ok(a.running, `${a.node} agent still running`);
    for (const n of NODES) assert.deepEqual(await runningFingerprint(n), before.get(n), `${n}: nothing restarted while the hub is gone`);

    // Meanwhile a container dies on device a; its agent restarts it without the hub.
    const node = NODES[0] ?? '';
    const victim = (await deviceContainers(node)).find((c) => c.podName === `flaky-${node}` && c.role !== 'sandbox' && c.state === 'running');
    assert.ok(victim);
    assert.equal((await run('docker', ['kill', victim.id])).code, 0);
    const replaced = await until('the agent restarts the dead container offline', async () => {
      const c = (await deviceContainers(node)).find((x) => x.podName === `flaky-${node}` && x.role !== 'sandbox' && x.state === 'running');
      return c && c.id !== victim.id ? c : undefined;
    }, 30_000, 250);
    assert.equal(replaced.attempt, victim.attempt + 1);

    await fleet.hub.start();
    for (const n of NODES) await until(`${n} Ready again`, async () => nodeReady(await getNode(fleet.api, n)), 30_000, 250);
    await fleet.converged(30_000);

    // Every device reports it carried out the hub's latest document (republished at start).
    await until('flotctl get nodes -o wide: every node Current', async () => {
      const out = (await flotctl(fleet.hub, ['get', 'nodes', '-o', 'wide'])).stdout;
      return NODES.every((n) => new RegExp(`^${n}\\s.*\\sCurrent\\s*$`, 'm').test(out)) ? out : undefined;
    }, 20_000, 500);

    // The hub shows the restart that happened while it was dead; nothing else restarted.
    for (const n of NODES) {
      const now = await runningFingerprint(n);
      const expected = new Map(before.get(n));
      if (n === node) expected.set(`flaky-${n}/main`, `${replaced.id}#${replaced.attempt}`);
      assert.deepEqual(now, expected, `${n}: the same containers as before the hub died`);
    }
  });
});

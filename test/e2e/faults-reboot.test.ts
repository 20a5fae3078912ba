/**
 * Fault scenario 4: a device reboots while the hub is out of reach (agent killed, its
 * containers stopped, Docker up; the agent starts again with the link down). Its pods come back
 * from the persisted desired state alone, with their mounted ConfigMap; once the link is back
 * the hub shows the new containers and the device Current.
 */
import assert from 'node:assert/strict';
import { deviceContainers, readInContainer } from '../support/fault-agent.js';
import { boundPod, create, startFaultFleet, type FaultFleet } from '../support/fault-fleet.js';
import { sleep, until } from '../support/wait.js';
import { containerStatuses, hubPods } from '../support/world.js';

const NODE = 'ff-reboot';

describe('faults: device reboot with the hub unreachable', function () {
  this.timeout(180_000);
  let fleet: FaultFleet;

  before(async function () {
    this.timeout(120_000);
    fleet = await startFaultFleet(this, [NODE]);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ffr-cfg' }, data: { greeting: 'persisted' } };
    await create(fleet.api, '/api/v1/namespaces/default/configmaps', cm);
    await create(fleet.api, '/api/v1/namespaces/default/pods', boundPod('ffr-a', NODE, { configMap: 'ffr-cfg' }));
    await create(fleet.api, '/api/v1/namespaces/default/pods', boundPod('ffr-b', NODE));
    await fleet.converged(90_000);
  });
  after(async () => {
    await fleet?.dispose();
  });

  it('runs the pods again from the persisted state, then reports them when the link is back', async () => {
    const agent = fleet.agent(NODE);
    const before = (await deviceContainers(NODE)).filter((c) => c.state === 'running');
    assert.equal(before.length, 4, 'two pods: sandbox + main each');
    const startsBefore = agent.starts;
    const acceptedBefore = agent.relay.accepted;
    await agent.reboot();
    assert.equal(agent.starts, startsBefore + 1);

    const back = await until('both pods running again with the hub unreachable', async () => {
      const running = (await deviceContainers(NODE)).filter((c) => c.state === 'running');
      return running.length === 4 ? running : undefined;
    }, 60_000, 250);
    for (const c of back) assert.ok(!before.some((b) => b.id === c.id), `${c.podName}/${c.container} is a new container`);
    const main = back.find((c) => c.podName === 'ffr-a' && c.container === 'main');
    assert.ok(main);
    assert.equal(await readInContainer(main.id, '/etc/cfg/greeting'), 'persisted');
    assert.equal(agent.relay.accepted, acceptedBefore, 'no connection got through to the hub');
    await sleep(2000);
    // The hub has not heard of the new containers yet.
    const stale = (await hubPods(fleet.api, NODE)).flatMap((p) => containerStatuses(p).map((s) => s.containerID));
    assert.ok(!stale.includes(`docker://${main.id}`));

    agent.relay.setLink(true);
    await fleet.converged(30_000);
  });
});

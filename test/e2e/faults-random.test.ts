/**
 * Fault scenario 7: a seeded random schedule of faults (link down, paused or slow, agent kill -9,
 * device reboot, hub kill -9) interleaved with user writes (pods bound with spec.nodeName,
 * deletes, ConfigMap changes), for a bounded time. At the end the world matches the hub: every
 * pod on the hub runs on its device with the status the hub shows, nothing else runs, and every
 * mounted ConfigMap file holds the latest content.
 *
 * CI runs a fixed seed for about 40 s. As a longer benchmark:
 *   FLOTILLA_FAULT_SEED=123 FLOTILLA_FAULT_SECONDS=600 npx mocha test/e2e/faults-random.test.ts
 */
import assert from 'node:assert/strict';
import { deviceContainers, readInContainer } from '../support/fault-agent.js';
import { create, startFaultFleet, type FaultFleet } from '../support/fault-fleet.js';
import { CONFIG_NAME, describeStep, runStep, schedule, type Step } from '../support/fault-schedule.js';
import { hubPods } from '../support/world.js';

const NODES = ['ff-rand-a', 'ff-rand-b'];
const SEED = Number(process.env['FLOTILLA_FAULT_SEED'] ?? 20261206);
const SECONDS = Number(process.env['FLOTILLA_FAULT_SECONDS'] ?? 40);

describe('faults: a seeded random schedule of faults and writes', function () {
  this.timeout((SECONDS + 240) * 1000);
  let fleet: FaultFleet;

  before(async function () {
    this.timeout(120_000);
    assert.ok(Number.isSafeInteger(SEED) && SECONDS > 0, 'FLOTILLA_FAULT_SEED must be an integer, FLOTILLA_FAULT_SECONDS positive');
    fleet = await startFaultFleet(this, NODES);
    await create(fleet.api, '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CONFIG_NAME }, data: { greeting: 'v-start' } });
  });
  after(async () => {
    await fleet?.dispose();
  });

  it(`ends with the world matching the hub (seed ${SEED}, ${SECONDS} s)`, async () => {
    const steps = schedule(SEED, NODES, SECONDS);
    const done: Step[] = [];
    try {
      for (const s of steps) {
        await runStep(fleet, s);
        done.push(s);
      }
      await fleet.converged(90_000);
      const cm = await fleet.api<{ data: { greeting: string } }>(`/api/v1/namespaces/default/configmaps/${CONFIG_NAME}`);
      for (const node of NODES) {
        const mounting = new Set((await hubPods(fleet.api, node)).filter((p) => JSON.stringify(p['spec']).includes(CONFIG_NAME)).map((p) => p.metadata.name));
        for (const c of await deviceContainers(node)) {
          if (c.state !== 'running' || c.container !== 'main' || !mounting.has(c.podName)) continue;
          assert.equal(await readInContainer(c.id, '/etc/cfg/greeting'), cm.body.data.greeting, `${node}: ${c.podName} reads the latest ConfigMap`);
        }
      }
    } catch (e) {
      console.log(`fault schedule failed with seed ${SEED} (replay: FLOTILLA_FAULT_SEED=${SEED} FLOTILLA_FAULT_SECONDS=${SECONDS}); steps done:\n  ${done.map(describeStep).join('\n  ')}`);
      for (const a of fleet.agents) console.log(`--- ${a.node}\n${a.tail(15)}`);
      throw e;
    }
  });
});

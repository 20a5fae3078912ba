import assert from 'node:assert/strict';
import { NodeMetrics } from '../../server/link/node-metrics.js';
import { decodeHubMessage, type MetricsMessage } from '../../shared/protocol/index.js';
import { silentLogger } from '../../shared/util/logger.js';
import { FakeClock } from '../support/fake-clock.js';

const report = (cpu: number): MetricsMessage => ({ v: 1, t: 'metrics', windowMs: 1000, node: { cpuNanoCores: cpu, memoryBytes: 1 }, pods: [] });
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('the hub\'s in-memory usage table', () => {
  function rig(): { clock: FakeClock; table: NodeMetrics; asked: { topic: string; qos: number }[] } {
    const clock = new FakeClock();
    const asked: { topic: string; qos: number }[] = [];
    const table = new NodeMetrics({
      clock,
      logger: silentLogger,
      publish: (topic, payload, opts) => {
        assert.equal(decodeHubMessage('cmd', payload).cmd, 'metrics');
        asked.push({ topic, qos: opts.qos });
        return Promise.resolve();
      },
    });
    return { clock, table, asked };
  }

  it('asks a node without a sample (QoS 0) and answers as soon as its report arrives', async () => {
    const { table, asked } = rig();
    const pending = table.current(['pi-1']);
    await tick();
    assert.deepEqual(asked, [{ topic: 'flotilla/v1/nodes/pi-1/cmd', qos: 0 }]);
    table.onReport('pi-1', report(5));
    assert.equal((await pending).get('pi-1')?.report.node.cpuNanoCores, 5);
  });

  it('serves a fresh sample without asking; asks again once it is stale, at most once per interval', async () => {
    const { clock, table, asked } = rig();
    table.onReport('pi-1', report(1));
    assert.equal((await table.current(['pi-1'])).size, 1);
    assert.equal(asked.length, 0);
    clock.advance(20_000);
    const first = table.current(['pi-1']);
    const second = table.current(['pi-1']);
    await tick();
    assert.equal(asked.length, 1, 'two requests at once ask the node once');
    clock.advance(4_000); // the node does not answer: both give up waiting and serve the older sample
    assert.equal((await first).get('pi-1')?.report.node.cpuNanoCores, 1);
    assert.equal((await second).size, 1);
  });

  it('does not serve a sample older than the maximum age (the node went quiet)', async () => {
    const { clock, table } = rig();
    table.onReport('pi-1', report(1));
    clock.advance(181_000);
    const pending = table.current(['pi-1']);
    await tick();
    clock.advance(4_000);
    assert.equal((await pending).size, 0);
  });
});

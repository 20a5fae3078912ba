import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeStatusCollector } from '../../agent/conditions/collector.js';
import { conditionsConfig } from '../../agent/conditions/config.js';
import { systemHostProbe } from '../../agent/conditions/host-probe.js';
import { goArch } from '../../agent/conditions/node-status.js';
import { parseQuantity } from '../../shared/api/quantity.js';

/** The real parts: systeminformation, /proc, statfs and getifaddrs on the machine running the tests. */
describe('conditions: systemHostProbe on this machine', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-conditions-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('produces a node status with real capacity, nodeInfo and conditions', async function () {
    if (process.platform !== 'linux') this.skip();
    const c = new NodeStatusCollector(systemHostProbe(), conditionsConfig({ agentDataDir: dir }), () => new Date());
    await c.collectStatic();
    const started = performance.now();
    const r = await c.collect({ reachable: true, version: '20.10.24' });
    const ms = performance.now() - started;

    const cpu = parseQuantity(r.status.capacity['cpu']);
    assert.ok(typeof cpu === 'number' && cpu >= 1, `capacity.cpu ${r.status.capacity['cpu']}`);
    const mem = parseQuantity(r.status.capacity['memory']);
    assert.ok(typeof mem === 'number' && mem > 64 * 1024 * 1024, `capacity.memory ${r.status.capacity['memory']}`);
    const alloc = parseQuantity(r.status.allocatable['memory']);
    assert.ok(typeof alloc === 'number' && alloc < mem);
    assert.ok(r.status.capacity['ephemeral-storage'], 'the temp dir filesystem is measured');

    const info = r.status.nodeInfo;
    assert.equal(info.architecture, goArch(process.arch));
    assert.equal(info.operatingSystem, 'linux');
    assert.equal(info.kernelVersion, release());
    assert.equal(info.bootID, (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim());
    assert.equal(info.containerRuntimeVersion, 'docker://20.10.24');
    assert.ok(info.osImage.length > 0);
    assert.equal(r.labels['kubernetes.io/arch'], goArch(process.arch));
    assert.equal(r.status.addresses.at(-1)?.type, 'Hostname');

    const types = r.status.conditions.map((x) => x.type);
    for (const t of ['NetworkUnavailable', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']) assert.ok(types.includes(t), t);
    assert.equal(r.status.conditions.find((x) => x.type === 'Ready')?.status, 'True');
    assert.notEqual(r.status.conditions.find((x) => x.type === 'PIDPressure')?.status, 'Unknown', '/proc/loadavg and pid_max are read');
    assert.ok(ms < 1000, `one collect() took ${ms.toFixed(1)} ms`);

    const again = await c.collect({ reachable: true });
    assert.equal(again.digest, r.digest, 'a steady machine digests alike');
  });

  it('measures the nearest existing ancestor of a missing path', async () => {
    const fs = await systemHostProbe().filesystem(join(dir, 'not', 'yet', 'created'));
    assert.equal(fs?.path, dir);
    assert.ok(fs.sizeBytes > 0 && fs.availableBytes <= fs.sizeBytes);
  });

  it('lists up interfaces with loopback marked internal', async () => {
    const ifs = await systemHostProbe().networkInterfaces();
    const lo = ifs.find((i) => i.addresses.some((a) => a.address === '127.0.0.1'));
    assert.ok(lo?.internal);
    assert.equal(await systemHostProbe().readFile('/definitely/not/here'), undefined);
  });
});

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CgroupReader, parseKeyValues } from '../../agent/metrics/cgroups.js';
import { usageBetween, usageReport, type SampledContainer } from '../../agent/metrics/usage.js';
import { decodeAgentMessage, ProtocolError } from '../../shared/protocol/index.js';

const ID = 'a'.repeat(64);

async function files(root: string, tree: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(tree)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

describe('cgroup readings (recorded file layouts)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-cgroups-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('v1 (cgroupfs driver): cpuacct.usage, usage_in_bytes minus total_inactive_file', async () => {
    await files(join(dir, 'cg'), {
      'cpuacct/cpuacct.usage': '900000000000\n',
      'memory/memory.usage_in_bytes': '4000000000\n',
      'memory/memory.stat': 'cache 100\ninactive_file 5\ntotal_inactive_file 1000000000\n',
      [`cpuacct/docker/${ID}/cpuacct.usage`]: '2500000000\n',
      [`memory/docker/${ID}/memory.usage_in_bytes`]: '30000000\n',
      [`memory/docker/${ID}/memory.stat`]: 'total_inactive_file 10000000\n',
    });
    const r = new CgroupReader({ root: join(dir, 'cg'), meminfo: join(dir, 'meminfo') });
    assert.equal(await r.cgroupVersion(), 1);
    assert.deepEqual(await r.node(), { cpuUsageNs: 900_000_000_000, memoryWorkingSetBytes: 3_000_000_000 });
    assert.deepEqual(await r.container(ID), { cpuUsageNs: 2_500_000_000, memoryWorkingSetBytes: 20_000_000 });
    assert.equal(await r.container('b'.repeat(64)), undefined, 'a container without a cgroup has no reading');
  });

  it('v2 (systemd driver): cpu.stat usage_usec, memory.current minus inactive_file; the root from /proc/meminfo', async () => {
    await files(join(dir, 'cg'), {
      'cgroup.controllers': 'cpu memory pids\n',
      'cpu.stat': 'usage_usec 5000000\nuser_usec 3000000\n',
      [`system.slice/docker-${ID}.scope/cpu.stat`]: 'usage_usec 1500\n',
      [`system.slice/docker-${ID}.scope/memory.current`]: '8192000\n',
      [`system.slice/docker-${ID}.scope/memory.stat`]: 'anon 1\ninactive_file 192000\n',
    });
    await writeFile(join(dir, 'meminfo'), 'MemTotal:        4000000 kB\nMemFree:         1000000 kB\nInactive(file):   500000 kB\n');
    const r = new CgroupReader({ root: join(dir, 'cg'), meminfo: join(dir, 'meminfo') });
    assert.equal(await r.cgroupVersion(), 2);
    assert.deepEqual(await r.node(), { cpuUsageNs: 5_000_000_000, memoryWorkingSetBytes: 2_500_000 * 1024 });
    assert.deepEqual(await r.container(ID), { cpuUsageNs: 1_500_000, memoryWorkingSetBytes: 8_000_000 });
  });

  it('parses key-value files, skipping what is not a number', () => {
    assert.deepEqual([...parseKeyValues('a 1\nb x\nMemTotal:  12 kB\n\n')], [['a', 1], ['MemTotal', 12]]);
  });
});

describe('usage from two readings', () => {
  it('turns CPU time into a rate over the window and keeps the later working set', () => {
    // 0.25 s of CPU in 0.5 s: half a core.
    assert.deepEqual(usageBetween({ cpuUsageNs: 1e9, memoryWorkingSetBytes: 1 }, { cpuUsageNs: 1.25e9, memoryWorkingSetBytes: 2048 }, 500), { cpuNanoCores: 5e8, memoryBytes: 2048 });
  });
  it('a counter that went backwards (a restarted container) reads as 0', () => {
    assert.equal(usageBetween({ cpuUsageNs: 9e9, memoryWorkingSetBytes: 0 }, { cpuUsageNs: 1e9, memoryWorkingSetBytes: 0 }, 1000).cpuNanoCores, 0);
  });
  it('groups containers by pod and leaves out containers read only once', () => {
    const c = (id: string, pod: string, container: string): SampledContainer => ({ id, podNamespace: 'default', podName: pod, podUid: `uid-${pod}`, container });
    const containers = [c('1', 'web', 'main'), c('2', 'web', 'sidecar'), c('3', 'db', 'main'), c('4', 'gone', 'main')];
    const r = (cpu: number, mem: number): { cpuUsageNs: number; memoryWorkingSetBytes: number } => ({ cpuUsageNs: cpu, memoryWorkingSetBytes: mem });
    const before = { node: r(0, 0), containers: new Map([['1', r(0, 0)], ['2', r(0, 0)], ['3', r(0, 0)], ['4', r(0, 0)]]) };
    const after = { node: r(2e9, 100), containers: new Map([['1', r(1e8, 10)], ['2', r(2e8, 20)], ['3', r(3e8, 30)]]) };
    const m = usageReport(containers, before, after, 1000);
    assert.deepEqual(m.node, { cpuNanoCores: 2e9, memoryBytes: 100 });
    assert.deepEqual(m.pods, [
      { namespace: 'default', name: 'web', uid: 'uid-web', containers: [{ name: 'main', cpuNanoCores: 1e8, memoryBytes: 10 }, { name: 'sidecar', cpuNanoCores: 2e8, memoryBytes: 20 }] },
      { namespace: 'default', name: 'db', uid: 'uid-db', containers: [{ name: 'main', cpuNanoCores: 3e8, memoryBytes: 30 }] },
    ]);
    // What the agent sends, the hub's decoder takes.
    assert.deepEqual(decodeAgentMessage('metrics', Buffer.from(JSON.stringify(m))), m);
  });
});

describe('metrics reports where they enter the hub (attacks from a device)', () => {
  const good = { v: 1, t: 'metrics', windowMs: 1000, node: { cpuNanoCores: 1, memoryBytes: 2 }, pods: [] as unknown[] };
  const decode = (m: unknown): unknown => decodeAgentMessage('metrics', Buffer.from(JSON.stringify(m)));
  const pod = (containers: unknown[]): unknown => ({ namespace: 'default', name: 'p', containers });
  const CASES: [string, unknown, RegExp][] = [
    ['negative memory', { ...good, node: { cpuNanoCores: 1, memoryBytes: -1 } }, /node\.memoryBytes/],
    ['absurd CPU', { ...good, node: { cpuNanoCores: 1e15, memoryBytes: 1 } }, /node\.cpuNanoCores/],
    ['fractional values', { ...good, node: { cpuNanoCores: 0.5, memoryBytes: 1 } }, /node\.cpuNanoCores/],
    ['too many pods', { ...good, pods: Array.from({ length: 257 }, () => pod([])) }, /pods: must have at most 256 items/],
    ['too many containers', { ...good, pods: [pod(Array.from({ length: 33 }, (_, i) => ({ name: `c${i}`, cpuNanoCores: 0, memoryBytes: 0 })))] }, /containers: must have at most 32 items/],
    ['a bad pod name', { ...good, pods: [{ namespace: 'default', name: 'A/B', containers: [] }] }, /pods\[0\]\.name/],
    ['a window out of range', { ...good, windowMs: 10_000_000 }, /windowMs/],
  ];
  for (const [name, msg, field] of CASES) {
    it(`refuses ${name}, naming the field`, () => assert.throws(() => decode(msg), (e: unknown) => e instanceof ProtocolError && field.test(e.message)));
  }
  it('refuses a report larger than the channel limit', () => {
    const big = { ...good, pods: [pod([{ name: 'c', cpuNanoCores: 0, memoryBytes: 0, pad: 'x'.repeat(300_000) }])] };
    assert.throws(() => decode(big), ProtocolError);
  });
  it('drops fields it does not know', () => {
    assert.deepEqual(decode({ ...good, extra: 'x' }), good);
  });
});

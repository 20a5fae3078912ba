/**
 * cgroup limits as the engine sets them, read back from inside the containers with exec (cgroup
 * v1 paths, or the v2 unified files), and what the kernel does with them: a process that
 * allocates past its memory limit is OOM-killed (listManaged: oomKilled, 137), and a fork bomb
 * stops at pids.max.
 */
import assert from 'node:assert/strict';
import type { ContainerCreateSpec, ContainerEngine, ExecResult, ObservedContainer, RuntimeInfo } from '../../agent/engine/types.js';
import { TestContainers, engineWithTestImage, managedSpec } from '../support/engine-harness.js';
import { until } from '../support/wait.js';

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const MiB = 1024 * 1024;

describe('engine: cgroup limits (real Docker)', function () {
  this.timeout(90_000);
  let engine: ContainerEngine;
  let info: RuntimeInfo;
  const containers = new TestContainers(() => engine);
  const name = (s: string): string => `flotilla-test-lim-${s}-${RUN}`;

  async function createStarted(s: ContainerCreateSpec): Promise<{ id: string; ms: number }> {
    const t0 = performance.now();
    const id = await containers.createStarted(s);
    return { id, ms: performance.now() - t0 };
  }

  async function cat(id: string, path: string): Promise<string> {
    const r = await engine.exec(id, ['cat', path], 10_000);
    assert.equal(r.exitCode, 0, `cat ${path}: ${r.output}`);
    return r.output.trim();
  }

  function waitExited(id: string, timeoutMs: number): Promise<ObservedContainer> {
    return until(
      `container ${id} to exit`,
      async () => (await engine.listManaged()).find((c) => c.id === id && (c.state === 'exited' || c.state === 'dead')),
      timeoutMs,
    );
  }

  before(async function () {
    engine = await engineWithTestImage(this);
    info = await engine.info();
  });

  after(async function () {
    if (engine === undefined) return;
    await containers.removeAll();
  });

  it('applies memory 64Mi (no extra swap), CPU quota 50000/100000, shares 512 and pids 64', async function () {
    const { id, ms } = await createStarted(
      managedSpec(name('limits'), {
        memoryBytes: 64 * MiB,
        memorySwapBytes: 64 * MiB,
        cpuQuota: 50_000,
        cpuPeriod: 100_000,
        cpuShares: 512,
        pidsLimit: 64,
      }),
    );
    console.log(`      create+start: ${Math.round(ms)} ms (cgroup v${info.cgroupVersion})`);
    const facts: string[] = [];
    if (info.cgroupVersion === '1') {
      if (info.memoryLimitSupported) {
        const mem = await cat(id, '/sys/fs/cgroup/memory/memory.limit_in_bytes');
        assert.equal(mem, String(64 * MiB));
        facts.push(`memory.limit_in_bytes=${mem}`);
        const memsw = await engine.exec(id, ['cat', '/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'], 10_000);
        if (memsw.exitCode === 0) {
          assert.equal(memsw.output.trim(), String(64 * MiB), 'memory+swap = memory: no swap beyond the limit');
          facts.push(`memory.memsw.limit_in_bytes=${memsw.output.trim()}`);
        } else {
          facts.push('memory.memsw.limit_in_bytes absent (no swap accounting)');
        }
      } else {
        facts.push('memory cgroup disabled: memory limit not checked');
      }
      if (info.cpuCfsQuotaSupported) {
        assert.equal(await cat(id, '/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), '50000');
        assert.equal(await cat(id, '/sys/fs/cgroup/cpu/cpu.cfs_period_us'), '100000');
        facts.push('cpu.cfs_quota_us=50000', 'cpu.cfs_period_us=100000');
      }
      assert.equal(await cat(id, '/sys/fs/cgroup/cpu/cpu.shares'), '512');
      facts.push('cpu.shares=512');
      if (info.pidsLimitSupported) {
        assert.equal(await cat(id, '/sys/fs/cgroup/pids/pids.max'), '64');
        facts.push('pids.max=64');
      }
    } else {
      if (info.memoryLimitSupported) {
        assert.equal(await cat(id, '/sys/fs/cgroup/memory.max'), String(64 * MiB));
        const swap = await engine.exec(id, ['cat', '/sys/fs/cgroup/memory.swap.max'], 10_000);
        if (swap.exitCode === 0) assert.equal(swap.output.trim(), '0', 'no swap beyond the limit');
        facts.push(`memory.max=${64 * MiB}`, `memory.swap.max=${swap.output.trim()}`);
      }
      if (info.cpuCfsQuotaSupported) {
        assert.equal(await cat(id, '/sys/fs/cgroup/cpu.max'), '50000 100000');
        facts.push('cpu.max=50000 100000');
      }
      // runc maps shares 512 onto weight 1 + (512 - 2) * 9999 / 262142 = 20.
      assert.equal(await cat(id, '/sys/fs/cgroup/cpu.weight'), '20');
      facts.push('cpu.weight=20');
      if (info.pidsLimitSupported) {
        assert.equal(await cat(id, '/sys/fs/cgroup/pids.max'), '64');
        facts.push('pids.max=64');
      }
    }
    console.log(`      read inside: ${facts.join(', ')}`);
  });

  it('without limits the cgroup is unlimited', async function () {
    const { id } = await createStarted(managedSpec(name('unlimited')));
    if (info.cgroupVersion === '1') {
      assert.equal(await cat(id, '/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), '-1');
      assert.equal(await cat(id, '/sys/fs/cgroup/pids/pids.max'), 'max');
      assert.ok(Number(await cat(id, '/sys/fs/cgroup/memory/memory.limit_in_bytes')) > 1024 * 1024 * MiB);
    } else {
      assert.match(await cat(id, '/sys/fs/cgroup/cpu.max'), /^max /);
      assert.equal(await cat(id, '/sys/fs/cgroup/pids.max'), 'max');
      assert.equal(await cat(id, '/sys/fs/cgroup/memory.max'), 'max');
    }
  });

  it('OOM-kills a process that allocates past 32Mi: listManaged reports oomKilled and 137', async function () {
    if (!info.memoryLimitSupported) this.skip();
    // tail keeps the whole line (no newline in /dev/zero) in memory: 200 MB against 32 MB.
    const { id } = await createStarted(
      managedSpec(name('oom'), {
        memoryBytes: 32 * MiB,
        memorySwapBytes: 32 * MiB,
        cmd: ['sh', '-c', 'dd if=/dev/zero bs=1M count=200 | tail'],
      }),
    );
    const o = await waitExited(id, 30_000);
    assert.equal(o.oomKilled, true);
    assert.equal(o.exitCode, 137);
    assert.ok(o.finishedAt !== undefined);
  });

  it('stops a fork bomb at pids.max 20', async function () {
    if (!info.pidsLimitSupported) this.skip();
    const pidsDir = info.cgroupVersion === '1' ? '/sys/fs/cgroup/pids' : '/sys/fs/cgroup';
    // An inner shell starts 100 sleeps until fork fails (busy-box sh then gives up); the outer
    // one survives, records the peak with a builtin (no fork) and becomes a sleep (no fork).
    const bomb = 'i=0; while [ $i -lt 100 ]; do sleep 300 & i=$((i+1)); echo started=$i; done';
    const { id } = await createStarted(
      managedSpec(name('forkbomb'), {
        pidsLimit: 20,
        cmd: ['sh', '-c', `sh -c '${bomb}'; echo inner-exit=$?; read cur < ${pidsDir}/pids.current; echo peak=$cur; exec sleep 300`],
      }),
    );
    const lines: string[] = [];
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 20_000);
    // stdout and stderr reach Docker's log through separate pipes: wait for both lines.
    for await (const l of engine.logs(id, { follow: true, signal: ac.signal })) {
      lines.push(l.line);
      if (lines.some((x) => x.startsWith('peak=')) && lines.some((x) => x.includes("can't fork"))) break;
    }
    clearTimeout(timer);
    const text = lines.join('\n');
    assert.match(text, /can't fork/, text);
    const started = lines.filter((l) => l.startsWith('started=')).length;
    assert.ok(started > 0 && started < 100, `started ${started} sleeps`);
    const peak = Number(/peak=(\d+)/.exec(text)?.[1]);
    assert.ok(peak > 0 && peak <= 20, `peak ${peak}`);

    // The cgroup is full (19 or 20 of 20): an exec needs a free slot for runc's own setup, so it
    // can be refused now and then ("read init-p: connection reset"). One exec reads everything;
    // a refusal is retried.
    let refused = 0;
    const stats: ExecResult = await until('an exec that reads the pids cgroup', async () => {
      const r = await engine.exec(id, ['cat', `${pidsDir}/pids.max`, `${pidsDir}/pids.current`, `${pidsDir}/pids.events`], 10_000);
      if (r.exitCode === 0) return r;
      refused++;
      return undefined;
    }, 30_000, 250);
    const [max, currentText, events] = stats.output.trim().split('\n');
    assert.equal(max, '20');
    const current = Number(currentText);
    assert.ok(current > 0 && current <= 20, `pids.current ${current}`);
    assert.match(events ?? '', /max [1-9]/, 'the kernel counted refused forks');
    // A command that forks inside the full cgroup fails the same way (or cannot even start).
    const forks = await engine.exec(id, ['sh', '-c', 'sleep 1 & sleep 1 & sleep 1 & wait'], 10_000);
    assert.notEqual(forks.exitCode, 0);
    assert.match(forks.output, /can't fork|Resource temporarily unavailable|init-p/);
    console.log(`      fork bomb: ${started} of 100 sleeps started, peak ${peak}, pids.current ${current}, pids.events "${events ?? ''}", execs refused ${refused}`);
  });
});

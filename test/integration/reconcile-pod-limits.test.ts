/**
 * Pod limits and readiness through the reconciler on the real Docker engine, seen from INSIDE
 * the pod's containers (exec through the engine): the cgroup files of a container started from
 * a pod spec hold its limits.memory (and no swap beyond it), limits.cpu as a CFS quota,
 * requests.cpu as shares and the node's pids limit; a fork bomb in a pod stops at pids.max
 * while the pod stays Running and observed; a failing readiness probe takes the pod out of
 * Ready without restarting anything, and a passing one brings it back.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ContainerEngine } from '../../agent/engine/types.js';
import type { Reconciler } from '../../agent/reconcile/index.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { NodeEvent } from '../../shared/protocol/messages.js';
import { errorMessage, isRecord, type JsonObject } from '../../shared/util/guards.js';
import { engineWithTestImage } from '../support/engine-harness.js';
import { TEST_IMAGE } from '../support/env.js';
import { RECONCILE_NODE, reconcileHarness } from '../support/reconcile-harness.js';
import { until } from '../support/wait.js';

const RUN = Date.now().toString(36);
/** The reconciler's podPidsLimit in these tests (per container). */
const PIDS_LIMIT = 50;
const MEMORY_LIMIT = 64 * 2 ** 20;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function podObj(name: string, spec: JsonObject): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `${RUN}-${name}-${randomUUID().slice(0, 8)}`, labels: { app: name } },
    spec: { nodeName: RECONCILE_NODE, restartPolicy: 'Always', terminationGracePeriodSeconds: 1, ...spec },
  };
}

const sh = (script: string, extra: JsonObject = {}): JsonObject => ({ image: TEST_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], ...extra });

describe('reconcile on real Docker: pod limits from inside the pod, readiness', function () {
  this.timeout(120_000);
  let engine: ContainerEngine;
  let rec: Reconciler | undefined;
  let events: NodeEvent[] = [];
  const r = reconcileHarness({ podsDirPrefix: 'flotilla-limits-', podPidsLimit: PIDS_LIMIT, realProbes: true });
  const { setDesired, report, containerStatus, running } = r;

  function condition(pod: KubeObject, type: string): string | undefined {
    const list = report(pod)?.status['conditions'];
    const c = Array.isArray(list) ? list.filter(isRecord).find((x) => x['type'] === type) : undefined;
    return typeof c?.['status'] === 'string' ? c['status'] : undefined;
  }

  function isRunningState(cs: JsonObject | undefined): boolean {
    const st = cs?.['state'];
    return isRecord(st) && isRecord(st['running']);
  }

  /** Phase Running and every named container running and ready. */
  const allReady =
    (pod: KubeObject, ...names: string[]) =>
    (): boolean =>
      report(pod)?.status['phase'] === 'Running' && names.every((n) => containerStatus(pod, n)?.['ready'] === true);

  /** `cat` of a file inside the container; undefined when it is not there. */
  async function readIn(id: string, path: string): Promise<string | undefined> {
    const r = await engine.exec(id, ['cat', path], 5000);
    return r.exitCode === 0 ? r.output.trim() : undefined;
  }

  before(async function () {
    engine = await engineWithTestImage(this);
    await r.setUp(engine);
    ({ rec, events } = r.start());
  });

  afterEach(async () => {
    await r.removeAllPods();
  });

  after(async () => {
    await r.dispose();
  });

  it('the container sees its pod limits in its own cgroups: memory without extra swap, CFS quota, shares, pids.max', async () => {
    const pod = podObj('limits', {
      containers: [sh('sleep 3600', { name: 'app', resources: { limits: { memory: '64Mi', cpu: '500m' }, requests: { cpu: '250m' } } })],
    });
    setDesired([pod]);
    await until('limits ready', allReady(pod, 'app'), 30_000);
    const app = await running(pod, 'app');
    assert.ok(app);

    const v1 = await readIn(app.id, '/sys/fs/cgroup/memory/memory.limit_in_bytes');
    if (v1 !== undefined) {
      assert.equal(v1, String(MEMORY_LIMIT), 'memory.limit_in_bytes');
      // Absent when the kernel does no swap accounting; present, it must equal the limit.
      const memsw = await readIn(app.id, '/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes');
      if (memsw !== undefined) assert.equal(memsw, String(MEMORY_LIMIT), 'memory.memsw.limit_in_bytes (no swap beyond the limit)');
      assert.equal(await readIn(app.id, '/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), '50000', 'cpu.cfs_quota_us');
      assert.equal(await readIn(app.id, '/sys/fs/cgroup/cpu/cpu.cfs_period_us'), '100000', 'cpu.cfs_period_us');
      assert.equal(await readIn(app.id, '/sys/fs/cgroup/cpu/cpu.shares'), '256', 'cpu.shares');
      assert.equal(await readIn(app.id, '/sys/fs/cgroup/pids/pids.max'), String(PIDS_LIMIT), 'pids.max');
    } else {
      // cgroup v2 (the container's own cgroup is mounted at /sys/fs/cgroup).
      assert.ok((await readIn(app.id, '/sys/fs/cgroup/cgroup.controllers')) !== undefined, 'neither cgroup v1 memory.limit_in_bytes nor cgroup v2 files inside the container');
      assert.equal(await readIn(app.id, '/sys/fs/cgroup/memory.max'), String(MEMORY_LIMIT), 'memory.max');
      const swap = await readIn(app.id, '/sys/fs/cgroup/memory.swap.max');
      if (swap !== undefined) assert.equal(swap, '0', 'memory.swap.max (no swap beyond the limit)');
      assert.equal(await readIn(app.id, '/sys/fs/cgroup/cpu.max'), '50000 100000', 'cpu.max');
      // runc's conversion of cpu.shares 256: 1 + ((256 - 2) * 9999) / 262142 = 10.
      assert.equal(await readIn(app.id, '/sys/fs/cgroup/cpu.weight'), '10', 'cpu.weight');
      assert.equal(await readIn(app.id, '/sys/fs/cgroup/pids.max'), String(PIDS_LIMIT), 'pids.max');
    }
  });

  it('a fork bomb in a pod stops at pids.max; the pod stays Running and observed, nothing restarts', async function () {
    this.timeout(90_000);
    // busybox sh gives up at its first failed fork: the inner shell forks until refused, the
    // outer loop starts another one (its own forks may be refused too; it keeps going).
    // The bomb runs in the background; PID 1 becomes a plain sleep that never forks, so a shell
    // that dies on "can't fork" does not take the container (and the readings) down with it.
    const bomb = `(while :; do sh -c 'for i in $(seq 1 200); do sleep 30 & done; sleep 30'; sleep 1; done) & exec sleep 3600`;
    const pod = podObj('forkbomb', { containers: [sh(bomb, { name: 'bomb' }), sh('sleep 3600', { name: 'app' })] });
    setDesired([pod]);
    await until('forkbomb ready', allReady(pod, 'bomb', 'app'), 30_000);
    const bombC = await running(pod, 'bomb');
    const appC = await running(pod, 'app');
    assert.ok(bombC && appC);
    const bombId = bombC.id;

    // The kernel refused a fork in the bomb's container: the limit was reached.
    await until(
      "a refused fork (sh: can't fork) in the bomb's log",
      async () => {
        for await (const l of engine.logs(bombId, { follow: false })) if (/can't fork/.test(l.line)) return true;
        return undefined;
      },
      20_000,
    );

    /** `cat` in the bomb's container; with the cgroup full, some runtimes refuse the exec (126): try again. */
    async function readRetrying(path: string): Promise<string | undefined> {
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          const r = await engine.exec(bombId, ['cat', path], 5000);
          if (r.exitCode === 0) return r.output.trim();
        } catch (e) {
          if (!/pids|fork|resource temporarily unavailable|126|OCI runtime exec failed/i.test(errorMessage(e))) throw e;
        }
        await sleep(200);
      }
      return undefined;
    }

    // Read like pids.current below: with the cgroup full, the exec itself may be refused.
    const v1Max = await readRetrying('/sys/fs/cgroup/pids/pids.max');
    const v2Max = v1Max === undefined ? await readRetrying('/sys/fs/cgroup/pids.max') : undefined;
    const base = v1Max !== undefined ? '/sys/fs/cgroup/pids' : '/sys/fs/cgroup';
    assert.equal(v1Max ?? v2Max, String(PIDS_LIMIT), 'pids.max');

    /**
     * pids.current, not counting the reader: the runtime attaches an exec'd process to the
     * cgroup by migration, which pids.max does not limit, so `cat` itself may be the one over.
     */
    async function pidsCurrent(): Promise<number | undefined> {
      const out = await readRetrying(`${base}/pids.current`);
      return out !== undefined && /^\d+$/.test(out) ? Number(out) - 1 : undefined;
    }

    const samples: number[] = [];
    const deadline = Date.now() + 8000;
    while (samples.length < 10 && Date.now() < deadline) {
      const n = await pidsCurrent();
      if (n !== undefined) samples.push(n);
      await sleep(300);
    }
    assert.ok(samples.length >= 3, `pids.current could be read only ${samples.length} times (exec refused while the cgroup is full?)`);
    for (const n of samples) assert.ok(n <= PIDS_LIMIT, `pids.current ${n} (without the reader) over pids.max ${PIDS_LIMIT}: ${samples.join(',')}`);
    assert.ok(Math.max(...samples) >= PIDS_LIMIT - 5, `the bomb did not fill the cgroup (pids.current ${samples.join(',')}, pids.max ${PIDS_LIMIT})`);
    const pidsEvents = await readRetrying(`${base}/pids.events`);
    assert.match(pidsEvents ?? '', /^max [1-9]/m, `the kernel counted refused forks (pids.events ${String(pidsEvents)})`);

    // Observed as before: same containers, running, ready, no restart; the other container is unaffected.
    await rec?.idle();
    assert.equal(report(pod)?.status['phase'], 'Running');
    assert.equal(condition(pod, 'Ready'), 'True');
    for (const [name, c] of [['bomb', bombC], ['app', appC]] as const) {
      const cs = containerStatus(pod, name);
      assert.ok(isRunningState(cs), `${name} running in the report`);
      assert.equal(cs?.['restartCount'], 0, `${name} restartCount`);
      assert.equal(cs?.['containerID'], `docker://${c.id}`, `${name} containerID`);
      assert.equal((await running(pod, name))?.id, c.id, `${name} still the same running container`);
    }
    assert.equal((await engine.exec(appC.id, ['true'], 5000)).exitCode, 0);
    const killing = events.filter((e) => e.involved.uid === pod.metadata.uid && e.reason === 'Killing');
    assert.equal(killing.length, 0, killing.map((e) => e.message).join('; '));
  });

  it('readiness failure: Ready and the container ready go false without a restart, and come back when the probe passes', async function () {
    this.timeout(60_000);
    const pod = podObj('readiness', {
      containers: [
        sh('touch /tmp/ready; sleep 3600', {
          name: 'app',
          readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1, successThreshold: 1, timeoutSeconds: 1 },
        }),
      ],
    });
    setDesired([pod]);
    await until('readiness ready', () => allReady(pod, 'app')() && condition(pod, 'Ready') === 'True', 30_000);
    const app = await running(pod, 'app');
    assert.ok(app);
    assert.equal(condition(pod, 'ContainersReady'), 'True');

    assert.equal((await engine.exec(app.id, ['rm', '/tmp/ready'], 5000)).exitCode, 0);
    await until('not ready', () => containerStatus(pod, 'app')?.['ready'] === false && condition(pod, 'Ready') === 'False', 15_000);
    assert.equal(condition(pod, 'ContainersReady'), 'False');
    // Stays unready and unrestarted while the probe keeps failing.
    await sleep(3000);
    const unready = containerStatus(pod, 'app');
    assert.equal(unready?.['ready'], false);
    assert.equal(condition(pod, 'Ready'), 'False');
    assert.equal(report(pod)?.status['phase'], 'Running');
    assert.ok(isRunningState(unready), 'still running');
    assert.equal(unready?.['restartCount'], 0);
    assert.equal(unready?.['containerID'], `docker://${app.id}`);
    assert.equal((await running(pod, 'app'))?.id, app.id);

    assert.equal((await engine.exec(app.id, ['touch', '/tmp/ready'], 5000)).exitCode, 0);
    await until('ready again', () => containerStatus(pod, 'app')?.['ready'] === true && condition(pod, 'Ready') === 'True', 15_000);
    assert.equal(condition(pod, 'ContainersReady'), 'True');
    assert.equal(containerStatus(pod, 'app')?.['restartCount'], 0);
    assert.equal(containerStatus(pod, 'app')?.['containerID'], `docker://${app.id}`);
    assert.equal((await running(pod, 'app'))?.id, app.id);
    const restarts = events.filter((e) => e.involved.uid === pod.metadata.uid && (e.reason === 'Killing' || e.reason === 'BackOff'));
    assert.equal(restarts.length, 0, restarts.map((e) => e.message).join('; '));
  });
});

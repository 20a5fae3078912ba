import assert from 'node:assert/strict';
import type { ProbeState } from '../../agent/probes/types.js';
import { exec, msg, NOT_READY, NOT_STARTED, podWith, READY, rig, targetOf } from '../support/probe-rig.js';

describe('probes: the manager over a container’s life (scripted runner)', () => {
  it('resolves named ports and passes the target to the runner', async () => {
    const r = rig();
    const pod = podWith({ ports: [{ name: 'http', containerPort: 8080 }, { name: 'db', containerPort: 5432 }], livenessProbe: { httpGet: { port: 'http', path: '/healthz' } }, readinessProbe: { tcpSocket: { port: 'db' } } });
    r.pm.sync([targetOf(pod, { hostNetwork: true })]);
    await r.to(0);
    const live = r.runner.calls.find((x) => x.kind === 'liveness')?.probe.handler;
    const ready = r.runner.calls.find((x) => x.kind === 'readiness')?.probe.handler;
    assert.deepEqual(live, { type: 'httpGet', scheme: 'HTTP', port: 8080, path: '/healthz', headers: [] });
    assert.deepEqual(ready, { type: 'tcpSocket', port: 5432 });
    r.pm.stop();
  });

  it('liveness restart, then a new container (new id) starts over; a restarted one (same id, new startedAt) too', async () => {
    const r = rig({ liveness: ['fail'] });
    const pod = podWith({ livenessProbe: { ...exec, periodSeconds: 5, failureThreshold: 2 } });
    r.pm.sync([targetOf(pod)]);
    await r.to(5);
    assert.equal(r.st().mustRestart, true);
    // Reconcile restarts it: a new container, started now.
    r.runner.script = { liveness: ['ok'] };
    r.pm.sync([targetOf(pod, { containerId: 'c2', startedAt: r.clock.now() })]);
    assert.deepEqual(r.st(), READY, 'a new container starts with a clean slate');
    await r.to(20);
    assert.deepEqual(r.st(), READY);
    assert.deepEqual(r.runner.times('liveness', 'c1'), [0, 5]);
    assert.deepEqual(r.runner.times('liveness', 'c2'), [5, 10, 15, 20]);
    // Docker restarted the same container: same id, new startedAt.
    r.runner.script = { liveness: ['fail'] };
    await r.to(30);
    assert.equal(r.st().mustRestart, true);
    r.runner.script = { liveness: ['ok'] };
    r.pm.sync([targetOf(pod, { containerId: 'c2', startedAt: r.clock.now() })]);
    assert.equal(r.st().mustRestart, false);
    r.pm.stop();
  });

  it('sync is idempotent: the same target (even a new pod object) keeps its workers and schedule', async () => {
    const r = rig({ readiness: ['ok', 'fail', 'fail', 'fail'] });
    const t = targetOf(podWith({ readinessProbe: exec }));
    r.pm.sync([t]);
    await r.to(15);
    r.pm.sync([t]);
    r.pm.sync([{ ...t, pod: { ...podWith({ readinessProbe: exec }), metadata: { name: 'web', uid: 'uid-1', labels: { a: 'b' } } } }]);
    await r.to(30);
    assert.deepEqual(r.runner.times('readiness'), [0, 10, 20, 30]);
    assert.equal(r.st().ready, false, 'the failure count survived the syncs');
    r.pm.stop();
  });

  it('a changed probe spec starts the container’s probes over', async () => {
    const r = rig();
    r.pm.sync([targetOf(podWith({ readinessProbe: exec }))]);
    await r.to(3);
    r.pm.sync([targetOf(podWith({ readinessProbe: { ...exec, periodSeconds: 4 } }))]);
    await r.to(12);
    assert.deepEqual(r.runner.times('readiness'), [0, 3, 7, 11]);
    r.pm.stop();
  });

  it('removed targets stop probing: timers cancelled, the in-flight probe aborted and ignored', async () => {
    const r = rig({ readiness: ['ok', 'hang'] });
    r.pm.sync([targetOf(podWith({ readinessProbe: exec }))]);
    await r.to(10);
    assert.equal(r.runner.calls.length, 2);
    r.pm.sync([]);
    await r.to(11);
    assert.equal(r.runner.aborted, 1);
    assert.equal(r.clock.pendingTimers, 0);
    assert.deepEqual(r.st(), NOT_STARTED, 'a container the manager does not know is neither started nor ready');
    await r.to(60);
    assert.equal(r.runner.calls.length, 2);
    r.pm.stop();
  });

  it('onChange fires on every state change from a probe result, not on sync, and not after unsubscribe', async () => {
    const r = rig({ readiness: ['ok', 'ok', 'fail', 'fail', 'fail', 'fail', 'ok'] });
    const seen: ProbeState[] = [];
    const off = r.pm.onChange(() => seen.push(r.st()));
    r.pm.onChange(() => {
      throw new Error('a bad listener does not stop the others');
    });
    r.pm.sync([targetOf(podWith({ readinessProbe: exec }))]);
    assert.equal(seen.length, 0, 'sync itself does not announce');
    await r.to(60);
    assert.deepEqual(seen, [
      READY, // 0
      msg(READY, 'readiness', 'Readiness probe failed: boom'), // 20
      msg(NOT_READY, 'readiness', 'Readiness probe failed: boom'), // 40
      READY, // 60
    ]);
    assert.deepEqual(r.changes, ['uid-1', 'uid-1', 'uid-1', 'uid-1']);
    off();
    r.runner.script = { readiness: ['fail'] };
    await r.to(100);
    assert.equal(seen.length, 4);
    assert.equal(r.changes.length, 6, 'first failure (message), then unready');
    r.pm.stop();
  });

  it('probes containers of several pods independently', async () => {
    const r = rig({ liveness: ['fail'] });
    const a = targetOf(podWith({ livenessProbe: { ...exec, failureThreshold: 1 } }, 'uid-a'), { containerId: 'ca' });
    const b = targetOf(podWith({ readinessProbe: exec }, 'uid-b'), { containerId: 'cb' });
    r.pm.sync([a, b]);
    await r.to(0);
    assert.equal(r.pm.state('uid-a', 'app').mustRestart, true);
    assert.deepEqual(r.pm.state('uid-b', 'app'), READY);
    assert.deepEqual(r.changes.sort(), ['uid-a', 'uid-b']);
    r.pm.stop();
  });

  it('stop() ends everything; later syncs do nothing', async () => {
    const r = rig({ liveness: ['hang'] });
    r.pm.sync([targetOf(podWith({ livenessProbe: exec }))]);
    await r.to(0);
    r.pm.stop();
    assert.equal(r.clock.pendingTimers, 0);
    assert.equal(r.runner.aborted, 1);
    r.pm.sync([targetOf(podWith({ livenessProbe: exec }))]);
    await r.to(60);
    assert.equal(r.runner.calls.length, 1);
    assert.equal(r.changes.length, 0);
  });
});

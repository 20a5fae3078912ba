/**
 * Exec probes and in-pod http/tcp probes through the real Docker engine in a busybox container
 * with `--network none`.
 */
import assert from 'node:assert/strict';
import { createDockerEngine } from '../../agent/engine/docker-engine.js';
import { LABELS, type ContainerEngine } from '../../agent/engine/types.js';
import { createProbeRunner } from '../../agent/probes/default-runner.js';
import { createProbeManager } from '../../agent/probes/manager.js';
import { createExecRunner } from '../../agent/probes/exec-runner.js';
import type { ProbeOutcome } from '../../agent/probes/runner.js';
import type { ProbeHandler } from '../../agent/probes/spec.js';
import type { ProbeTarget } from '../../agent/probes/types.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { systemClock } from '../../shared/util/clock.js';
import { silentLogger } from '../../shared/util/logger.js';
import { until } from '../support/wait.js';
import { DOCKER_SOCKET, TEST_IMAGE, dockerAvailable, requireService, testImageAvailable } from '../support/env.js';
import { http, never, spec, target, tcp } from '../support/probe-endpoints.js';

const RUN = `${process.pid}-${Date.now().toString(36)}`;

describe('probes: exec and in-pod probes in a real Docker container (--network none)', function () {
  let engine: ContainerEngine;
  let id = '';

  before(async function () {
    await requireService('docker', dockerAvailable, this);
    engine = createDockerEngine({ socketPath: DOCKER_SOCKET, logger: silentLogger });
    if (!(await engine.inspectImage(TEST_IMAGE))) {
      await requireService('test image', testImageAvailable, this);
      await engine.pullImage(TEST_IMAGE, {});
    }
    const name = `flotilla-probes-test-${RUN}`;
    id = await engine.createContainer({
      name,
      labels: {
        [LABELS.managed]: 'true',
        [LABELS.podUid]: `uid-${name}`,
        [LABELS.podNamespace]: 'default',
        [LABELS.podName]: name,
        [LABELS.container]: 'app',
        [LABELS.role]: 'app',
        [LABELS.specHash]: 'probes',
        [LABELS.attempt]: '0',
      },
      image: TEST_IMAGE,
      // httpd on 8080 serving /www; on 8082 a listener that accepts and never answers.
      cmd: ['sh', '-c', 'mkdir -p /www; echo ok >/www/ok; (while true; do sleep 3600 | nc -l -p 8082 >/dev/null; done) & exec httpd -f -p 8080 -h /www'],
      env: [],
      mounts: [],
      ports: [],
      networkMode: 'none',
      privileged: false,
    });
    await engine.startContainer(id);
    await until('httpd listening', async () => (await engine.exec(id, ['nc', '-w', '1', '127.0.0.1', '8080'], 2000)).exitCode === 0);
  });
  after(async () => {
    if (!id) return;
    await engine.stopContainer(id, 0).catch(() => undefined);
    await engine.removeContainer(id).catch(() => undefined);
  });

  const t = (): ProbeTarget => target({ containerId: id, hostNetwork: false });
  const exec = (command: string[], timeoutSeconds = 1): Promise<ProbeOutcome> => createExecRunner(engine).run(spec({ type: 'exec', command }, timeoutSeconds), t(), never());
  const probe = (h: ProbeHandler, timeoutSeconds = 1): Promise<ProbeOutcome> => createProbeRunner({ engine }).run(spec(h, timeoutSeconds), t(), never());

  it('exec: exit 0 passes', async () => {
    assert.deepEqual(await exec(['cat', '/www/ok']), { result: 'success', message: 'ok' });
  });
  it('exec: a non-zero exit fails with the output', async () => {
    assert.deepEqual(await exec(['sh', '-c', 'echo not healthy; exit 3']), { result: 'failure', message: 'not healthy' });
  });
  it('exec: a command that runs too long fails as timed out', async () => {
    const started = Date.now();
    assert.deepEqual(await exec(['sleep', '5'], 1), { result: 'failure', message: 'command "sleep 5" timed out' });
    assert.ok(Date.now() - started < 4000);
  });
  it('exec: a command the image lacks fails', async () => {
    const r = await exec(['/no/such/binary']);
    assert.equal(r.result, 'failure');
    assert.match(r.message, /no such file|not found/i);
  });
  it('exec: a container that does not exist is unknown, not a failure', async () => {
    const r = await createExecRunner(engine).run(spec({ type: 'exec', command: ['true'] }), target({ containerId: 'flotilla-no-such-container' }), never());
    assert.equal(r.result, 'unknown');
  });
  it('in-pod http: 200, 404, refused, timeout', async () => {
    assert.deepEqual(await probe(http(8080, '/ok')), { result: 'success', message: '' });
    assert.deepEqual(await probe(http(8080, '/missing')), { result: 'failure', message: 'HTTP probe failed with statuscode: 404' });
    assert.deepEqual(await probe(http(8081, '/')), { result: 'failure', message: 'Get "http://127.0.0.1:8081/": connect: connection refused' });
    const started = Date.now();
    assert.deepEqual(await probe(http(8082, '/'), 1), { result: 'failure', message: 'Get "http://127.0.0.1:8082/": timed out after 1s' });
    assert.ok(Date.now() - started < 5000);
  });
  it('the manager, on the real clock, with the default runner: ready via in-pod http, restart via exec', async () => {
    const pm = createProbeManager({ engine, clock: systemClock, logger: silentLogger });
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', uid: 'uid-probes' },
      spec: {
        containers: [
          {
            name: 'app',
            ports: [{ name: 'web', containerPort: 8080 }],
            readinessProbe: { httpGet: { port: 'web', path: '/ok' }, periodSeconds: 1 },
            livenessProbe: { exec: { command: ['test', '-f', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
      },
    };
    let sawReady = false;
    const changed = new Promise<void>((resolve) => {
      pm.onChange(() => {
        const st = pm.state('uid-probes', 'app');
        if (st.ready) sawReady = true;
        if (st.mustRestart) resolve();
      });
    });
    try {
      pm.sync([{ pod, podUid: 'uid-probes', container: 'app', containerId: id, hostNetwork: false, startedAt: new Date() }]);
      await changed;
      const st = pm.state('uid-probes', 'app');
      assert.equal(sawReady, true, 'the in-pod readiness probe passed first');
      assert.equal(st.mustRestart, true);
      assert.equal(st.ready, false);
      assert.equal(st.probe, 'liveness');
      assert.equal(st.message, 'Liveness probe failed: command "test -f /tmp/alive" exited with code 1');
    } finally {
      pm.stop();
    }
  });
  it('in-pod tcp: open and refused', async () => {
    assert.deepEqual(await probe(tcp(8080)), { result: 'success', message: '' });
    assert.deepEqual(await probe(tcp(8081)), { result: 'failure', message: 'dial tcp 127.0.0.1:8081: connect: connection refused' });
  });
});

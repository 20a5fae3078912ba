/**
 * The reconciler against the real Docker engine and registry: pods run (sandbox, shared
 * network, cgroups, env), ConfigMap files follow changes without a restart, init containers run
 * in order, a restarted reconciler adopts what runs, bad specs get reasons while other pods run,
 * crash loops back off 10 s, 20 s, …, liveness failures restart, OOM kills are reported,
 * graceful deletion and removal clean up — and containers the agent did not create (some with
 * look-alike names) are never touched.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LABELS, type ContainerEngine } from '../../agent/engine/types.js';
import { createProbeManager } from '../../agent/probes/index.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { systemClock } from '../../shared/util/clock.js';
import { isRecord, type JsonObject } from '../../shared/util/guards.js';
import { silentLogger } from '../../shared/util/logger.js';
import { engineWithTestImage } from '../support/engine-harness.js';
import { TEST_IMAGE, TEST_IMAGE_LATEST } from '../support/env.js';
import { RECONCILE_NODE, reconcileHarness, type RunningReconciler } from '../support/reconcile-harness.js';
import { until } from '../support/wait.js';

const run = promisify(execFile);
const RUN = Date.now().toString(36);

async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args)).stdout.trim();
}

function podObj(name: string, spec: JsonObject, meta: JsonObject = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `${RUN}-${name}-${randomUUID().slice(0, 8)}`, labels: { app: name }, ...meta },
    spec: { nodeName: RECONCILE_NODE, restartPolicy: 'Always', terminationGracePeriodSeconds: 2, ...spec },
  };
}

function cm(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data };
}

const sh = (script: string, extra: JsonObject = {}): JsonObject => ({ image: TEST_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], ...extra });

describe('reconcile on real Docker', function () {
  this.timeout(120_000);
  let engine: ContainerEngine;
  let podsDir: string;
  let h: RunningReconciler | undefined;
  const r = reconcileHarness({
    podsDirPrefix: 'flotilla-reconcile-',
    podSecurity: { level: 'privileged', hostPaths: { allowed: [`/nonexistent-${RUN}`], protected: [{ path: '/', what: 'the root file system' }] } },
  });
  const { start, setDesired, report, containerStatus, managed, running } = r;
  const decoys: string[] = [];

  function stateOf(cs: JsonObject | undefined, kind: 'waiting' | 'running' | 'terminated'): JsonObject | undefined {
    const st = cs?.['state'];
    if (!isRecord(st)) return undefined;
    const v = st[kind];
    return isRecord(v) ? v : undefined;
  }

  const ready = (pod: KubeObject) => (): boolean => report(pod)?.status['phase'] === 'Running' && containerStatus(pod, (podContainers(pod)[0] ?? ''))?.['ready'] === true;

  function podContainers(pod: KubeObject): string[] {
    const spec = pod['spec'];
    const list = isRecord(spec) && Array.isArray(spec['containers']) ? spec['containers'] : [];
    return list.filter(isRecord).map((c) => String(c['name']));
  }

  before(async function () {
    engine = await engineWithTestImage(this);
    podsDir = await r.setUp(engine);
    // Decoys: not created by the agent. One has a name like the agent's, one the agent's labels but for "managed".
    const decoySpecs: { name: string; labels: Record<string, string> }[] = [
      { name: `flotilla_app_web_default_decoy-${RUN}_0`, labels: {} },
      { name: `flotilla_POD_web_default_decoy-${RUN}_0`, labels: { [LABELS.podUid]: `decoy-${RUN}`, [LABELS.container]: 'app', [LABELS.role]: 'app' } },
      { name: `k8s_app_web_default_decoy-${RUN}_0`, labels: { [LABELS.managed]: 'false' } },
    ];
    for (const d of decoySpecs) {
      const id = await engine.createContainer({
        ...d,
        image: TEST_IMAGE,
        entrypoint: ['sleep', '3600'],
        env: [],
        mounts: [],
        ports: [],
        networkMode: 'none',
        privileged: false,
      });
      await engine.startContainer(id);
      decoys.push(id);
    }
    h = start();
  });

  afterEach(async () => {
    // Each test leaves nothing desired behind.
    await r.removeAllPods();
  });

  after(async () => {
    await r.dispose();
    if (engine) for (const id of decoys) await engine.removeContainer(id);
  });

  it('runs a pod: sandbox, two containers sharing its network, env, cgroups, status and events', async () => {
    const web = podObj('web', {
      containers: [
        sh("mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 127.0.0.1:18481 -h /www", {
          name: 'server',
          resources: { limits: { memory: '64Mi', cpu: '500m' }, requests: { cpu: '250m' } },
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'greeting' } } },
            { name: 'MESSAGE', value: '$(GREETING) from $(POD_NAME)' },
          ],
        }),
        sh('sleep 3600', { name: 'client' }),
      ],
    });
    setDesired([web], { configMaps: [cm('web-config', { greeting: 'hi' })] });
    await until('web ready', () => report(web)?.status['phase'] === 'Running' && containerStatus(web, 'server')?.['ready'] === true && containerStatus(web, 'client')?.['ready'] === true, 30_000);

    const client = await running(web, 'client');
    const server = await running(web, 'server');
    assert.ok(client && server);
    // The client reaches the server on 127.0.0.1: one network namespace (the sandbox's).
    const got = await until('wget', async () => {
      const r = await engine.exec(client.id, ['wget', '-qO-', 'http://127.0.0.1:18481/'], 5000);
      return r.exitCode === 0 ? r.output : undefined;
    });
    assert.equal(got.trim(), 'hello');
    const env = await engine.exec(server.id, ['env'], 5000);
    assert.match(env.output, /^MESSAGE=hi from web$/m);

    const hc = JSON.parse(await docker('inspect', '-f', '{{json .HostConfig}}', server.id)) as JsonObject;
    assert.equal(hc['Memory'], 64 * 2 ** 20);
    assert.equal(hc['MemorySwap'], 64 * 2 ** 20);
    assert.equal(hc['CpuQuota'], 50_000);
    assert.equal(hc['CpuPeriod'], 100_000);
    assert.equal(hc['CpuShares'], 256);
    assert.equal(hc['PidsLimit'], 1024);
    const sandbox = (await managed(web)).find((c) => c.role === 'sandbox');
    assert.ok(sandbox);
    assert.equal(hc['NetworkMode'], `container:${sandbox.id}`);
    assert.equal(server.name, `flotilla_server_web_default_${String(web.metadata.uid)}_0`);

    const st = report(web)?.status ?? {};
    assert.equal(st['hostIP'], '127.0.0.1');
    assert.equal(containerStatus(web, 'server')?.['containerID'], `docker://${server.id}`);
    assert.equal(containerStatus(web, 'server')?.['restartCount'], 0);
    const conds = (Array.isArray(st['conditions']) ? st['conditions'] : []).filter(isRecord);
    assert.deepEqual(
      conds.map((c) => `${String(c['type'])}=${String(c['status'])}`),
      ['Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True'],
    );
    const reasons = h?.events.filter((e) => e.involved.uid === web.metadata.uid).map((e) => e.reason) ?? [];
    for (const r of ['Pulled', 'Created', 'Started']) assert.ok(reasons.includes(r), `event ${r} in ${reasons.join(',')}`);
  });

  it('pulls an image with imagePullPolicy Always: events Pulling and Pulled with the time taken', async () => {
    const pod = podObj('pull', { hostNetwork: true, containers: [{ name: 'app', image: TEST_IMAGE_LATEST, command: ['sleep', '3600'] }] });
    setDesired([pod]);
    await until('pull ready', ready(pod), 30_000);
    const mine = h?.events.filter((e) => e.involved.uid === pod.metadata.uid) ?? [];
    assert.equal(mine.find((e) => e.reason === 'Pulling')?.message, `Pulling image "${TEST_IMAGE_LATEST}"`);
    assert.match(mine.find((e) => e.reason === 'Pulled')?.message ?? '', /^Successfully pulled image "127\.0\.0\.1:5000\/flotilla\/busybox:latest" in \d+\.\d{3}s$/);
    assert.ok(containerStatus(pod, 'app')?.['imageID']);
  });

  it('adopts running containers after the reconciler restarts (same ids, no restart)', async () => {
    const pod = podObj('adopt', { hostNetwork: true, containers: [sh('sleep 3600', { name: 'app' })], volumes: [{ name: 'cache', emptyDir: {} }] });
    setDesired([pod]);
    await until('adopt ready', ready(pod));
    const before = (await managed(pod)).map((c) => `${c.id}:${c.attempt}`).sort();
    await h?.rec.stop();
    h = start();
    await h.rec.idle();
    await until('adopt reported', ready(pod));
    await new Promise((r) => setTimeout(r, 1000));
    const after = (await managed(pod)).map((c) => `${c.id}:${c.attempt}`).sort();
    assert.deepEqual(after, before);
    assert.equal(containerStatus(pod, 'app')?.['restartCount'], 0);
  });

  it('ConfigMap change: the mounted file follows in place, without a restart', async () => {
    const pod = podObj('files', {
      containers: [sh('sleep 3600', { name: 'app', volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }] })],
      volumes: [{ name: 'cfg', configMap: { name: 'files-config' } }],
    });
    setDesired([pod], { configMaps: [cm('files-config', { 'app.conf': 'version=1\n' })] });
    await until('files ready', ready(pod));
    const app = await running(pod, 'app');
    assert.ok(app);
    const read = async (): Promise<string> => (await engine.exec(app.id, ['cat', '/etc/app/app.conf'], 5000)).output;
    assert.equal(await read(), 'version=1\n');
    const dir = join(podsDir, String(pod.metadata.uid), 'volumes', 'configmap', 'cfg');
    const inode = (await stat(dir)).ino;

    setDesired([pod], { configMaps: [cm('files-config', { 'app.conf': 'version=2\n' })] });
    await until('file updated in the container', async () => ((await read()) === 'version=2\n' ? true : undefined));
    assert.equal((await stat(dir)).ino, inode);
    assert.equal((await running(pod, 'app'))?.id, app.id);
    assert.equal(containerStatus(pod, 'app')?.['restartCount'], 0);
  });

  it('init containers run in order to completion before the app container', async () => {
    const pod = podObj('init', {
      initContainers: [
        sh('echo one >> /work/log; sleep 1', { name: 'first', volumeMounts: [{ name: 'work', mountPath: '/work' }] }),
        sh('echo two >> /work/log', { name: 'second', volumeMounts: [{ name: 'work', mountPath: '/work' }] }),
      ],
      containers: [sh('cat /work/log > /work/seen; sleep 3600', { name: 'app', volumeMounts: [{ name: 'work', mountPath: '/work' }] })],
      volumes: [{ name: 'work', emptyDir: {} }],
    });
    setDesired([pod]);
    await until('init pod ready', ready(pod), 30_000);
    const app = await running(pod, 'app');
    assert.ok(app);
    assert.equal((await engine.exec(app.id, ['cat', '/work/seen'], 5000)).output, 'one\ntwo\n');
    const first = stateOf(containerStatus(pod, 'first', 'initContainerStatuses'), 'terminated');
    const second = stateOf(containerStatus(pod, 'second', 'initContainerStatuses'), 'terminated');
    assert.equal(first?.['reason'], 'Completed');
    assert.equal(second?.['reason'], 'Completed');
    assert.ok(String(first?.['finishedAt']) <= String(second?.['startedAt']), 'second started after first finished');
  });

  it('bad specs get clear reasons; a good pod in the same document runs', async () => {
    const good = podObj('good', { hostNetwork: true, containers: [sh('sleep 3600', { name: 'app' })] });
    const noImage = podObj('noimage', { hostNetwork: true, containers: [{ name: 'app', image: '127.0.0.1:5000/flotilla/does-not-exist:1.0', imagePullPolicy: 'IfNotPresent' }] });
    const noKey = podObj('nokey', {
      hostNetwork: true,
      containers: [sh('sleep 3600', { name: 'app', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'bad-config', key: 'missing' } } }] })],
    });
    const noPath = podObj('nopath', {
      hostNetwork: true,
      containers: [sh('sleep 3600', { name: 'app', volumeMounts: [{ name: 'data', mountPath: '/data' }] })],
      volumes: [{ name: 'data', hostPath: { path: `/nonexistent-${RUN}/data`, type: 'Directory' } }],
    });
    const privileged = podObj('priv', { hostNetwork: true, containers: [sh('sleep 3600', { name: 'app', securityContext: { privileged: true } })] });
    const never = podObj('never', { hostNetwork: true, containers: [{ name: 'app', image: `127.0.0.1:5000/flotilla/not-here-${RUN}:1.0`, imagePullPolicy: 'Never' }] });
    setDesired([good, noImage, noKey, noPath, privileged, never], { configMaps: [cm('bad-config', { present: 'yes' })] });

    const waitingReason = (p: KubeObject) => (): string | undefined => stateOf(containerStatus(p, 'app'), 'waiting')?.['reason'] as string | undefined;
    await until('good ready', ready(good), 30_000);
    await until('ErrImagePull', () => (waitingReason(noImage)() === 'ErrImagePull' ? true : undefined));
    await until('ImagePullBackOff', () => (waitingReason(noImage)() === 'ImagePullBackOff' ? true : undefined));
    await until('CreateContainerConfigError', () => (waitingReason(noKey)() === 'CreateContainerConfigError' ? true : undefined));
    assert.equal(stateOf(containerStatus(noKey, 'app'), 'waiting')?.['message'], "couldn't find key missing in ConfigMap default/bad-config");
    await until('hostPath reason', () => (/hostPath type check failed/.test(String(stateOf(containerStatus(noPath, 'app'), 'waiting')?.['message'])) ? true : undefined));
    await until('privileged refused', () => (waitingReason(privileged)() === 'CreateContainerConfigError' ? true : undefined));
    assert.match(String(stateOf(containerStatus(privileged, 'app'), 'waiting')?.['message']), /allowPrivileged/);
    await until('ErrImageNeverPull', () => (waitingReason(never)() === 'ErrImageNeverPull' ? true : undefined));
    for (const p of [noImage, noKey, noPath, privileged, never]) {
      assert.equal(report(p)?.status['phase'], 'Pending');
      assert.equal((await managed(p)).filter((c) => c.role !== 'sandbox').length, 0);
    }
    const events = h?.events.filter((e) => e.involved.uid === noImage.metadata.uid).map((e) => e.reason) ?? [];
    assert.ok(events.includes('Pulling') && events.includes('Failed'), events.join(','));
    assert.equal(containerStatus(good, 'app')?.['ready'], true);
  });

  it('crash loop: CrashLoopBackOff with delays of 10 s, then 20 s', async function () {
    this.timeout(90_000);
    const pod = podObj('crash', { hostNetwork: true, containers: [sh('exit 3', { name: 'app' })] });
    setDesired([pod]);
    const seen = new Map<number, { started?: string; finished?: string }>();
    const messages = new Set<string>();
    await until(
      'restartCount 3',
      async () => {
        for (const c of await managed(pod)) {
          const e = seen.get(c.attempt) ?? {};
          if (c.startedAt) e.started = c.startedAt;
          if (c.finishedAt) e.finished = c.finishedAt;
          seen.set(c.attempt, e);
        }
        const w = stateOf(containerStatus(pod, 'app'), 'waiting');
        if (w?.['reason'] === 'CrashLoopBackOff') messages.add(String(w['message']).split(' restarting')[0] ?? '');
        return seen.get(3)?.started !== undefined ? true : undefined;
      },
      80_000,
    );
    const gap = (a: number): number => Date.parse(seen.get(a + 1)?.started ?? '') - Date.parse(seen.get(a)?.finished ?? '');
    assert.ok(gap(0) < 5000, `first restart at once (${gap(0)} ms)`);
    assert.ok(gap(1) >= 9500 && gap(1) < 16_000, `second after 10 s (${gap(1)} ms)`);
    assert.ok(gap(2) >= 19_500 && gap(2) < 26_000, `third after 20 s (${gap(2)} ms)`);
    assert.ok(messages.has('back-off 10s') && messages.has('back-off 20s'), [...messages].join(', '));
    const last = containerStatus(pod, 'app');
    assert.equal(isRecord(last?.['lastState']) && isRecord(last['lastState']['terminated']) ? last['lastState']['terminated']['exitCode'] : undefined, 3);
    // Only the newest attempt and the one before are kept (older ones go on the next pass).
    await until('old attempts removed', async () => ((await managed(pod)).length <= 2 ? true : undefined), 5000);
  });

  it('liveness failure: killed and restarted, restartCount bumped, events Unhealthy and Killing', async function () {
    this.timeout(60_000);
    await h?.rec.stop();
    const probes = createProbeManager({ engine, clock: systemClock, logger: silentLogger });
    h = start(probes);
    try {
      const pod = podObj('live', {
        hostNetwork: true,
        terminationGracePeriodSeconds: 1,
        containers: [
          sh('touch /tmp/ok; sleep 3; rm /tmp/ok; sleep 3600', {
            name: 'app',
            livenessProbe: { exec: { command: ['cat', '/tmp/ok'] }, periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 1 },
          }),
        ],
      });
      setDesired([pod]);
      await until('restartCount 1', () => (containerStatus(pod, 'app')?.['restartCount'] === 1 && stateOf(containerStatus(pod, 'app'), 'running') ? true : undefined), 40_000);
      const reasons = h.events.filter((e) => e.involved.uid === pod.metadata.uid).map((e) => e.reason);
      assert.ok(reasons.includes('Unhealthy') && reasons.includes('Killing'), reasons.join(','));
      assert.ok(stateOf(containerStatus(pod, 'app'), 'running'));
    } finally {
      setDesired([]);
      await h.rec.idle();
      await h.rec.stop();
      probes.stop();
      h = start();
    }
  });

  it('OOMKilled is reported', async () => {
    const pod = podObj('oom', {
      hostNetwork: true,
      restartPolicy: 'Never',
      containers: [sh('dd if=/dev/zero of=/dev/null bs=64M count=1', { name: 'app', resources: { limits: { memory: '16Mi' } } })],
    });
    setDesired([pod]);
    await until('Failed', () => (report(pod)?.status['phase'] === 'Failed' ? true : undefined));
    const t = stateOf(containerStatus(pod, 'app'), 'terminated');
    assert.equal(t?.['reason'], 'OOMKilled');
    assert.equal(t?.['exitCode'], 137);
  });

  it('graceful deletion: containers stop and go, volume dirs go, the pod is reported deleted', async () => {
    const pod = podObj('bye', {
      containers: [sh('trap "exit 0" TERM; sleep 3600 & wait', { name: 'app', volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] })],
      volumes: [{ name: 'scratch', emptyDir: {} }],
    });
    setDesired([pod]);
    await until('bye ready', ready(pod));
    await stat(join(podsDir, String(pod.metadata.uid)));
    const deleting: KubeObject = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 5 } };
    setDesired([deleting]);
    await until('deleted report', () => (report(pod)?.deleted === true ? true : undefined));
    assert.equal((await managed(pod)).length, 0);
    await assert.rejects(stat(join(podsDir, String(pod.metadata.uid))), /ENOENT/);
    const reasons = h?.events.filter((e) => e.involved.uid === pod.metadata.uid).map((e) => e.reason) ?? [];
    assert.ok(reasons.includes('Killing'), reasons.join(','));
  });

  it('never touched the decoys', async () => {
    for (const id of decoys) assert.equal(await docker('inspect', '-f', '{{.State.Running}}', id), 'true');
    assert.equal((await engine.listManaged()).filter((c) => decoys.includes(c.id)).length, 0);
  });
});

/**
 * Attacks on the device through pod specs, against a real hub, the real agent (with its
 * reconciler) and real Docker: each is refused, with nothing written on the host.
 *   - hostPath to / and to the Docker socket: refused by the API; with the API bypassed (a
 *     privileged namespace on the hub) refused again by the device's own policy;
 *   - subPath through a symlink planted by another container of the pod;
 *   - runAsNonRoot with an image that runs as root;
 *   - privileged, hostPID and added capabilities past the device's level.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerEngine } from '../../agent/engine/types.js';
import type { Status } from '../../shared/api/errors.js';
import type { KubeList, KubeObject } from '../../shared/api/meta.js';
import { isRecord } from '../../shared/util/guards.js';
import { engineWithTestImage } from '../support/engine-harness.js';
import { startDockerAgent, type DockerAgent } from '../support/docker-agent.js';
import { DOCKER_SOCKET, TEST_IMAGE } from '../support/env.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { until } from '../support/wait.js';

const NODE = 'pi-attack-podsec';
const NS = 'attack-podsec';

describe('attacks on the device through pod specs (real hub, agent, Docker)', function () {
  this.timeout(180_000);
  let hub: HubHandle;
  let api: Api;
  let engine: ContainerEngine;
  let device: DockerAgent | undefined;
  let hostDir: string;

  before(async function () {
    engine = await engineWithTestImage(this);
    hub = await startHub();
    api = apiClient(endpoint(hub));
    // The hub's admission is bypassed on purpose: this namespace admits anything.
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } };
    assert.equal((await api('/api/v1/namespaces', { method: 'POST', body: ns })).status, 201);
    hostDir = await mkdtemp(join(tmpdir(), 'flotilla-attack-host-'));
    // The device's defaults: podSecurityLevel baseline, no allowed host paths.
    device = await startDockerAgent(hub, engine, { node: NODE, tag: 'attack' });
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(device?.logs.slice(-40).join(''));
    await api?.(`/api/v1/namespaces/${NS}`, { method: 'DELETE' }).catch(() => undefined);
    await device?.stop();
    for (const c of await engine.listManaged()) if (c.podNamespace === NS) await engine.removeContainer(c.id).catch(() => undefined);
    await hub?.dispose();
    if (hostDir) await rm(hostDir, { recursive: true, force: true });
  });

  function podBody(name: string, spec: Record<string, unknown>): KubeObject {
    return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: NODE, restartPolicy: 'Never', ...spec } };
  }
  const sh = (name: string, script: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, image: TEST_IMAGE, command: ['sh', '-c', script], ...extra });

  async function create(name: string, spec: Record<string, unknown>): Promise<void> {
    const res = await api(`/api/v1/namespaces/${NS}/pods`, { method: 'POST', body: podBody(name, spec) });
    assert.equal(res.status, 201, res.text);
  }
  async function status(name: string): Promise<Record<string, unknown>> {
    const res = await api<KubeObject>(`/api/v1/namespaces/${NS}/pods/${name}`);
    return isRecord(res.body['status']) ? res.body['status'] : {};
  }
  async function eventMessages(name: string, reason: string): Promise<string[]> {
    const res = await api<KubeList>(`/api/v1/namespaces/${NS}/events`);
    return res.body.items
      .filter((e) => isRecord(e['involvedObject']) && e['involvedObject']['name'] === name && e['reason'] === reason)
      .map((e) => String(e['message']));
  }
  async function containersOf(name: string): Promise<number> {
    return (await engine.listManaged()).filter((c) => c.podNamespace === NS && c.podName === name).length;
  }
  /** The pod fails on the device with a PodSecurity event naming `field`, and nothing of it ran. */
  async function refusedOnDevice(name: string, field: RegExp): Promise<void> {
    const st = await until(`${name} failed`, async () => {
      const s = await status(name);
      return s['phase'] === 'Failed' ? s : undefined;
    }, 60_000);
    assert.equal(st['reason'], 'PodSecurity');
    assert.match(String(st['message']), field);
    const events = await until(`${name} event`, async () => {
      const m = await eventMessages(name, 'PodSecurity');
      return m.length > 0 ? m : undefined;
    }, 60_000);
    assert.match(events[0] ?? '', field);
    assert.equal(await containersOf(name), 0, 'no container was created');
  }

  it('hostPath to / and to the Docker socket are refused by the API in a baseline namespace', async () => {
    for (const path of ['/', DOCKER_SOCKET]) {
      const res = await api<Status>('/api/v1/namespaces/default/pods', { method: 'POST', body: podBody('hostpath', { containers: [sh('x', 'true')], volumes: [{ name: 'h', hostPath: { path } }] }) });
      assert.equal(res.status, 403);
      assert.match(res.body.message, /violates PodSecurity "baseline:latest": hostPath volumes \(volume "h"\)/);
    }
  });

  it('with the API bypassed, the device refuses hostPath to / and writes nothing on the host', async () => {
    const marker = `flotilla-attack-${Date.now()}`;
    await create('root-mount', { containers: [sh('x', `touch /host${hostDir}/${marker}`)], volumes: [{ name: 'h', hostPath: { path: '/' } }] });
    await refusedOnDevice('root-mount', /spec\.volumes\[0\]\.hostPath/);
    assert.deepEqual(await readdir(hostDir), []);
  });

  it('with the API bypassed, the device refuses the Docker socket', async () => {
    await create('docker-sock', {
      containers: [sh('x', 'ls -l /var/run/docker.sock', { volumeMounts: [{ name: 's', mountPath: '/var/run/docker.sock' }] })],
      volumes: [{ name: 's', hostPath: { path: DOCKER_SOCKET, type: 'Socket' } }],
    });
    await refusedOnDevice('docker-sock', /hostPath/);
  });

  it('privileged, hostPID and added capabilities are refused past the device level (baseline)', async () => {
    await create('priv', { containers: [sh('x', 'true', { securityContext: { privileged: true } })] });
    await create('hostpid', { hostPID: true, containers: [sh('x', 'true')] });
    await create('sysadmin', { containers: [sh('x', 'true', { securityContext: { capabilities: { add: ['SYS_ADMIN'] } } })] });
    await refusedOnDevice('priv', /securityContext\.privileged/);
    await refusedOnDevice('hostpid', /hostPID=true/);
    await refusedOnDevice('sysadmin', /"SYS_ADMIN"/);
  });

  it('subPath through a symlink another container planted does not leave the volume', async () => {
    await create('subpath-escape', {
      initContainers: [sh('plant', `rm -rf /data/evil; ln -s ${hostDir} /data/evil`, { volumeMounts: [{ name: 'shared', mountPath: '/data' }] })],
      containers: [sh('victim', 'echo pwned > /out/pwned', { volumeMounts: [{ name: 'shared', mountPath: '/out', subPath: 'evil' }] })],
      volumes: [{ name: 'shared', emptyDir: {} }],
    });
    const waiting = await until('victim refused', async () => {
      const s = await status('subpath-escape');
      const cs = Array.isArray(s['containerStatuses']) ? s['containerStatuses'] : [];
      const st = isRecord(cs[0]) && isRecord(cs[0]['state']) && isRecord(cs[0]['state']['waiting']) ? cs[0]['state']['waiting'] : undefined;
      return st && /symbolic link/.test(String(st['message'])) ? st : undefined;
    }, 30_000);
    assert.match(String(waiting['message']), /"evil" is a symbolic link/);
    assert.deepEqual(await readdir(hostDir), [], 'nothing written outside the volume');
  });

  it('runAsNonRoot with an image that runs as root: the container is never created, with an event', async () => {
    await create('nonroot', { securityContext: { runAsNonRoot: true }, containers: [sh('app', 'id')] });
    const events = await until('nonroot event', async () => {
      const m = await eventMessages('nonroot', 'Failed');
      return m.some((x) => /runAsNonRoot/.test(x)) ? m : undefined;
    }, 30_000);
    assert.ok(events.some((m) => m.includes('container has runAsNonRoot and image will run as root')));
    assert.equal((await engine.listManaged()).filter((c) => c.podName === 'nonroot' && c.role === 'app').length, 0);
  });

  it('securityContext is applied: user, read-only root, no-new-privileges, dropped capabilities', async () => {
    await create('hardened', {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 },
      containers: [
        sh('app', 'id -u; id -g; touch /x 2>/dev/null && echo writable || echo readonly; grep -E "^(NoNewPrivs|CapEff)" /proc/self/status', {
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        }),
      ],
    });
    const st = await until('hardened done', async () => {
      const s = await status('hardened');
      return s['phase'] === 'Succeeded' || s['phase'] === 'Failed' ? s : undefined;
    }, 60_000);
    assert.equal(st['phase'], 'Succeeded');
    const c = (await engine.listManaged()).find((x) => x.podName === 'hardened' && x.role === 'app');
    assert.ok(c);
    const lines: string[] = [];
    for await (const l of engine.logs(c.id, { follow: false })) lines.push(l.line.trim());
    assert.deepEqual(lines.slice(0, 3), ['1000', '1000', 'readonly']);
    assert.ok(lines.includes('NoNewPrivs:\t1') || lines.some((l) => /^NoNewPrivs:\s+1$/.test(l)), lines.join('|'));
    assert.ok(lines.some((l) => /^CapEff:\s+0+$/.test(l)), lines.join('|'));
  });
});

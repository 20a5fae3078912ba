/**
 * Pod status from devices, with a real hub process and a scripted device on real MQTT: a node's
 * report on its own pod lands in the pod's status (the API, flotctl and kubectl show it), a
 * report on another node's pod or a malformed one is refused with a Warning Event on the Node,
 * and a `deleted` report completes the graceful deletion of a Terminating pod.
 */
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import type { KubeList, KubeObject } from '../../shared/api/meta.js';
import { encode, nodeTopic, type PodsMessage, type PodStatusReport } from '../../shared/protocol/index.js';
import { connectNode, enroll, newDevice } from '../support/device.js';
import { requireService } from '../support/env.js';
import { pod } from '../support/fixtures.js';
import { bootstrapToken, flotctl, kubectlAvailable } from '../support/flotctl.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, readWatch, type Api } from '../support/http.js';
import { run } from '../support/run.js';
import { until } from '../support/wait.js';

const PODS = '/api/v1/namespaces/default/pods';

const RUNNING = {
  phase: 'Running',
  conditions: [
    { type: 'Initialized', status: 'True' },
    { type: 'Ready', status: 'True' },
    { type: 'ContainersReady', status: 'True' },
    { type: 'PodScheduled', status: 'True' },
  ],
  containerStatuses: [
    {
      name: 'main',
      ready: true,
      restartCount: 0,
      state: { running: { startedAt: '2026-01-01T10:00:00Z' } },
      image: '127.0.0.1:5000/flotilla/busybox:1.0',
      imageID: 'docker-pullable://127.0.0.1:5000/flotilla/busybox@sha256:0123',
      containerID: 'docker://abcdef',
      started: true,
    },
  ],
  hostIP: '192.168.1.20',
  podIP: '192.168.1.20',
  startTime: '1970-01-01T00:00:00Z',
  qosClass: 'Guaranteed',
  deviceSecret: 'must not be stored',
};

describe('pod status intake: a node reports its pods (real hub, real MQTT)', function () {
  this.timeout(60_000);
  let hub: HubHandle;
  let api: Api;
  let device: MqttClient;
  const alpha = newDevice('pi-alpha');
  const beta = newDevice('pi-beta');

  const getPod = async (name: string): Promise<KubeObject | undefined> => {
    const res = await api<KubeObject>(`${PODS}/${name}`);
    if (res.status === 404) return undefined;
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const mustGetPod = async (name: string): Promise<KubeObject> => {
    const p = await getPod(name);
    assert.ok(p, `pod ${name} exists`);
    return p;
  };
  const createPod = async (name: string, nodeName: string): Promise<KubeObject> => {
    const res = await api<KubeObject>(PODS, { method: 'POST', body: pod(name, { nodeName }) });
    assert.equal(res.status, 201, res.text);
    return res.body;
  };
  const report = (p: KubeObject, status: Record<string, unknown>, extra: Partial<PodStatusReport> = {}): PodStatusReport => ({
    uid: p.metadata.uid ?? '',
    namespace: 'default',
    name: p.metadata.name ?? '',
    status,
    ...extra,
  });
  const publishPods = async (...pods: PodStatusReport[]): Promise<void> => {
    const msg: PodsMessage = { v: 1, t: 'pods', pods };
    await device.publishAsync(nodeTopic('pi-alpha', 'pods'), encode(msg), { qos: 1 });
  };
  const rejections = async (): Promise<KubeObject[]> =>
    (await api<KubeList>('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dpi-alpha,reason%3DPodStatusRejected')).body.items;
  const rejectionSaying = (re: RegExp): Promise<KubeObject> =>
    until(`a PodStatusRejected event matching ${re}`, async () => (await rejections()).find((e) => re.test(String(e['message']))));

  before(async function () {
    hub = await startHub();
    api = apiClient(endpoint(hub));
    const token = await bootstrapToken(hub);
    assert.equal((await enroll(hub.mqttUrl, token, alpha)).ok, true);
    assert.equal((await enroll(hub.mqttUrl, token, beta)).ok, true);
    device = await connectNode(hub.mqttUrl, alpha);
  });
  after(async function () {
    await device?.endAsync();
    await hub?.dispose();
  });

  it("accepts a node's status for its own pod: the API, flotctl and kubectl show it Running", async function () {
    const web = await createPod('web', 'pi-alpha');
    assert.equal((web['status'] as { phase?: string }).phase, 'Pending');
    const sent = Date.now();
    await publishPods(report(web, RUNNING));
    const stored = await until('web Running', async () => {
      const p = await getPod('web');
      return (p?.['status'] as { phase?: string } | undefined)?.phase === 'Running' ? p : undefined;
    });
    const status = stored['status'] as Record<string, unknown>;
    const containers = status['containerStatuses'] as Record<string, unknown>[];
    assert.equal(containers[0]?.['ready'], true);
    assert.equal(containers[0]?.['containerID'], 'docker://abcdef');
    assert.equal(status['podIP'], '192.168.1.20');
    assert.equal(status['deviceSecret'], undefined, 'unknown fields are dropped at the boundary');
    assert.equal(status['qosClass'], 'BestEffort', "the hub's qosClass stays; the device's is ignored");
    // Times are the hub's: not the device's 1970 startTime, and conditions stamped on arrival.
    const startTime = Date.parse(String(status['startTime']));
    assert.ok(startTime >= Math.floor(sent / 1000) * 1000 && startTime <= Date.now(), `startTime ${String(status['startTime'])}`);
    const conditions = status['conditions'] as Record<string, unknown>[];
    assert.equal(conditions.length, 4);
    assert.ok(conditions.every((c) => typeof c['lastTransitionTime'] === 'string'));

    const listed = await flotctl(hub, ['get', 'pods']);
    assert.match(listed.stdout, /^web\s+1\/1\s+Running\s+0\s/m, listed.stdout);
  });

  it('kubectl get pod shows it Running', async function () {
    await requireService('kubectl', kubectlAvailable, this);
    const r = await run('kubectl', ['--kubeconfig', hub.kubeconfig, 'get', 'pod', 'web'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^web\s+1\/1\s+Running\s+0\s/m, r.stdout);
    const wide = await run('kubectl', ['--kubeconfig', hub.kubeconfig, 'get', 'pod', 'web', '-o', 'jsonpath={.status.containerStatuses[0].ready} {.status.podIP}'], { timeoutMs: 30_000 });
    assert.equal(wide.stdout, 'true 192.168.1.20');
  });

  it('does not write when nothing changed', async function () {
    const before = await mustGetPod('web');
    const rv = before.metadata.resourceVersion ?? '';
    const watched = readWatch(endpoint(hub), `${PODS}?watch=true&fieldSelector=metadata.name%3Dweb&resourceVersion=${rv}`, 2, 2000);
    await new Promise((r) => setTimeout(r, 200));
    await publishPods(report(before, RUNNING));
    // A later report that does change something proves the first one was processed (in order).
    await publishPods(report(before, { ...RUNNING, podIP: '192.168.1.21' }));
    const { events } = await watched;
    assert.deepEqual(
      events.map((e) => [e.type, (e.object['status'] as { podIP?: string }).podIP]),
      [['MODIFIED', '192.168.1.21']],
      'one write, for the change only',
    );
  });

  it("refuses a report on another node's pod, records a Warning Event on the Node, and keeps that pod as it was", async function () {
    const other = await createPod('betas-pod', 'pi-beta');
    await publishPods(report(other, RUNNING));
    const event = await rejectionSaying(/betas-pod is bound to node pi-beta, not to pi-alpha/);
    assert.equal(event['type'], 'Warning');
    assert.deepEqual((event['involvedObject'] as Record<string, unknown>)['kind'], 'Node');
    const still = await getPod('betas-pod');
    assert.equal((still?.['status'] as { phase?: string }).phase, 'Pending');
    assert.equal(still?.metadata.resourceVersion, other.metadata.resourceVersion);
    assert.ok(hub.logs.some((l) => l.includes('pod report rejected') && l.includes('betas-pod')), 'a log line says so');
  });

  it('refuses reports on pods that do not exist or are another pod of that name', async function () {
    await publishPods({ uid: 'nope', namespace: 'default', name: 'ghost', status: { phase: 'Running' } });
    await rejectionSaying(/pod default\/ghost does not exist/);
    const web = await mustGetPod('web');
    await publishPods(report(web, RUNNING, { uid: 'an-older-uid' }));
    await rejectionSaying(/has uid .*, not an-older-uid/);
  });

  it('refuses a malformed status naming the field, and still applies the other pods of the message', async function () {
    const web = await mustGetPod('web');
    const second = await createPod('second', 'pi-alpha');
    const bad = { ...RUNNING, containerStatuses: [{ ...RUNNING.containerStatuses[0], restartCount: 'many' }] };
    await publishPods(report(web, bad), report(second, { phase: 'Running' }));
    const event = await rejectionSaying(/malformed status of pod default\/web/);
    assert.match(String(event['message']), /status\.containerStatuses\[0\]\.restartCount: expected integer, got string/);
    await until('second Running', async () => ((await getPod('second'))?.['status'] as { phase?: string } | undefined)?.phase === 'Running' || undefined);
    assert.equal(((await getPod('web'))?.['status'] as { containerStatuses: { restartCount: number }[] }).containerStatuses[0]?.restartCount, 0);
  });

  it('completes the deletion of a Terminating pod when its node reports it deleted', async function () {
    const doomed = await createPod('doomed', 'pi-alpha');
    const del = await api<KubeObject>(`${PODS}/doomed`, { method: 'DELETE' });
    assert.equal(del.status, 200, del.text);
    assert.ok(del.body.metadata.deletionTimestamp, 'Terminating');
    const table = await api<{ rows: { cells: unknown[] }[] }>(`${PODS}/doomed`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    assert.equal(table.body.rows[0]?.cells[2], 'Terminating');

    // While it terminates the device may still report status; the pod stays.
    await publishPods(report(doomed, { phase: 'Running' }));
    await until('status written', async () => ((await getPod('doomed'))?.['status'] as { phase?: string } | undefined)?.phase === 'Running' || undefined);
    await publishPods(report(doomed, {}, { deleted: true }));
    await until('doomed gone', async () => ((await getPod('doomed')) === undefined ? true : undefined));
  });

  it('refuses a deleted report for a pod that is not being deleted', async function () {
    const keep = await createPod('keep', 'pi-alpha');
    await publishPods(report(keep, {}, { deleted: true }));
    await rejectionSaying(/keep was reported deleted, but it is not being deleted/);
    assert.ok(await getPod('keep'));
  });

  it('refuses a deleted report for a Terminating pod of another node', async function () {
    const theirs = await createPod('theirs', 'pi-beta');
    assert.equal((await api(`${PODS}/theirs`, { method: 'DELETE' })).status, 200);
    await publishPods(report(theirs, {}, { deleted: true }));
    await rejectionSaying(/theirs is bound to node pi-beta, not to pi-alpha/);
    assert.ok((await getPod('theirs'))?.metadata.deletionTimestamp, 'still Terminating');
  });
});

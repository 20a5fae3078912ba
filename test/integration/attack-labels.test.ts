/**
 * Label hijack, live: an enrolled node with its real identity reports labels, annotations and
 * taints about itself that NodeRestriction forbids (another host name, node-role and
 * node-restriction labels, labels and annotations the hub reserves, an admin's label, the spec's
 * taints), and writes another node's status. Against a real hub and broker on loopback: the
 * forbidden parts are refused and never stored, the rest of its report applies.
 */
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import type { KubeList, KubeObject } from '../../shared/api/meta.js';
import { encode, nodeTopic, parseJoinString, statusHash, type StatusMessage } from '../../shared/protocol/index.js';
import { connectNode, enroll, newDevice } from '../support/device.js';
import { joinString } from '../support/flotctl.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { sleep, until } from '../support/wait.js';

function statusReport(labels: Record<string, string>, annotations: Record<string, string>, ready: 'True' | 'False'): StatusMessage {
  const status: StatusMessage['status'] = {
    conditions: [{ type: 'Ready', status: ready, reason: 'KubeletReady', message: 'hijacker' }],
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
    capacity: { cpu: '4', memory: '1Gi', pods: '10' },
    allocatable: { cpu: '4', memory: '1Gi', pods: '10' },
    nodeInfo: {},
  };
  return { v: 1, t: 'status', hash: statusHash({ status, labels, annotations }), status, labels, annotations };
}

const FORBIDDEN_LABELS = {
  'kubernetes.io/hostname': 'pi-victim',
  'node-role.kubernetes.io/control-plane': '',
  'node-restriction.kubernetes.io/trusted': 'true',
  'x.node-restriction.kubernetes.io/tier': 'gold',
  'example.kubernetes.io/anything': 'x',
  'k8s.io/owned': 'x',
  'flotilla.io/hollow': 'true',
  site: 'cellar', // the admin set site=roof
};
const FORBIDDEN_ANNOTATIONS = {
  'flotilla.io/desired-revision': '0.999999',
  'flotilla.io/reported-labels': 'site',
  'flotilla.io/rollout-paused': 'true',
};

describe('attack: a node hijacking its own labels, taints and another node (real hub and broker)', function () {
  this.timeout(60_000);
  let hub: HubHandle;
  let api: Api;
  const hijacker = newDevice('pi-hijack');
  const victim = newDevice('pi-victim');
  let conn: MqttClient;
  const node = async (name: string): Promise<KubeObject> => (await api<KubeObject>(`/api/v1/nodes/${name}`)).body;

  before(async function () {
    hub = await startHub();
    api = apiClient(endpoint(hub));
    const { token } = parseJoinString(await joinString(hub));
    for (const d of [hijacker, victim]) assert.equal((await enroll(hub.mqttUrl, token, d)).ok, true);
    // The admin's label and a NoExecute taint on the hijacker.
    const admin = { metadata: { labels: { site: 'roof' } }, spec: { taints: [{ key: 'quarantine', value: 'true', effect: 'NoExecute' }] } };
    const r = await api(`/api/v1/nodes/${hijacker.name}`, { method: 'PATCH', body: admin, contentType: 'application/merge-patch+json' });
    assert.equal(r.status, 200, r.text);
    conn = await connectNode(hub.mqttUrl, hijacker);
  });
  after(async function () {
    conn?.end(true);
    await hub?.dispose();
  });

  it('forbidden labels and annotations are refused and not stored; its own labels and status apply', async function () {
    const report = { ...statusReport({ ...FORBIDDEN_LABELS, mine: 'ok', 'node.kubernetes.io/instance-type': 'pi4', 'flotilla.io/device-model': 'pi-4' }, { ...FORBIDDEN_ANNOTATIONS, 'flotilla.io/cpu-temperature-celsius': '41.0' }, 'True'), spec: { taints: [] } };
    await conn.publishAsync(nodeTopic(hijacker.name, 'status'), encode(report), { qos: 1 });
    const n = await until('the report applied', async () => {
      const o = await node(hijacker.name);
      return o.metadata.labels?.['mine'] === 'ok' ? o : undefined;
    });
    const labels = n.metadata.labels ?? {};
    for (const key of Object.keys(FORBIDDEN_LABELS).filter((k) => k !== 'site' && k !== 'kubernetes.io/hostname')) assert.equal(labels[key], undefined, `${key} was stored`);
    assert.equal(labels['kubernetes.io/hostname'], hijacker.name, 'its host name stays its own');
    assert.equal(labels['site'], 'roof', "the admin's label stays");
    assert.equal(labels['node.kubernetes.io/instance-type'], 'pi4', 'a kubelet label is allowed');
    assert.equal(labels['flotilla.io/device-model'], 'pi-4');
    const annotations = n.metadata.annotations ?? {};
    assert.notEqual(annotations['flotilla.io/desired-revision'], '0.999999');
    assert.equal(annotations['flotilla.io/rollout-paused'], undefined);
    assert.equal(annotations['flotilla.io/reported-labels'], 'flotilla.io/device-model,mine,node.kubernetes.io/instance-type', 'only what it may set is recorded as its own');
    assert.equal(annotations['flotilla.io/cpu-temperature-celsius'], '41.0');
    const spec = n['spec'] as { taints?: { key: string; effect: string }[] };
    assert.deepEqual(spec.taints?.map((t) => `${t.key}:${t.effect}`), ['quarantine:NoExecute'], 'the NoExecute taint stays');
    const status = n['status'] as { conditions?: { type: string; status: string }[] };
    assert.equal(status.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'the rest of the report applied');

    const events = await until('a NodeRestriction event', async () => {
      const list = await api<KubeList>(`/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3D${hijacker.name},reason%3DNodeRestriction`);
      return list.body.items.length > 0 ? list.body.items : undefined;
    });
    assert.match(String(events[0]?.['message']), /node-role\.kubernetes\.io\/control-plane/);
  });

  it("writing another node's status is refused at the broker and changes nothing", async function () {
    const before = (await node(victim.name)).metadata.resourceVersion;
    const c = await connectNode(hub.mqttUrl, hijacker);
    c.on('error', () => undefined);
    c.publish(nodeTopic(victim.name, 'status'), encode(statusReport({ 'node-role.kubernetes.io/control-plane': '' }, {}, 'False')), { qos: 0 });
    c.publish(nodeTopic(victim.name, 'hb'), encode({ v: 1, t: 'hb', s: 1, h: '00000000' }), { qos: 0 });
    await sleep(1000);
    c.end(true);
    assert.equal((await node(victim.name)).metadata.resourceVersion, before, "the victim's Node is unchanged");
    assert.ok(hub.logs.some((l) => l.includes('publish refused') && l.includes(nodeTopic(victim.name, 'status'))));
  });
});

/**
 * A status flood from an enrolled device, against a real hub process and broker on loopback:
 * each report is a store write, so the hub keeps at most a bounded number waiting per node and
 * drops the rest (one summary log line per interval, not one per message). The hub keeps
 * serving, and once the flood stops the node's next report is stored as usual.
 */
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import type { KubeObject } from '../../shared/api/meta.js';
import { encode, nodeTopic, parseJoinString, statusHash, type StatusMessage } from '../../shared/protocol/index.js';
import { connectNode, enroll, newDevice } from '../support/device.js';
import { joinString } from '../support/flotctl.js';
import { endpoint, startHub, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { until } from '../support/wait.js';

function statusReport(round: number): StatusMessage {
  const labels = { round: String(round) };
  const status: StatusMessage['status'] = {
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: `report ${round}` }],
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
    capacity: { cpu: '4', memory: '1Gi', pods: '10' },
    allocatable: { cpu: '4', memory: '1Gi', pods: '10' },
    nodeInfo: {},
  };
  return { v: 1, t: 'status', hash: statusHash({ status, labels, annotations: {} }), status, labels, annotations: {} };
}

describe('attack: a status flood from one device (real hub and broker)', function () {
  this.timeout(90_000);
  let hub: HubHandle;
  let api: Api;
  const flood = newDevice('pi-status-flood');
  let conn: MqttClient;

  before(async function () {
    hub = await startHub();
    api = apiClient(endpoint(hub));
    const { token } = parseJoinString(await joinString(hub));
    assert.equal((await enroll(hub.mqttUrl, token, flood)).ok, true);
    conn = await connectNode(hub.mqttUrl, flood);
  });
  after(async function () {
    conn?.end(true);
    await hub?.dispose();
  });

  const SENT = 3000;

  it('thousands of reports: the excess is dropped and counted in one line, the hub serves, the next report lands', async function () {
    const topic = nodeTopic(flood.name, 'status');
    for (let i = 0; i < SENT; i++) conn.publish(topic, encode(statusReport(i)), { qos: 0 });
    assert.equal((await api('/readyz')).status, 200, 'the API answers during the flood');

    const line = await until('the drop summary', () => hub.logs.find((l) => l.includes('node messages dropped') && l.includes(flood.name)), 30_000);
    const summary = JSON.parse(line) as { dropped: number; maxPending: number };
    assert.ok(summary.dropped > 0 && summary.dropped < SENT, `dropped ${summary.dropped} of ${SENT}`);
    assert.equal(summary.maxPending, 64);
    assert.ok(hub.logs.filter((l) => l.includes('node messages dropped')).length <= 2, 'a summary, not a line per message');

    // The flood is over: a report sent now is stored, as from any well-behaved device.
    await until('the queue drained', async () => {
      await conn.publishAsync(topic, encode(statusReport(SENT)), { qos: 1 });
      const node = await api<KubeObject>(`/api/v1/nodes/${flood.name}`);
      return node.status === 200 && node.body.metadata.labels?.['round'] === String(SENT) ? true : undefined;
    }, 30_000, 1000);
  });
});

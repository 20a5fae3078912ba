/**
 * The fleet simulator at a small size against a real hub: 50 hollow devices (the real agent
 * code, each with its own keys, over a fake container engine) enroll with one token, connect,
 * heartbeat, and are Ready on the hub; a pod bound to one of them runs and its status comes back.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mqttJsConnector } from '../../agent/link/index.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { systemClock } from '../../shared/util/clock.js';
import { silentLogger } from '../../shared/util/logger.js';
import { bootstrapToken } from '../support/flotctl.js';
import { apiClient, type Api } from '../support/http.js';
import { REPO_ROOT, startHub, type HubHandle } from '../support/hub.js';
import { loadHostFixture, recordedHostProbe } from '../support/recorded-host.js';
import { until } from '../support/wait.js';
import { HollowFleet } from '../sim/hollow-fleet.js';

const NODES = 50;

interface NodeList {
  items: KubeObject[];
}

function isReady(node: KubeObject): boolean {
  const conditions = (node.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

describe('fleet simulator (hollow devices) against a hub', function () {
  this.timeout(120_000);
  let hub: HubHandle;
  let api: Api;
  let fleet: HollowFleet | undefined;
  let dataRoot: string;

  before(async () => {
    hub = await startHub();
    api = apiClient({ url: () => hub.apiUrl, token: hub.token, ca: hub.ca });
    dataRoot = await mkdtemp(join(tmpdir(), 'flotilla-sim-test-'));
  });
  after(async () => {
    await fleet?.stop(true);
    await hub?.dispose();
    await rm(dataRoot, { recursive: true, force: true });
  });

  it(`brings ${NODES} hollow devices Ready with one token, and runs a pod on one`, async () => {
    const host = recordedHostProbe(await loadHostFixture(join(REPO_ROOT, 'test/fixtures/conditions/pi4-bookworm.json')));
    fleet = await HollowFleet.start(
      {
        hubUrl: hub.mqttUrl,
        token: await bootstrapToken(hub, '--max-uses', String(NODES)),
        nodes: NODES,
        prefix: 'sim',
        dataRoot,
        heartbeatIntervalMs: 2000,
        startConcurrency: NODES,
        podStartDelayMs: 500,
        pullFailureRate: 0,
        crashRate: 0,
        reconcileIntervalMs: 1000,
      },
      { connector: mqttJsConnector, hostProbe: host, clock: systemClock, logger: silentLogger, random: Math.random },
    );
    assert.deepEqual(fleet.failures, []);

    const ready = await until(
      `all ${NODES} hollow nodes Ready on the hub`,
      async () => {
        const res = await api<NodeList>('/api/v1/nodes?labelSelector=hollow%3Dtrue');
        const n = res.body.items.filter(isReady).length;
        return n === NODES ? n : undefined;
      },
      60_000,
      500,
    );
    assert.equal(ready, NODES);

    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'on-hollow', namespace: 'default' },
      spec: { nodeName: 'sim-7', containers: [{ name: 'app', image: 'example.invalid/app:1', command: ['sleep', '1000'] }] },
    };
    assert.equal((await api('/api/v1/namespaces/default/pods', { method: 'POST', body: pod })).status, 201);
    await until(
      'the pod Running on the hub',
      async () => ((await api<KubeObject>('/api/v1/namespaces/default/pods/on-hollow')).body.status as { phase?: string } | undefined)?.phase === 'Running',
      30_000,
      250,
    );
    const device = fleet.devices.find((d) => d.name === 'sim-7');
    assert.ok(device && device.engine.runningCount() >= 1, 'the hollow engine of sim-7 runs the container');
  });
});

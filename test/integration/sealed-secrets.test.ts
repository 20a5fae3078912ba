/**
 * Secret data reaches only the device it is for (real hub, real broker, real agent and Docker):
 * a Secret with distinctive bytes, mounted by a pod bound to the node, is seen by the pod's
 * container, while neither its bytes nor their base64 appear in the desired document on the
 * wire (recorded between broker and agent), in the broker's persistence directory (retained
 * messages, queued sessions) or in the agent's desired-state cache on disk.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerEngine } from '../../agent/engine/types.js';
import { DESIRED_DB_FILE } from '../../agent/state/desired-cache.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { nodeTopic } from '../../shared/protocol/index.js';
import { isRecord } from '../../shared/util/guards.js';
import { encodedTexts } from '../support/encoded-text.js';
import { startDockerAgent, type DockerAgent } from '../support/docker-agent.js';
import { engineWithTestImage } from '../support/engine-harness.js';
import { TEST_IMAGE } from '../support/env.js';
import { startHub, endpoint, type HubHandle } from '../support/hub.js';
import { apiClient, type Api } from '../support/http.js';
import { MqttTap } from '../support/mqtt-tap.js';
import { until } from '../support/wait.js';

const NODE = 'pi-sealed-secrets';
const NS = 'sealed-secrets';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('Secrets sealed to the device (real hub, broker, agent, Docker)', function () {
  this.timeout(180_000);
  const canary = `sealed-canary-${randomBytes(12).toString('hex')}`;
  const canaryB64 = Buffer.from(canary).toString('base64');
  let hub: HubHandle;
  let api: Api;
  let tap: MqttTap;
  let engine: ContainerEngine;
  let device: DockerAgent | undefined;

  /** Fails naming `where` if the canary (or its base64) is in `blob` through any layer of encoding. */
  function assertNoCanary(blob: string, where: string): void {
    for (const text of encodedTexts(blob)) {
      assert.ok(!text.includes(canary), `the secret's bytes are readable in ${where}`);
      assert.ok(!text.includes(canaryB64), `the secret's base64 is readable in ${where}`);
    }
  }

  before(async function () {
    engine = await engineWithTestImage(this);
    hub = await startHub();
    api = apiClient(endpoint(hub));
    tap = await MqttTap.start(() => hub.mqttUrl);
    assert.equal((await api('/api/v1/namespaces', { method: 'POST', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } })).status, 201);
    device = await startDockerAgent(hub, engine, { node: NODE, tag: 'sealed', hubUrl: tap.url });
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(device?.logs.slice(-40).join(''));
    await api?.(`/api/v1/namespaces/${NS}`, { method: 'DELETE' }).catch(() => undefined);
    await device?.stop();
    if (engine) for (const c of await engine.listManaged()) if (c.podNamespace === NS) await engine.removeContainer(c.id).catch(() => undefined);
    await tap?.close();
    await hub?.dispose();
  });

  it('the pod reads the Secret; the wire, the broker store and the agent cache hold only ciphertext', async function () {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'vault' }, type: 'Opaque', data: { token: canaryB64 } };
    assert.equal((await api(`/api/v1/namespaces/${NS}/secrets`, { method: 'POST', body: secret })).status, 201);
    // The container proves it saw the bytes by their hash: the pod spec (in the document) never holds them.
    const hash = createHash('sha256').update(canary).digest('hex');
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'reader' },
      spec: {
        nodeName: NODE,
        restartPolicy: 'Never',
        volumes: [{ name: 'vault', secret: { secretName: 'vault' } }],
        containers: [{ name: 'c', image: TEST_IMAGE, command: ['sh', '-c', `test "$(sha256sum /s/token | cut -d' ' -f1)" = ${hash}`], volumeMounts: [{ name: 'vault', mountPath: '/s' }] }],
      },
    };
    assert.equal((await api(`/api/v1/namespaces/${NS}/pods`, { method: 'POST', body: pod })).status, 201);
    const phase = await until(
      'pod reader finished',
      async () => {
        const res = await api<KubeObject>(`/api/v1/namespaces/${NS}/pods/reader`);
        const p = isRecord(res.body['status']) ? res.body['status']['phase'] : undefined;
        return p === 'Succeeded' || p === 'Failed' ? p : undefined;
      },
      120_000,
    );
    assert.equal(phase, 'Succeeded', 'the container did not read the Secret\'s bytes from its file');

    const delivered = tap.delivered(nodeTopic(NODE, 'desired'));
    assert.ok(delivered.length > 0, 'no desired document crossed the wire');
    const last = delivered.at(-1)?.payload.toString('utf8') ?? '';
    assert.ok(encodedTexts(last).some((t) => t.includes('"sealedData"')), 'the document on the wire carries no sealed Secret');
    for (const p of delivered) assertNoCanary(p.payload.toString('utf8'), 'the desired document on the wire');

    // The broker keeps its sessions in memory; whatever else the hub writes beside its object store
    // (the store holds the Secret itself: it is the source of truth), audit log included, must
    // not hold the Secret's bytes.
    const storeDir = join(hub.dataDir, 'store');
    const hubFiles = (await filesUnder(hub.dataDir)).filter((f) => !f.startsWith(`${storeDir}/`));
    assert.ok(hubFiles.length > 0, 'the hub wrote nothing beside its store');
    for (const f of hubFiles) assertNoCanary(await readFile(f, 'latin1'), `the hub's ${f}`);

    assert.ok(device, 'the agent is running');
    const cache = await readFile(join(device.dataDir, 'state', DESIRED_DB_FILE), 'latin1');
    assert.ok(encodedTexts(cache).some((t) => t.includes('"sealedData"')), 'the agent cache holds no sealed Secret');
    assertNoCanary(cache, "the agent's desired-state cache");
  });
});

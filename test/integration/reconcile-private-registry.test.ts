/**
 * imagePullSecrets for real: the reconciler on the real Docker engine pulls from the private
 * registry test/setup.sh starts on 127.0.0.1:5001 (htpasswd basic auth). The Docker daemon holds
 * no credential for it, so a pod without imagePullSecrets gets ErrImagePull / ImagePullBackOff
 * with the registry's auth error; the same pod with a `kubernetes.io/dockerconfigjson` Secret in
 * the desired document is pulled and runs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { ContainerEngine, ObservedContainer } from '../../agent/engine/types.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { NodeEvent } from '../../shared/protocol/messages.js';
import { errorMessage, isRecord, type JsonObject } from '../../shared/util/guards.js';
import { dockerEngine } from '../support/engine-harness.js';
import {
  PRIVATE_IMAGE,
  PRIVATE_REGISTRY,
  PRIVATE_REGISTRY_PASSWORD,
  PRIVATE_REGISTRY_USER,
  dockerAvailable,
  privateRegistryAvailable,
  requireService,
} from '../support/env.js';
import { RECONCILE_NODE, reconcileHarness } from '../support/reconcile-harness.js';
import { until } from '../support/wait.js';

const run = promisify(execFile);
const RUN = Date.now().toString(36);
/** What Docker or the registry says when a pull has no (valid) credentials. */
const AUTH_ERROR = /no basic auth credentials|unauthorized|authentication required/i;

/** Removes the image tag from the local Docker (other tags of the same image stay). */
async function removeLocalImage(ref: string): Promise<void> {
  try {
    await run('docker', ['image', 'rm', ref]);
  } catch (e) {
    if (!/No such image/i.test(errorMessage(e))) throw e;
  }
}

function privatePod(name: string, spec: JsonObject = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `${RUN}-${name}-${randomUUID().slice(0, 8)}`, labels: { app: name } },
    spec: {
      nodeName: RECONCILE_NODE,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 1,
      hostNetwork: true,
      containers: [{ name: 'app', image: PRIVATE_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
      ...spec,
    },
  };
}

/** A Secret as `kubectl create secret docker-registry` writes it, for the private registry. */
function pullSecret(name: string): KubeObject {
  const auth = Buffer.from(`${PRIVATE_REGISTRY_USER}:${PRIVATE_REGISTRY_PASSWORD}`).toString('base64');
  const config = { auths: { [PRIVATE_REGISTRY]: { username: PRIVATE_REGISTRY_USER, password: PRIVATE_REGISTRY_PASSWORD, auth } } };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') },
  };
}

describe('reconcile on real Docker: private registry and imagePullSecrets', function () {
  this.timeout(90_000);
  let engine: ContainerEngine;
  let events: NodeEvent[] = [];
  const r = reconcileHarness({ podsDirPrefix: 'flotilla-private-' });
  const { setDesired, report, containerStatus, managed } = r;

  function appStatus(pod: KubeObject): JsonObject | undefined {
    return containerStatus(pod, 'app');
  }

  function waiting(pod: KubeObject): { reason?: string; message?: string } {
    const st = appStatus(pod)?.['state'];
    const w = isRecord(st) && isRecord(st['waiting']) ? st['waiting'] : {};
    const out: { reason?: string; message?: string } = {};
    if (typeof w['reason'] === 'string') out.reason = w['reason'];
    if (typeof w['message'] === 'string') out.message = w['message'];
    return out;
  }

  async function appContainers(pod: KubeObject): Promise<ObservedContainer[]> {
    return (await managed(pod)).filter((c) => c.role !== 'sandbox');
  }

  before(async function () {
    await requireService('docker', dockerAvailable, this);
    await requireService('private registry', privateRegistryAvailable, this);
    engine = dockerEngine();
    await r.setUp(engine);
    ({ events } = r.start());
  });

  beforeEach(async () => {
    // The pull must reach the registry: no local copy of the private image.
    await removeLocalImage(PRIVATE_IMAGE);
    assert.equal(await engine.inspectImage(PRIVATE_IMAGE), undefined, `${PRIVATE_IMAGE} is still present locally`);
  });

  afterEach(async () => {
    await r.removeAllPods();
  });

  after(async () => {
    await r.dispose();
    if (r.current) await removeLocalImage(PRIVATE_IMAGE);
  });

  it('without imagePullSecrets the pull is refused: ErrImagePull, then ImagePullBackOff, with the auth error', async () => {
    const pod = privatePod('private-noauth');
    setDesired([pod]);
    const err = await until('ErrImagePull', () => (waiting(pod).reason === 'ErrImagePull' ? waiting(pod) : undefined));
    assert.match(err.message ?? '', AUTH_ERROR);
    await until('ImagePullBackOff', () => (waiting(pod).reason === 'ImagePullBackOff' ? true : undefined));
    assert.equal(waiting(pod).message, `Back-off pulling image "${PRIVATE_IMAGE}"`);
    assert.equal(report(pod)?.status['phase'], 'Pending');
    assert.equal((await appContainers(pod)).length, 0);
    assert.equal(await engine.inspectImage(PRIVATE_IMAGE), undefined);
    const failed = events.filter((e) => e.involved.uid === pod.metadata.uid && e.reason === 'Failed').map((e) => e.message);
    assert.ok(
      failed.some((m) => m.startsWith(`Failed to pull image "${PRIVATE_IMAGE}"`) && AUTH_ERROR.test(m)),
      failed.join(' | '),
    );
  });

  it('the same pod with an imagePullSecrets dockerconfigjson Secret is pulled and runs', async function () {
    this.timeout(60_000);
    const pod = privatePod('private-auth');
    setDesired([pod]);
    await until('ErrImagePull without the Secret', () => (waiting(pod).reason === 'ErrImagePull' ? true : undefined));
    assert.match(waiting(pod).message ?? '', AUTH_ERROR);

    // The pod (same uid) now names the Secret, which the document carries: the next pull, after
    // the image backoff (10 s), has the credentials.
    const spec = isRecord(pod['spec']) ? pod['spec'] : {};
    const withSecret: KubeObject = { ...pod, spec: { ...spec, imagePullSecrets: [{ name: 'private-pull' }] } };
    setDesired([withSecret], { secrets: [pullSecret('private-pull')] });
    try {
      await until('Running', () => report(pod)?.status['phase'] === 'Running' && appStatus(pod)?.['ready'] === true, 40_000);
    } catch (e) {
      throw new Error(`${errorMessage(e)}; app waiting: ${JSON.stringify(waiting(pod))}`, { cause: e });
    }

    const app = (await appContainers(pod)).find((c) => c.state === 'running');
    assert.ok(app, 'app container running');
    assert.equal(appStatus(pod)?.['containerID'], `docker://${app.id}`);
    assert.equal(appStatus(pod)?.['image'], PRIVATE_IMAGE);
    assert.ok(await engine.inspectImage(PRIVATE_IMAGE), `${PRIVATE_IMAGE} pulled`);
    const mine = events.filter((e) => e.involved.uid === pod.metadata.uid);
    assert.match(mine.find((e) => e.reason === 'Pulled')?.message ?? '', /^Successfully pulled image "127\.0\.0\.1:5001\/private\/busybox:1\.0" in \d+\.\d{3}s$/);
    const problems = mine.filter((e) => e.reason === 'FailedToRetrieveImagePullSecret');
    assert.equal(problems.length, 0, problems.map((e) => e.message).join('; '));
  });
});

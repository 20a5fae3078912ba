/** Agents sharing one Docker host never see (so never touch) each other's containers. */
import assert from 'node:assert/strict';
import { createDockerEngine } from '../../agent/engine/docker-engine.js';
import { LABELS, type ContainerEngine, type ContainerCreateSpec } from '../../agent/engine/types.js';
import { silentLogger } from '../../shared/util/logger.js';
import { dockerAvailable, registryAvailable, requireService, TEST_IMAGE } from '../support/env.js';

function spec(name: string, podUid: string): ContainerCreateSpec {
  return {
    name,
    labels: { [LABELS.managed]: 'true', [LABELS.podUid]: podUid, [LABELS.podNamespace]: 'default', [LABELS.podName]: name, [LABELS.container]: 'main', [LABELS.role]: 'app', [LABELS.specHash]: 'x', [LABELS.attempt]: '0' },
    image: TEST_IMAGE,
    cmd: ['sleep', '60'],
    env: [],
    mounts: [],
    ports: [],
    networkMode: 'none',
    privileged: false,
  };
}

describe('engine: containers are scoped to the agent that created them', function () {
  const suffix = `${process.pid}-${Date.now()}`;
  let a: ContainerEngine;
  let b: ContainerEngine;
  let all: ContainerEngine;
  const ids: string[] = [];

  before(async function () {
    await requireService('docker', dockerAvailable, this);
    await requireService('registry', registryAvailable, this);
    const socketPath = '/var/run/docker.sock';
    a = createDockerEngine({ socketPath, logger: silentLogger, owner: `owner-a-${suffix}` });
    b = createDockerEngine({ socketPath, logger: silentLogger, owner: `owner-b-${suffix}` });
    all = createDockerEngine({ socketPath, logger: silentLogger });
    await all.pullImage(TEST_IMAGE, {});
  });
  after(async function () {
    for (const id of ids) await all?.removeContainer(id);
  });

  it('each agent lists only its own managed containers', async function () {
    ids.push(await a.createContainer(spec(`flotilla-test-owner-a-${suffix}`, `uid-a-${suffix}`)));
    ids.push(await b.createContainer(spec(`flotilla-test-owner-b-${suffix}`, `uid-b-${suffix}`)));
    const seenBy = async (e: ContainerEngine): Promise<string[]> =>
      (await e.listManaged()).map((c) => c.podUid).filter((u) => u.endsWith(suffix)).sort();
    assert.deepEqual(await seenBy(a), [`uid-a-${suffix}`]);
    assert.deepEqual(await seenBy(b), [`uid-b-${suffix}`]);
    assert.deepEqual(await seenBy(all), [`uid-a-${suffix}`, `uid-b-${suffix}`], 'an engine without an owner sees every managed container');
  });
});

/**
 * The pod infrastructure stage against the real Docker engine: a missing network is created as
 * configured and then left alone, a network of that name with another subnet is reported and
 * never touched, and the pause image is built from /bin/busybox without a registry; a sandbox of
 * it exits 0 on SIGTERM. Networks and the image are this test's own, removed at the end.
 */
import assert from 'node:assert/strict';
import { PodInfra } from '../../agent/network/infra.js';
import { pauseCommand } from '../../agent/network/pause-image.js';
import type { ContainerEngine } from '../../agent/engine/types.js';
import { STEP_BACKOFF } from '../../agent/reconcile/backoff.js';
import { silentLogger } from '../../shared/util/logger.js';
import { TestContainers, engineWithTestImage, managedSpec } from '../support/engine-harness.js';
import { run } from '../support/run.js';
import { until } from '../support/wait.js';

const FRESH = 'flotest2';
const TAKEN = 'flotest3';
const PAUSE = 'flotilla.local/pause-test:1';
const RUN = `${process.pid}-${Date.now().toString(36)}`;

async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

async function cleanUp(): Promise<void> {
  await run('docker', ['network', 'rm', FRESH, TAKEN]);
  await run('docker', ['rmi', '-f', PAUSE]);
}

describe('pod infrastructure on the real Docker engine', function () {
  this.timeout(90_000);
  let engine: ContainerEngine;
  const containers = new TestContainers(() => engine);
  const infra = (desired: ConstructorParameters<typeof PodInfra>[0]): PodInfra =>
    new PodInfra(desired, { engine, logger: silentLogger, backoff: STEP_BACKOFF, random: () => 0.5 });

  before(async function () {
    engine = await engineWithTestImage(this);
    await cleanUp();
  });
  after(async () => {
    await containers.removeAll();
    await cleanUp();
  });

  it('creates a missing network as configured, then leaves it as it is', async () => {
    const stage = infra({ network: { name: FRESH, subnet: '10.214.1.0/24', hostPortAddress: '127.0.0.1' } });
    assert.deepEqual(await stage.sync(() => Date.now()), {});
    const net = await engine.inspectNetwork(FRESH);
    assert.ok(net);
    assert.deepEqual([net.driver, net.subnets, net.masquerade], ['bridge', ['10.214.1.0/24'], true]);
    assert.deepEqual(await stage.sync(() => Date.now()), {});
    assert.equal((await engine.inspectNetwork(FRESH))?.id, net.id, 'the same network, not created again');
  });

  it('a network of that name with another subnet is reported and never changed', async () => {
    const id = await docker('network', 'create', '--driver', 'bridge', '--subnet', '10.214.9.0/24', TAKEN);
    const result = await infra({ network: { name: TAKEN, subnet: '10.214.2.0/24', hostPortAddress: '127.0.0.1' } }).sync(() => Date.now());
    assert.match(result.blocked ?? '', /network flotest3 exists with 10\.214\.9\.0\/24, but podNetwork\.subnet is 10\.214\.2\.0\/24: remove it/);
    assert.equal(await docker('network', 'inspect', '-f', '{{.Id}} {{(index .IPAM.Config 0).Subnet}}', TAKEN), `${id} 10.214.9.0/24`);
  });

  it('builds the pause image from the host busybox; its sandbox exits 0 on SIGTERM', async () => {
    assert.equal(await engine.inspectImage(PAUSE), undefined);
    assert.deepEqual(await infra({ pauseImage: { ref: PAUSE, binaryPath: '/bin/busybox' } }).sync(() => Date.now()), {});
    assert.ok(await engine.inspectImage(PAUSE), 'the image is there');
    const id = await containers.createStarted(managedSpec(`flotilla-test-pause-${RUN}`, { image: PAUSE, entrypoint: pauseCommand('/bin/busybox'), cmd: [], networkMode: 'none' }));
    await engine.stopContainer(id, 20);
    const exited = await until('the sandbox to exit', async () => (await engine.listManaged()).find((c) => c.id === id && c.state === 'exited'));
    assert.equal(exited.exitCode, 0, 'it ended on SIGTERM, not killed at the end of the grace period');
  });

  it('a missing host binary: sandboxes wait, saying why, until the backoff ends', async () => {
    const result = await infra({ pauseImage: { ref: `${PAUSE}-missing`, binaryPath: '/nonexistent/busybox' } }).sync(() => Date.now());
    assert.match(result.blocked ?? '', /building the pause image .* from \/nonexistent\/busybox failed: .*ENOENT/);
    assert.ok(result.wakeAt !== undefined && result.wakeAt > Date.now());
  });
});

/**
 * The Docker engine adapter against the real Docker engine: runtime info, listing only what the
 * agent created (decoys without the managed label never show up), every field of a create spec
 * as Docker records and applies it, Docker's errors as clear EngineErrors, and idempotent
 * start / stop / remove. Decoys are made with the docker CLI, an independent observer.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerEngine } from '../../agent/engine/docker-engine.js';
import { toCreateOptions } from '../../agent/engine/docker-map.js';
import { isEngineError } from '../../agent/engine/errors.js';
import { armVariantFromCpuinfo, memoryCgroupEnabled, platformOf } from '../../agent/engine/platform.js';
import { LABELS, type ContainerCreateSpec, type ContainerEngine } from '../../agent/engine/types.js';
import { isRecord } from '../../shared/util/guards.js';
import { silentLogger } from '../../shared/util/logger.js';
import { TestContainers, engineWithTestImage, managedLabels as agentLabels, managedSpec } from '../support/engine-harness.js';
import { TEST_IMAGE } from '../support/env.js';
import { run } from '../support/run.js';
import { until } from '../support/wait.js';

const RUN = `${process.pid}-${Date.now().toString(36)}`;

async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

async function dockerInspect(id: string): Promise<Record<string, unknown>> {
  const parsed: unknown = JSON.parse(await docker('inspect', id));
  assert.ok(Array.isArray(parsed));
  const first: unknown = parsed[0];
  assert.ok(isRecord(first));
  return first;
}

function field(o: unknown, ...path: string[]): unknown {
  let cur = o;
  for (const k of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** The agent's labels, with a spec hash and an attempt the listing must read back. */
function managedLabels(name: string): Record<string, string> {
  return agentLabels(name, { specHash: 'hash-1', attempt: '2' });
}

function spec(name: string, over: Partial<ContainerCreateSpec> = {}): ContainerCreateSpec {
  return managedSpec(name, { labels: managedLabels(name), ...over });
}

function goArch(): string {
  const m: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };
  return m[process.arch] ?? process.arch;
}

describe('engine: observe and create (real Docker)', function () {
  this.timeout(60_000);
  let engine: ContainerEngine;
  const containers = new TestContainers(() => engine);
  const cliCreated: string[] = [];
  let tmp = '';

  const name = (s: string): string => `flotilla-test-obs-${s}-${RUN}`;
  async function create(s: ContainerCreateSpec): Promise<string> {
    return containers.create(s);
  }

  before(async function () {
    engine = await engineWithTestImage(this);
    tmp = await mkdtemp(join(tmpdir(), 'flotilla-engine-'));
  });

  after(async function () {
    if (engine === undefined) return;
    await containers.removeAll();
    for (const id of cliCreated) await run('docker', ['rm', '-f', id]);
    if (tmp !== '') await rm(tmp, { recursive: true, force: true });
  });

  describe('info', function () {
    it('reports version, API version, OCI platform, cgroup version, limit support and data root', async function () {
      const info = await engine.info();
      const cli = JSON.parse(await docker('info', '--format', '{{json .}}')) as unknown;
      assert.equal(info.version, field(cli, 'ServerVersion'));
      assert.match(info.apiVersion, /^1\.\d+$/);
      assert.ok(info.platform.startsWith(`linux/${goArch()}`), `platform ${info.platform} for node arch ${process.arch}`);
      if (goArch() === 'arm') assert.match(info.platform, /^linux\/arm\/v[5-7]$/);
      else assert.equal(info.platform, `linux/${goArch()}`);
      assert.equal(info.cgroupVersion, String(field(cli, 'CgroupVersion')));
      assert.equal(info.pidsLimitSupported, field(cli, 'PidsLimit'));
      assert.equal(info.cpuCfsQuotaSupported, field(cli, 'CpuCfsQuota'));
      const procCgroups = await readFile('/proc/cgroups', 'utf8').catch(() => undefined);
      assert.equal(info.memoryLimitSupported, field(cli, 'MemoryLimit') === true && memoryCgroupEnabled(procCgroups) !== false);
      assert.equal(info.dataRoot, field(cli, 'DockerRootDir'));
      console.log(
        `      docker ${info.version} (API ${info.apiVersion}) ${info.platform}, cgroup v${info.cgroupVersion}, ` +
          `memory ${info.memoryLimitSupported}, swap ${String(info.swapLimitSupported)}, pids ${info.pidsLimitSupported}, ` +
          `cfs quota ${info.cpuCfsQuotaSupported}, data root ${info.dataRoot}`,
      );
    });

    it('maps Docker architectures and /proc/cpuinfo of Raspberry Pis to OCI platforms', function () {
      const pi3 = 'processor\t: 0\nmodel name\t: ARMv7 Processor rev 4 (v7l)\nCPU architecture: 7\n';
      const pi4on64bitKernel = 'processor\t: 0\nBogoMIPS\t: 108.00\nCPU architecture: 8\n';
      const pi1 = 'processor\t: 0\nmodel name\t: ARMv6-compatible processor rev 7 (v6l)\nCPU architecture: 7\n';
      assert.equal(platformOf({ os: 'linux', goArch: 'arm64', unameMachine: 'aarch64', cpuinfo: pi4on64bitKernel }), 'linux/arm64');
      assert.equal(platformOf({ os: 'linux', goArch: 'arm', unameMachine: 'armv7l', cpuinfo: pi3 }), 'linux/arm/v7');
      // 32-bit Raspberry Pi OS on a 64-bit kernel: uname says aarch64, dockerd is arm.
      assert.equal(platformOf({ os: 'linux', goArch: 'arm', unameMachine: 'aarch64', cpuinfo: pi4on64bitKernel }), 'linux/arm/v7');
      assert.equal(platformOf({ os: 'linux', goArch: 'arm', unameMachine: 'armv6l', cpuinfo: pi1 }), 'linux/arm/v6');
      assert.equal(platformOf({ os: 'linux', goArch: '', unameMachine: 'armv7l' }), 'linux/arm/v7');
      assert.equal(platformOf({ os: 'linux', goArch: '', unameMachine: 'armv6l' }), 'linux/arm/v6');
      assert.equal(platformOf({ os: 'linux', goArch: '', unameMachine: 'x86_64' }), 'linux/amd64');
      assert.equal(platformOf({ os: '', goArch: '', unameMachine: 'aarch64' }), 'linux/arm64');
      assert.equal(armVariantFromCpuinfo('model name : Intel\n'), undefined);
      const disabled = '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t2\t1\t1\nmemory\t0\t1\t0\n';
      assert.equal(memoryCgroupEnabled(disabled), false);
      assert.equal(memoryCgroupEnabled(disabled.replace('memory\t0\t1\t0', 'memory\t4\t70\t1')), true);
      assert.equal(memoryCgroupEnabled(undefined), undefined);
    });
  });

  describe('listManaged', function () {
    it('returns the managed containers, running and exited, and never a decoy', async function () {
      // Decoys: the docker CLI creates them, none carries io.flotilla.managed=true.
      const decoyLikeName = `flotilla_default_x_app_${RUN}`;
      const decoys = [
        await docker('run', '-d', '--network', 'none', '--name', decoyLikeName, TEST_IMAGE, 'sleep', '300'),
        await docker(
          'run', '-d', '--network', 'none', '--name', `flotilla-test-decoy-false-${RUN}`,
          '--label', `${LABELS.managed}=false`, '--label', `${LABELS.podUid}=uid-decoy`, '--label', `${LABELS.role}=app`,
          TEST_IMAGE, 'sleep', '300',
        ),
        // Every Flotilla label except the managed one; exited.
        await docker(
          'run', '--network', 'none', '--name', `flotilla-test-decoy-nolabel-${RUN}`,
          ...Object.entries(managedLabels('decoy')).filter(([k]) => k !== LABELS.managed).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
          '--label', 'io.flotilla.managed-by=true',
          TEST_IMAGE, 'true',
        ).then(() => docker('inspect', '-f', '{{.Id}}', `flotilla-test-decoy-nolabel-${RUN}`)),
      ];
      cliCreated.push(...decoys);

      const running = await create(spec(name('running')));
      await engine.startContainer(running);
      const exited = await create(spec(name('exited'), { cmd: ['sh', '-c', 'exit 3'] }));
      await engine.startContainer(exited);
      const fresh = await create(spec(name('created')));
      await until('the container exited', async () => (await engine.listManaged()).find((o) => o.id === exited)?.state === 'exited', 10_000);

      const listed = await engine.listManaged();
      const ids = new Set(listed.map((o) => o.id));
      for (const d of decoys) assert.ok(!ids.has(d), `decoy ${d} listed`);
      assert.ok(!listed.some((o) => o.name.startsWith('flotilla_default_x_app')), 'a name alone must not make a container managed');
      for (const id of [running, exited, fresh]) assert.ok(ids.has(id), `managed ${id} missing`);
      // Everything listed carries the label (other suites may have their own managed containers).
      const labels = await docker('inspect', '-f', `{{index .Config.Labels "${LABELS.managed}"}}`, ...ids);
      assert.deepEqual(new Set(labels.split('\n')), new Set(['true']));

      const r = listed.find((o) => o.id === running);
      assert.ok(r);
      assert.equal(r.name, name('running'));
      assert.equal(r.state, 'running');
      assert.equal(r.podUid, `uid-${name('running')}`);
      assert.equal(r.podNamespace, 'default');
      assert.equal(r.podName, name('running'));
      assert.equal(r.container, 'app');
      assert.equal(r.role, 'app');
      assert.equal(r.specHash, 'hash-1');
      assert.equal(r.attempt, 2);
      assert.equal(r.image, TEST_IMAGE);
      assert.match(r.imageId, /^sha256:[0-9a-f]{64}$/);
      assert.equal(r.exitCode, undefined);
      assert.ok(r.startedAt !== undefined && Date.parse(r.startedAt) >= Date.parse(r.createdAt));
      assert.equal(r.finishedAt, undefined);

      const x = listed.find((o) => o.id === exited);
      assert.ok(x);
      assert.equal(x.state, 'exited');
      assert.equal(x.exitCode, 3);
      assert.equal(x.oomKilled, false);
      assert.ok(x.finishedAt !== undefined && x.startedAt !== undefined && x.finishedAt >= x.startedAt);

      const c = listed.find((o) => o.id === fresh);
      assert.ok(c);
      assert.equal(c.state, 'created');
      assert.equal(c.startedAt, undefined);
      assert.equal(c.exitCode, undefined);
    });
  });

  describe('createContainer', function () {
    it('maps every spec field onto the container Docker creates and runs', async function () {
      const rwDir = join(tmp, 'rw');
      const roDir = join(tmp, 'ro');
      await run('mkdir', ['-p', rwDir, roDir]);
      await writeFile(join(roDir, 'config'), 'from-host\n');
      const s = spec(name('full'), {
        entrypoint: ['/bin/sh', '-c'],
        cmd: ['echo "$GREETING" > /data/out; sleep 300'],
        env: ['GREETING=hello flotilla', 'EMPTY='],
        workingDir: '/tmp',
        mounts: [
          { hostPath: rwDir, containerPath: '/data', readOnly: false },
          { hostPath: roDir, containerPath: '/config', readOnly: true },
        ],
        ports: [{ containerPort: 8080, hostPort: 18080, protocol: 'TCP' }],
        networkMode: 'none',
        hostname: 'flotest',
        memoryBytes: 64 * 1024 * 1024,
        memorySwapBytes: 64 * 1024 * 1024,
        cpuQuota: 50_000,
        cpuPeriod: 100_000,
        cpuShares: 512,
        pidsLimit: 64,
        stopSignal: 'SIGUSR1',
      });
      const id = await create(s);
      const ins = await dockerInspect(id);
      assert.equal(field(ins, 'Name'), `/${s.name}`);
      assert.deepEqual(field(ins, 'Config', 'Entrypoint'), ['/bin/sh', '-c']);
      assert.deepEqual(field(ins, 'Config', 'Cmd'), s.cmd);
      const env = field(ins, 'Config', 'Env');
      assert.ok(Array.isArray(env) && env.includes('GREETING=hello flotilla') && env.includes('EMPTY='));
      assert.equal(field(ins, 'Config', 'WorkingDir'), '/tmp');
      assert.equal(field(ins, 'Config', 'Hostname'), 'flotest');
      // The image's own labels come along; ours are all there.
      const labels = field(ins, 'Config', 'Labels');
      assert.ok(isRecord(labels));
      for (const [k, v] of Object.entries(s.labels)) assert.equal(labels[k], v, k);
      assert.equal(field(ins, 'Config', 'StopSignal'), 'SIGUSR1');
      assert.deepEqual(Object.keys(field(ins, 'Config', 'ExposedPorts') as object), ['8080/tcp']);
      assert.deepEqual(field(ins, 'HostConfig', 'Binds'), [`${rwDir}:/data`, `${roDir}:/config:ro`]);
      assert.equal(field(ins, 'HostConfig', 'NetworkMode'), 'none');
      assert.equal(field(ins, 'HostConfig', 'Privileged'), false);
      assert.deepEqual(field(ins, 'HostConfig', 'LogConfig'), { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } }, 'logs are bounded on the device');
      assert.equal(field(ins, 'HostConfig', 'Memory'), 64 * 1024 * 1024);
      assert.equal(field(ins, 'HostConfig', 'MemorySwap'), 64 * 1024 * 1024);
      assert.equal(field(ins, 'HostConfig', 'CpuQuota'), 50_000);
      assert.equal(field(ins, 'HostConfig', 'CpuPeriod'), 100_000);
      assert.equal(field(ins, 'HostConfig', 'CpuShares'), 512);
      assert.equal(field(ins, 'HostConfig', 'PidsLimit'), 64);
      assert.equal(field(ins, 'HostConfig', 'RestartPolicy', 'Name'), 'no');
      assert.equal(field(ins, 'HostConfig', 'Init'), false);
      assert.equal(field(ins, 'HostConfig', 'AutoRemove'), false);

      await engine.startContainer(id);
      await until('the file written through the mount', async () => (await readFile(join(rwDir, 'out'), 'utf8').catch(() => '')) === 'hello flotilla\n', 10_000);
      const inside = await engine.exec(id, ['sh', '-c', 'hostname; pwd; cat /config/config; echo x > /config/new'], 10_000);
      assert.notEqual(inside.exitCode, 0, 'the read-only bind must refuse writes');
      // stdout and stderr travel separately: check lines, not their interleaving.
      const lines = inside.output.split('\n');
      for (const l of ['flotest', '/tmp', 'from-host']) assert.ok(lines.includes(l), `${l} in ${inside.output}`);
      assert.match(inside.output, /Read-only file system/);
    });

    it('shares the sandbox network namespace in container: mode, leaving out hostname and ports', async function () {
      const sandbox = await create(
        spec(name('sandbox'), {
          hostname: 'sandbox-host',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          labels: { ...managedLabels(name('sandbox')), [LABELS.role]: 'sandbox' },
        }),
      );
      await engine.startContainer(sandbox);
      const app = await create(
        spec(name('in-sandbox'), {
          networkMode: `container:${sandbox}`,
          hostname: 'would-conflict',
          ports: [{ containerPort: 8080, hostPort: 18081, protocol: 'TCP' }],
        }),
      );
      await engine.startContainer(app);
      const hn = await engine.exec(app, ['hostname'], 10_000);
      assert.deepEqual(hn, { exitCode: 0, output: 'sandbox-host\n' });
      const netns = async (id: string): Promise<string> => (await engine.exec(id, ['readlink', '/proc/self/ns/net'], 10_000)).output;
      assert.equal(await netns(app), await netns(sandbox));
      const roles = (await engine.listManaged()).filter((o) => o.id === sandbox || o.id === app).map((o) => o.role);
      assert.deepEqual(roles.sort(), ['app', 'sandbox']);
    });

    it('fails to start in container: mode when the sandbox is gone or stopped, saying why', async function () {
      const orphan = await create(spec(name('orphan'), { networkMode: `container:flotilla-test-gone-${RUN}` }));
      await assert.rejects(engine.startContainer(orphan), (e: unknown) => {
        // Not NotFound: the container itself exists, its sandbox does not.
        assert.ok(isEngineError(e, 'Failed'), String(e));
        assert.match(e.message, /No such container: flotilla-test-gone/);
        return true;
      });
      const stoppedSandbox = await create(spec(name('stopped-sandbox')));
      const app = await create(spec(name('app-of-stopped'), { networkMode: `container:${stoppedSandbox}` }));
      await assert.rejects(engine.startContainer(app), (e: unknown) => {
        assert.ok(isEngineError(e, 'Failed'), String(e));
        assert.match(e.message, /cannot join network of a non running container/);
        return true;
      });
    });

    it('publishes ports only where a network can carry them', function () {
      const ports = [
        { containerPort: 80, hostPort: 8080, protocol: 'TCP' as const, hostIP: '127.0.0.1' },
        { containerPort: 53, protocol: 'UDP' as const },
      ];
      const bridged = toCreateOptions(spec('x', { networkMode: 'flotilla-net', ports }));
      assert.deepEqual(bridged.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
      assert.deepEqual(bridged.HostConfig?.PortBindings, { '80/tcp': [{ HostPort: '8080', HostIp: '127.0.0.1' }] });
      const host = toCreateOptions(spec('x', { networkMode: 'host', ports }));
      assert.equal(host.HostConfig?.PortBindings, undefined);
      const shared = toCreateOptions(spec('x', { networkMode: 'container:abc', ports, hostname: 'h' }));
      assert.equal(shared.ExposedPorts, undefined);
      assert.equal(shared.Hostname, undefined);
      const unlimited = toCreateOptions(spec('x', { memorySwapBytes: 1 }));
      assert.equal(unlimited.HostConfig?.Memory, undefined);
      assert.equal(unlimited.HostConfig?.MemorySwap, undefined, 'no swap limit without a memory limit');
      const noSwapGiven = toCreateOptions(spec('x', { memoryBytes: 1 << 25 }));
      assert.equal(noSwapGiven.HostConfig?.MemorySwap, 1 << 25);
    });

    it('refuses a taken name and a missing image with clear errors', async function () {
      const first = await create(spec(name('taken')));
      await assert.rejects(engine.createContainer(spec(name('taken'))), (e: unknown) => {
        assert.ok(isEngineError(e, 'NameConflict'), String(e));
        assert.match(e.message, new RegExp(`${name('taken')}.*already in use`));
        assert.ok(e.message.includes(first), 'Docker names the holder');
        return true;
      });
      const missing = '127.0.0.1:5000/flotilla/busybox:not-pulled';
      await assert.rejects(engine.createContainer(spec(name('noimage'), { image: missing })), (e: unknown) => {
        assert.ok(isEngineError(e, 'ImageNotFound'), String(e));
        assert.match(e.message, /not present on this node.*No such image/);
        return true;
      });
      assert.ok(!(await engine.listManaged()).some((o) => o.name === name('noimage')));
    });

    it('reports a process that cannot start: start rejects with Docker\'s reason, listManaged shows it', async function () {
      const id = await create(spec(name('noexec'), { cmd: ['/no/such/binary'] }));
      await assert.rejects(engine.startContainer(id), (e: unknown) => {
        assert.ok(isEngineError(e, 'Failed'), String(e));
        assert.match(e.message, /no such file or directory|not found/);
        return true;
      });
      const o = (await engine.listManaged()).find((c) => c.id === id);
      assert.ok(o);
      assert.equal(o.state, 'created');
      assert.match(o.error ?? '', /\/no\/such\/binary/);
      assert.equal(o.exitCode, 127);
    });
  });

  describe('idempotency', function () {
    it('starting a running, stopping a stopped or missing, removing a missing container all succeed', async function () {
      const id = await create(spec(name('idem')));
      await engine.startContainer(id);
      await engine.startContainer(id);
      await engine.stopContainer(id, 0);
      await engine.stopContainer(id, 0);
      const o = (await engine.listManaged()).find((c) => c.id === id);
      assert.equal(o?.state, 'exited');
      await engine.removeContainer(id);
      await engine.removeContainer(id);
      await engine.stopContainer(id, 1);
      assert.ok(!(await engine.listManaged()).some((c) => c.id === id));
      await assert.rejects(engine.startContainer(id), (e: unknown) => isEngineError(e, 'NotFound'));
    });

    it('removes a running container by force', async function () {
      const id = await create(spec(name('force')));
      await engine.startContainer(id);
      await engine.removeContainer(id);
      const r = await run('docker', ['inspect', id]);
      assert.notEqual(r.code, 0);
    });
  });

  describe('unreachable engine', function () {
    it('says Docker is unreachable at the socket', async function () {
      const gone = createDockerEngine({ socketPath: join(tmp, 'no-docker.sock'), logger: silentLogger });
      await assert.rejects(gone.listManaged(), (e: unknown) => {
        assert.ok(isEngineError(e, 'Unavailable'), String(e));
        assert.match(e.message, /unreachable at .*no-docker\.sock/);
        return true;
      });
    });
  });
});

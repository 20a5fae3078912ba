import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { isValidLabelValue } from '../../shared/api/validation/names.js';
import { NodeStatusCollector, type CollectedStatus } from '../../agent/conditions/collector.js';
import { conditionsConfig, type ConditionsConfigInput } from '../../agent/conditions/config.js';
import { loadHostFixture, recordedHostProbe, type RecordedHost } from '../support/recorded-host.js';
import type { RuntimeState } from '../../agent/conditions/conditions.js';
import type { NodeCondition } from '../../agent/conditions/types.js';

const NOW = new Date('2025-03-01T10:00:00Z');
const DOCKER_UP: RuntimeState = { reachable: true, version: '20.10.24' };

function fixture(name: string): Promise<RecordedHost> {
  return loadHostFixture(fileURLToPath(new URL(`../fixtures/conditions/${name}.json`, import.meta.url)));
}

async function collect(name: string, runtime: RuntimeState = DOCKER_UP, cfg: ConditionsConfigInput = {}): Promise<CollectedStatus> {
  const c = new NodeStatusCollector(recordedHostProbe(await fixture(name)), conditionsConfig({ agentVersion: '0.1.0', ...cfg }), () => NOW);
  return c.collect(runtime);
}

function cond(r: CollectedStatus, type: string): NodeCondition {
  const c = r.status.conditions.find((x) => x.type === type);
  assert.ok(c, `condition ${type} reported; got ${r.status.conditions.map((x) => x.type).join(', ')}`);
  return c;
}

/** type → [status, reason] for compact comparisons. */
function summary(r: CollectedStatus): Record<string, [string, string]> {
  return Object.fromEntries(r.status.conditions.map((c) => [c.type, [c.status, c.reason]]));
}

describe('conditions: recorded hosts', () => {
  describe('Raspberry Pi 4, bookworm, memory cgroup off, weak power supply', () => {
    let r: CollectedStatus;
    before(async () => {
      r = await collect('pi4-bookworm');
    });

    it('reports nodeInfo the way kubelet does, in Go terms', () => {
      assert.deepEqual(r.status.nodeInfo, {
        machineID: '5c4a1e0f7b2d4c3e9a8f6b1d2e3c4a5b',
        systemUUID: '',
        bootID: '0f6c2b8e-1d4a-4e7b-9c3f-5a2d8e1b7c4f',
        kernelVersion: '6.6.51+rpt-rpi-v8',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'docker://20.10.24',
        kubeletVersion: 'v1.32.0-flotilla.0.1.0',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'arm64',
      });
      assert.equal(r.nodeName, 'pi4-garage');
    });

    it('reports capacity and allocatable (memory minus the 100Mi eviction threshold, storage minus 10%)', () => {
      assert.deepEqual(r.status.capacity, { cpu: '4', memory: '3884844Ki', pods: '110', 'ephemeral-storage': '30475236Ki' });
      const storage = 30475236 * 1024;
      assert.deepEqual(r.status.allocatable, {
        cpu: '4',
        memory: `${3884844 - 102400}Ki`,
        pods: '110',
        'ephemeral-storage': String(storage - Math.floor(storage * 0.1)),
      });
    });

    it('lists routable addresses of up interfaces (IPv4 first), not loopback, link-local, down or docker0, then the hostname', () => {
      assert.deepEqual(r.status.addresses, [
        { type: 'InternalIP', address: '192.168.1.42' },
        { type: 'InternalIP', address: '2001:db8:1::42' },
        { type: 'Hostname', address: 'pi4-garage' },
      ]);
    });

    it('labels arch/os/hostname and a sanitised device model; the full model and temperature go to annotations', () => {
      assert.deepEqual(r.labels, {
        'beta.kubernetes.io/arch': 'arm64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'arm64',
        'kubernetes.io/hostname': 'pi4-garage',
        'kubernetes.io/os': 'linux',
        'flotilla.io/device-model': 'Raspberry-Pi-4-Model-B-Rev-1.4',
      });
      for (const v of Object.values(r.labels)) assert.deepEqual(isValidLabelValue(v), [], v);
      assert.deepEqual(r.annotations, {
        'flotilla.io/device-model': 'Raspberry Pi 4 Model B Rev 1.4',
        'flotilla.io/cpu-temperature-celsius': '61.2',
      });
    });

    it('reports the kubelet conditions and the Pi device conditions', () => {
      assert.deepEqual(summary(r), {
        NetworkUnavailable: ['False', 'InterfacesUp'],
        MemoryPressure: ['False', 'KubeletHasSufficientMemory'],
        DiskPressure: ['False', 'KubeletHasNoDiskPressure'],
        PIDPressure: ['False', 'KubeletHasSufficientPID'],
        Ready: ['True', 'KubeletReady'],
        MemoryCgroupDisabled: ['True', 'MemoryCgroupDisabled'],
        UnderVoltage: ['True', 'UnderVoltageDetected'],
        CPUThrottled: ['True', 'Throttled'],
        CPUTemperatureHigh: ['False', 'CPUTemperatureNormal'],
      });
      assert.equal(cond(r, 'Ready').message, 'agent is posting ready status');
      assert.equal(
        cond(r, 'MemoryCgroupDisabled').message,
        'memory cgroup is disabled on the kernel command line (cgroup_disable=memory): memory limits will not be enforced; ' +
          'add cgroup_enable=memory cgroup_memory=1 to /boot/firmware/cmdline.txt',
      );
      assert.match(cond(r, 'UnderVoltage').message, /under-voltage detected now/);
      assert.equal(cond(r, 'CPUThrottled').message, 'CPU is throttled now: throttled');
    });

    it('stamps every condition with now on the first collection', () => {
      for (const c of r.status.conditions) {
        assert.equal(c.lastHeartbeatTime, '2025-03-01T10:00:00Z');
        assert.equal(c.lastTransitionTime, '2025-03-01T10:00:00Z');
      }
    });

    it('reports the firmware sticky bit alone as under-voltage that has occurred since boot', async () => {
      const host = await fixture('pi4-bookworm');
      host.files['/sys/devices/platform/soc/soc:firmware/get_throttled'] = '50000\n';
      const c = new NodeStatusCollector(recordedHostProbe(host), conditionsConfig(), () => NOW);
      const s = await c.collect(DOCKER_UP);
      assert.deepEqual(summary(s)['UnderVoltage'], ['True', 'UnderVoltageDetected']);
      assert.match(cond(s, 'UnderVoltage').message, /has occurred since boot/);
      assert.deepEqual(summary(s)['CPUThrottled'], ['False', 'NotThrottled']);
      assert.match(cond(s, 'CPUThrottled').message, /has occurred since boot/);
    });

    it('raises CPUTemperatureHigh at the configured threshold', async () => {
      const host = await fixture('pi4-bookworm');
      host.files['/sys/class/thermal/thermal_zone0/temp'] = '82500\n';
      const c = new NodeStatusCollector(recordedHostProbe(host), conditionsConfig(), () => NOW);
      const s = await c.collect(DOCKER_UP);
      assert.deepEqual(summary(s)['CPUTemperatureHigh'], ['True', 'CPUTemperatureHigh']);
      assert.equal(s.annotations['flotilla.io/cpu-temperature-celsius'], '82.5');
    });

    it('takes pods and reservations from config', async () => {
      const s = await collect('pi4-bookworm', DOCKER_UP, {
        maxPods: 30,
        systemReserved: { cpuMillis: 500, memoryBytes: 256 * 1024 * 1024, ephemeralStorageBytes: 0 },
      });
      assert.equal(s.status.capacity['pods'], '30');
      assert.equal(s.status.allocatable['pods'], '30');
      assert.equal(s.status.allocatable['cpu'], '3500m');
      assert.equal(s.status.allocatable['memory'], `${3884844 - 102400 - 262144}Ki`);
    });
  });

  describe('Raspberry Pi Zero 2 W, 512 MiB, full disk', () => {
    let r: CollectedStatus;
    before(async () => {
      r = await collect('pi-zero2-lowmem');
    });

    it('is a 32-bit arm node', () => {
      assert.equal(r.status.nodeInfo.architecture, 'arm');
      assert.equal(r.labels['kubernetes.io/arch'], 'arm');
      assert.equal(r.status.nodeInfo.osImage, 'Raspbian GNU/Linux 11 (bullseye)');
      assert.equal(r.labels['flotilla.io/device-model'], 'Raspberry-Pi-Zero-2-W-Rev-1.0');
    });

    it('has memory and disk pressure, and no memory-cgroup condition (re-enabled later on the command line)', () => {
      assert.deepEqual(summary(r), {
        NetworkUnavailable: ['False', 'InterfacesUp'],
        MemoryPressure: ['True', 'KubeletHasInsufficientMemory'],
        DiskPressure: ['True', 'KubeletHasDiskPressure'],
        PIDPressure: ['False', 'KubeletHasSufficientPID'],
        Ready: ['True', 'KubeletReady'],
        UnderVoltage: ['False', 'PowerSupplyOK'],
        CPUThrottled: ['False', 'NotThrottled'],
        CPUTemperatureHigh: ['False', 'CPUTemperatureNormal'],
      });
      assert.equal(cond(r, 'MemoryPressure').message, 'agent has insufficient memory available: memory.available < 100Mi');
      assert.equal(cond(r, 'DiskPressure').message, 'agent has disk pressure: nodefs.available < 10%');
    });

    it('reports 512Mi capacity and 412Mi allocatable', () => {
      assert.equal(r.status.capacity['memory'], '512Mi');
      assert.equal(r.status.allocatable['memory'], '412Mi');
      assert.deepEqual(r.status.addresses, [
        { type: 'InternalIP', address: '192.168.4.23' },
        { type: 'Hostname', address: 'zero2-sensor' },
      ]);
    });

    it('honours a lower memory threshold', async () => {
      const s = await collect('pi-zero2-lowmem', DOCKER_UP, { eviction: { memoryAvailableBytes: 16 * 1024 * 1024 } });
      assert.deepEqual(summary(s)['MemoryPressure'], ['False', 'KubeletHasSufficientMemory']);
      assert.equal(s.status.allocatable['memory'], '496Mi');
    });
  });

  describe('x86 server', () => {
    let r: CollectedStatus;
    before(async () => {
      r = await collect('x86-server');
    });

    it('reports amd64, the DMI system UUID and a lower-cased node name', () => {
      assert.equal(r.status.nodeInfo.architecture, 'amd64');
      assert.equal(r.status.nodeInfo.systemUUID, '4c4c4544-0042-3510-8052-b7c04f4e3332');
      assert.equal(r.nodeName, 'build-01');
      assert.equal(r.labels['kubernetes.io/hostname'], 'build-01');
      assert.equal(r.labels['kubernetes.io/arch'], 'amd64');
    });

    it('has only the kubelet conditions: no device conditions, no device labels or annotations', () => {
      assert.deepEqual(
        r.status.conditions.map((c) => c.type),
        ['NetworkUnavailable', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'],
      );
      assert.ok(r.status.conditions.every((c) => (c.type === 'Ready' ? c.status === 'True' : c.status === 'False')));
      assert.equal(r.labels['flotilla.io/device-model'], undefined);
      assert.deepEqual(r.annotations, {});
    });

    it('ignores docker0 and veth addresses', () => {
      assert.deepEqual(r.status.addresses, [
        { type: 'InternalIP', address: '10.0.0.12' },
        { type: 'InternalIP', address: '2001:db8:10::12' },
        { type: 'Hostname', address: 'build-01' },
      ]);
    });

    it('checks a separate Docker filesystem against the imagefs threshold', async () => {
      const host = await fixture('x86-server');
      const docker = host.filesystems.find((f) => f.mount === '/var/lib/docker');
      assert.ok(docker);
      docker.availableBytes = Math.floor(docker.sizeBytes * 0.12);
      const s = await new NodeStatusCollector(recordedHostProbe(host), conditionsConfig(), () => NOW).collect(DOCKER_UP);
      assert.equal(cond(s, 'DiskPressure').status, 'True');
      assert.equal(cond(s, 'DiskPressure').message, 'agent has disk pressure: imagefs.available < 15%');
      // ephemeral-storage is the agent data dir's filesystem (/), not Docker's
      assert.equal(s.status.capacity['ephemeral-storage'], '490617784Ki');
    });

    it('reports PIDPressure when threads exceed 95% of min(pid_max, threads-max)', async () => {
      const host = await fixture('x86-server');
      host.files['/proc/loadavg'] = '9.10 8.00 7.00 12/243500 999999\n';
      const s = await new NodeStatusCollector(recordedHostProbe(host), conditionsConfig(), () => NOW).collect(DOCKER_UP);
      assert.deepEqual(summary(s)['PIDPressure'], ['True', 'KubeletHasInsufficientPID']);
    });

    it('reports NetworkUnavailable when only loopback and container interfaces are up', async () => {
      const host = await fixture('x86-server');
      host.networkInterfaces = host.networkInterfaces.filter((i) => i.name !== 'eno1');
      const s = await new NodeStatusCollector(recordedHostProbe(host), conditionsConfig(), () => NOW).collect(DOCKER_UP);
      assert.deepEqual(summary(s)['NetworkUnavailable'], ['True', 'NoNetworkInterface']);
      assert.deepEqual(s.status.addresses, [{ type: 'Hostname', address: 'build-01' }]);
    });
  });

  describe('Ready and the container runtime', () => {
    it('is Ready=False KubeletNotReady with the error when the runtime is unreachable', async () => {
      const r = await collect('pi4-bookworm', { reachable: false, error: 'connect ENOENT /var/run/docker.sock' });
      const ready = cond(r, 'Ready');
      assert.equal(ready.status, 'False');
      assert.equal(ready.reason, 'KubeletNotReady');
      assert.equal(ready.message, 'container runtime is down: connect ENOENT /var/run/docker.sock');
      assert.equal(r.status.nodeInfo.containerRuntimeVersion, '');
    });

    it('goes NotReady and back, keeping the last known runtime version and moving lastTransitionTime', async () => {
      let t = NOW;
      const c = new NodeStatusCollector(recordedHostProbe(await fixture('x86-server')), conditionsConfig(), () => t);
      const a = await c.collect({ reachable: true, version: 'docker://24.0.7' });
      t = new Date(NOW.getTime() + 10_000);
      const b = await c.collect({ reachable: false });
      t = new Date(NOW.getTime() + 20_000);
      const d = await c.collect({ reachable: true });
      assert.equal(cond(a, 'Ready').status, 'True');
      assert.equal(cond(b, 'Ready').status, 'False');
      assert.equal(cond(b, 'Ready').message, 'container runtime is down');
      assert.equal(cond(b, 'Ready').lastTransitionTime, '2025-03-01T10:00:10Z');
      assert.equal(cond(b, 'MemoryPressure').lastTransitionTime, '2025-03-01T10:00:00Z');
      assert.equal(cond(d, 'Ready').status, 'True');
      assert.equal(cond(d, 'Ready').lastTransitionTime, '2025-03-01T10:00:20Z');
      assert.equal(cond(d, 'Ready').lastHeartbeatTime, '2025-03-01T10:00:20Z');
      assert.equal(b.status.nodeInfo.containerRuntimeVersion, 'docker://24.0.7');
      assert.notEqual(a.digest, b.digest);
    });

    it('keeps restored transition times when nothing changed', async () => {
      const first = await collect('x86-server');
      const c = new NodeStatusCollector(recordedHostProbe(await fixture('x86-server')), conditionsConfig(), () => new Date(NOW.getTime() + 3_600_000));
      c.restoreConditions(first.status.conditions);
      const again = await c.collect(DOCKER_UP);
      for (const x of again.status.conditions) {
        assert.equal(x.lastTransitionTime, '2025-03-01T10:00:00Z', x.type);
        assert.equal(x.lastHeartbeatTime, '2025-03-01T11:00:00Z', x.type);
      }
      assert.equal(again.digest, first.digest);
    });
  });
});

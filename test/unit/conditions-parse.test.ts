import assert from 'node:assert/strict';
import { isValidLabelValue } from '../../shared/api/validation/names.js';
import { decodeThrottled } from '../../agent/conditions/conditions.js';
import { conditionsConfig } from '../../agent/conditions/config.js';
import { parseHostFixture, recordedHostProbe } from '../support/recorded-host.js';
import { formatBinaryQuantity, formatCpu, goArch, sanitizeLabelValue } from '../../agent/conditions/node-status.js';
import {
  cmdlineDisablesMemoryCgroup,
  parseDeviceTreeString,
  parseLoadavgThreads,
  parseMilliCelsius,
  parseOsRelease,
  parseProcCgroups,
  parseThrottled,
} from '../../agent/conditions/readings.js';

describe('conditions: parsers and formats', () => {
  it('parses get_throttled with or without 0x', () => {
    assert.equal(parseThrottled('50005\n'), 0x50005);
    assert.equal(parseThrottled('0x50005'), 0x50005);
    assert.equal(parseThrottled('throttled=0x0\n'), 0);
    assert.equal(parseThrottled(''), undefined);
    assert.equal(parseThrottled('nope'), undefined);
    const f = decodeThrottled(0x50005);
    assert.equal(f.underVoltageNow, true);
    assert.equal(f.throttledNow, true);
    assert.equal(f.armFreqCappedNow, false);
    assert.equal(f.underVoltageOccurred, true);
    assert.equal(f.throttledOccurred, true);
    assert.equal(f.armFreqCappedOccurred, false);
  });

  it('reads the memory cgroup switch from the kernel command line: the last word wins', () => {
    assert.equal(cmdlineDisablesMemoryCgroup('console=tty1 cgroup_disable=memory rootwait'), true);
    assert.equal(cmdlineDisablesMemoryCgroup('cgroup_disable=memory cgroup_enable=memory cgroup_memory=1'), false);
    assert.equal(cmdlineDisablesMemoryCgroup('cgroup_enable=memory cgroup_disable=cpuset,memory'), true);
    assert.equal(cmdlineDisablesMemoryCgroup('quiet -- cgroup_disable=memory'), false, 'after -- it belongs to init');
    assert.equal(cmdlineDisablesMemoryCgroup('quiet'), false);
  });

  it('parses /proc/cgroups, /proc/loadavg, os-release, thermal and device-tree strings', () => {
    const cg = parseProcCgroups('#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t0\t98\t1\nmemory\t0\t98\t0\n');
    assert.equal(cg.get('memory'), false);
    assert.equal(cg.get('cpuset'), true);
    assert.equal(parseLoadavgThreads('0.31 0.27 0.22 2/412 13542\n'), 412);
    assert.equal(parseLoadavgThreads('garbage'), undefined);
    assert.deepEqual(parseOsRelease('# c\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nX=\'a \\"b\\"\'\n'), {
      PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
      ID: 'debian',
      X: 'a "b"',
    });
    assert.equal(parseMilliCelsius('61234\n'), 61.234);
    assert.equal(parseMilliCelsius('-5000'), -5);
    assert.equal(parseMilliCelsius(''), undefined);
    assert.equal(parseDeviceTreeString('Raspberry Pi 4 Model B Rev 1.4\0'), 'Raspberry Pi 4 Model B Rev 1.4');
    assert.equal(parseDeviceTreeString('\0'), undefined);
  });

  it('formats quantities like Kubernetes canonicalises them', () => {
    assert.equal(formatBinaryQuantity(3884844 * 1024), '3884844Ki');
    assert.equal(formatBinaryQuantity(512 * 1024 * 1024), '512Mi');
    assert.equal(formatBinaryQuantity(4 * 1024 ** 3), '4Gi');
    assert.equal(formatBinaryQuantity(1000), '1000');
    assert.equal(formatBinaryQuantity(0), '0');
    assert.equal(formatBinaryQuantity(-5), '0');
    assert.equal(formatCpu(4000), '4');
    assert.equal(formatCpu(3500), '3500m');
    assert.equal(formatCpu(-1), '0');
  });

  it('maps Node.js arch names to Go ones', () => {
    assert.deepEqual(['x64', 'arm64', 'arm', 'ia32', 'riscv64', 's390x'].map(goArch), ['amd64', 'arm64', 'arm', '386', 'riscv64', 's390x']);
  });

  it('sanitises label values', () => {
    const cases: [string, string][] = [
      ['Raspberry Pi 4 Model B Rev 1.4', 'Raspberry-Pi-4-Model-B-Rev-1.4'],
      ['  (Compute Module 4) ', 'Compute-Module-4'],
      ['Pi  --  400', 'Pi-400'],
      ['ÆØÅ', ''],
      ['x'.repeat(70) + ' y', 'x'.repeat(63)],
      ['a'.repeat(62) + '.-b', 'a'.repeat(62)],
    ];
    for (const [input, want] of cases) {
      const got = sanitizeLabelValue(input);
      assert.equal(got, want, input);
      assert.deepEqual(isValidLabelValue(got), []);
    }
  });

  it('refuses impossible config', () => {
    assert.throws(() => conditionsConfig({ maxPods: -1 }), /maxPods/);
    assert.throws(() => conditionsConfig({ eviction: { nodefsAvailableFraction: 10 } }), /nodefsAvailableFraction/);
    assert.throws(() => conditionsConfig({ systemReserved: { memoryBytes: -1 } }), /memoryBytes/);
    assert.equal(conditionsConfig().eviction.memoryAvailableBytes, 100 * 1024 * 1024);
    assert.equal(conditionsConfig().maxPods, 110);
  });
});

describe('conditions: recorded host fixtures', () => {
  const minimal = {
    os: { platform: 'linux', distro: 'D', release: '1', codename: 'c', kernel: 'k', arch: 'arm64' },
    cpuCount: 1,
    hostname: 'h',
    memory: { totalBytes: 1024, availableBytes: 512 },
    filesystems: [
      { mount: '/', device: '1', sizeBytes: 100, availableBytes: 50 },
      { mount: '/var/lib/docker', device: '2', sizeBytes: 200, availableBytes: 20 },
    ],
    networkInterfaces: [],
    files: { '/etc/hostname': 'h\n' },
  };

  it('names the first bad field', () => {
    assert.throws(() => parseHostFixture({ ...minimal, cpuCount: 'four' }), /\$\.cpuCount must be a non-negative number/);
    assert.throws(() => parseHostFixture({ ...minimal, os: { ...minimal.os, arch: 7 } }), /\$\.os\.arch must be a string/);
    assert.throws(
      () => parseHostFixture({ ...minimal, networkInterfaces: [{ name: 'eth0', up: true, internal: false, addresses: [{ family: 'IPX', address: '' }] }] }),
      /networkInterfaces\[0\]\.addresses\[0\]\.family/,
    );
    assert.throws(() => parseHostFixture([]), /\$ must be an object/);
  });

  it('answers filesystem() with the longest mount holding the path', async () => {
    const p = recordedHostProbe(parseHostFixture(minimal));
    assert.equal((await p.filesystem('/var/lib/docker/overlay2'))?.device, '2');
    assert.equal((await p.filesystem('/var/lib/dockerish'))?.device, '1');
    assert.equal((await p.filesystem('/var/lib/flotilla'))?.path, '/var/lib/flotilla');
    assert.equal(await p.readFile('/etc/hostname'), 'h\n');
    assert.equal(await p.readFile('/nope'), undefined);
    assert.equal(await p.readFile('toString'), undefined);
  });
});

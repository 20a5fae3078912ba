import assert from 'node:assert/strict';
import { fixCmdline } from '../../server/flotctl/image/cmdline.js';
import { agentJson, parseJoin } from '../../server/flotctl/image/join.js';
import { parseMbr } from '../../server/flotctl/image/partitions.js';
import { planImage, type ImageInputs } from '../../server/flotctl/image/plan.js';

describe('device image: cmdline.txt fix', () => {
  const table: [string, string, string][] = [
    ['adds both', 'console=tty1 root=PARTUUID=1-02 rootwait\n', 'console=tty1 root=PARTUUID=1-02 rootwait cgroup_enable=memory cgroup_memory=1\n'],
    ['keeps one already there', 'root=/dev/mmcblk0p2 cgroup_memory=1\n', 'root=/dev/mmcblk0p2 cgroup_memory=1 cgroup_enable=memory\n'],
    ['joins a CRLF file onto one line', 'a b\r\nc\r\n', 'a b c cgroup_enable=memory cgroup_memory=1\n'],
    ['an empty file', '', 'cgroup_enable=memory cgroup_memory=1\n'],
  ];
  for (const [name, input, want] of table) {
    it(name, () => {
      assert.equal(fixCmdline(input), want);
      assert.equal(fixCmdline(fixCmdline(input)), want, 'idempotent');
    });
  }
});

describe('device image: MBR', () => {
  const mbr = (entries: [number, number, number][]): Buffer => {
    const b = Buffer.alloc(512);
    entries.forEach(([type, start, sectors], i) => {
      b[446 + i * 16 + 4] = type;
      b.writeUInt32LE(start, 446 + i * 16 + 8);
      b.writeUInt32LE(sectors, 446 + i * 16 + 12);
    });
    b[510] = 0x55;
    b[511] = 0xaa;
    return b;
  };
  it('reads the partitions with byte offsets', () => {
    assert.deepEqual(parseMbr(mbr([[0x0c, 8192, 1024000], [0x83, 1032192, 4000000]])), [
      { index: 1, type: 0x0c, offset: 8192 * 512, size: 1024000 * 512 },
      { index: 2, type: 0x83, offset: 1032192 * 512, size: 4000000 * 512 },
    ]);
  });
  it('refuses a disk without a partition table', () => {
    assert.throws(() => parseMbr(Buffer.alloc(512)), /no MBR partition table/);
  });
});

describe('device image: join settings', () => {
  const join = `mqtts://abcdef.0123456789abcdef@hub.example:8883/?ca=sha256:${'1'.repeat(64)}&key=sha256:${'2'.repeat(64)}`;
  it('puts the join string into agent.json as the token; the address travels in it', () => {
    assert.deepEqual(JSON.parse(agentJson(parseJoin(` ${join} `, undefined, undefined))), { token: join });
  });
  it('a bare token needs --hub, and takes a key pin', () => {
    const j = parseJoin('abcdef.0123456789abcdef', 'mqtts://hub:8883', `SHA256:${'A'.repeat(64)}`);
    assert.deepEqual(JSON.parse(agentJson(j)), { token: 'abcdef.0123456789abcdef', hub: 'mqtts://hub:8883', hubKeyFingerprint: `sha256:${'a'.repeat(64)}` });
  });
  it('names the flag that is wrong', () => {
    assert.throws(() => parseJoin('abc', 'mqtt://h', undefined), /--join: not a bootstrap token/);
    assert.throws(() => parseJoin(join.replace('ca=', 'cb='), undefined, undefined), /--join: join string: unknown parameter "cb"/);
    assert.throws(() => parseJoin('abcdef.0123456789abcdef', undefined, undefined), /--hub is required with a bare token/);
    assert.throws(() => parseJoin('abcdef.0123456789abcdef', 'https://h', undefined), /--hub "https:\/\/h": expected/);
    assert.throws(() => parseJoin('abcdef.0123456789abcdef', 'mqtt://h', 'md5:x'), /--hub-key-fingerprint/);
  });
});

describe('device image: plan', () => {
  const inputs: ImageInputs = {
    debName: 'flotilla-agent_0.1.0_arm64.deb',
    deb: Buffer.from('deb'),
    debEntries: [
      { path: '/usr', type: 'dir', mode: 0o755 },
      { path: '/usr/bin/flotilla-agent', type: 'file', mode: 0o755, data: Buffer.from('#!/bin/sh') },
      { path: '/etc/flotilla/agent.json', type: 'file', mode: 0o600, data: Buffer.from('{}') },
    ],
    agentJson: '{"hub":"mqtt://h"}\n',
    preload: [],
  };
  const find = (plan: ReturnType<typeof planImage>, path: string) => plan.root.find((e) => e.path === path);

  it('writes the package files, the config with the join settings (0600), units enabled, own dirs before files', () => {
    const plan = planImage(inputs, undefined);
    assert.deepEqual(find(plan, '/usr/bin/flotilla-agent'), { kind: 'file', path: '/usr/bin/flotilla-agent', mode: 0o755, data: Buffer.from('#!/bin/sh') });
    const cfg = plan.root.filter((e) => e.path === '/etc/flotilla/agent.json');
    assert.deepEqual(cfg, [{ kind: 'file', path: '/etc/flotilla/agent.json', mode: 0o600, data: Buffer.from('{"hub":"mqtt://h"}\n') }], "the package's empty config is replaced, not written twice");
    assert.deepEqual(find(plan, '/var/lib/flotilla-agent'), { kind: 'dir', path: '/var/lib/flotilla-agent', mode: 0o700, keep: false });
    assert.deepEqual(find(plan, '/etc'), { kind: 'dir', path: '/etc', mode: 0o755, keep: true }, 'existing system dirs keep their modes');
    assert.equal(find(plan, '/etc/systemd/system/multi-user.target.wants/flotilla-agent.service')?.kind, 'symlink');
    assert.equal(find(plan, '/etc/systemd/system/multi-user.target.wants/flotilla-firstboot.service')?.kind, 'symlink');
    const firstFile = plan.root.findIndex((e) => e.kind !== 'dir');
    assert.ok(plan.root.slice(firstFile).every((e) => e.kind !== 'dir'), 'every directory comes before the files');
    assert.deepEqual(plan.boot, [], 'no cmdline.txt: the boot partition is left alone');
    assert.equal(find(plan, '/root/.ssh/authorized_keys'), undefined);
  });

  it('adds Wi-Fi, SSH, hostname template and preload; fixes cmdline.txt and turns sshd on for a Pi', () => {
    const plan = planImage(
      { ...inputs, hostnameTemplate: 'pi-{serial}', wifi: { ssid: 'net', psk: 'secret123' }, sshAuthorizedKeys: 'ssh-ed25519 AAAA x\n', preload: [{ name: 'app.tar', file: { localPath: '/tmp/app.tar', size: 3 } }] },
      'console=tty1 rootwait\n',
    );
    assert.deepEqual(plan.boot, [
      { name: 'cmdline.txt', text: 'console=tty1 rootwait cgroup_enable=memory cgroup_memory=1\n' },
      { name: 'ssh', text: '' },
    ]);
    assert.deepEqual(find(plan, '/root/.ssh'), { kind: 'dir', path: '/root/.ssh', mode: 0o700, keep: false });
    assert.equal((find(plan, '/root/.ssh/authorized_keys') as { mode: number }).mode, 0o600);
    assert.equal((find(plan, '/etc/NetworkManager/system-connections/flotilla-wifi.nmconnection') as { mode: number }).mode, 0o600);
    assert.deepEqual(find(plan, '/var/cache/flotilla/preload/app.tar'), { kind: 'file', path: '/var/cache/flotilla/preload/app.tar', mode: 0o644, data: { localPath: '/tmp/app.tar', size: 3 } });
    assert.deepEqual(find(plan, '/etc/flotilla/hostname-template'), { kind: 'file', path: '/etc/flotilla/hostname-template', mode: 0o644, data: Buffer.from('pi-{serial}\n') });
  });
});

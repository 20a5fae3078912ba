import assert from 'node:assert/strict';
import { resolveConfig, type AgentConfig } from '../../agent/config/index.js';
import { reconcilerConfig } from '../../agent/reconcile/wiring.js';

const ENV = { hostname: 'pi-1', cwd: '/' };
const file = (json: Record<string, unknown>) => ({ path: '/d/config.json', json: { hub: 'mqtt://127.0.0.1:1883', ...json } });

function ok(json: Record<string, unknown>): AgentConfig {
  const r = resolveConfig({ dataDir: '/d' }, file(json), ENV);
  assert.ok(r.ok, r.ok ? '' : r.problems.map((p) => `${p.where}: ${p.message}`).join('; '));
  return r.config;
}

function problems(json: Record<string, unknown>): string[] {
  const r = resolveConfig({ dataDir: '/d' }, file(json), ENV);
  assert.ok(!r.ok);
  return r.problems.map((p) => `${p.where}: ${p.message}`);
}

describe('agent config: workload settings', () => {
  it('defaults: the pause image built from /bin/busybox, the pod network, 1024 pids, no privileged, 2 s', () => {
    const c = ok({});
    assert.equal(c.podInfraImage, 'flotilla.local/pause:1');
    assert.equal(c.podInfraBinary, '/bin/busybox');
    assert.deepEqual(c.podInfraCommand?.slice(0, 3), ['/bin/busybox', 'sh', '-c']);
    assert.deepEqual(c.podNetwork, { name: 'flotilla0', subnet: '10.88.0.0/16', hostPortAddress: '0.0.0.0' });
    assert.equal(c.podPidsLimit, 1024);
    assert.equal(c.allowPrivileged, false);
    assert.equal(c.reconcileIntervalMs, 2000);
    assert.equal(c.reconnectMaxDelayMs, 15_000);
  });

  it('reconnectMaxDelay caps the link backoff, between 1 s and 1 h', () => {
    assert.equal(ok({ reconnectMaxDelay: '3s' }).reconnectMaxDelayMs, 3000);
    for (const v of ['10ms', '2h', 5]) assert.ok(problems({ reconnectMaxDelay: v }).some((x) => x.startsWith('/d/config.json: reconnectMaxDelay:')), String(v));
  });

  it('config.json sets them', () => {
    const c = ok({ podInfraImage: '127.0.0.1:5000/flotilla/busybox:1.0', podInfraCommand: ['sleep', '2147483647'], podPidsLimit: -1, allowPrivileged: true, reconcileInterval: '500ms' });
    assert.equal(c.podInfraImage, '127.0.0.1:5000/flotilla/busybox:1.0');
    assert.deepEqual(c.podInfraCommand, ['sleep', '2147483647']);
    assert.equal(c.podInfraBinary, undefined, 'an image of the user is pulled, never built');
    assert.equal(c.podPidsLimit, -1);
    assert.equal(c.allowPrivileged, true);
    assert.equal(c.reconcileIntervalMs, 500);
  });

  it('bad values are refused with the key named', () => {
    const p = problems({ podInfraImage: 'not an image', podInfraCommand: 'sleep', podPidsLimit: 1.5, allowPrivileged: 'yes', reconcileInterval: '1h' });
    assert.equal(p.length, 5, p.join('\n'));
    for (const k of ['podInfraImage', 'podInfraCommand', 'podPidsLimit', 'allowPrivileged', 'reconcileInterval']) assert.ok(p.some((x) => x.startsWith(`/d/config.json: ${k}:`)), k);
  });

  it('reconciler settings: pods under DATA_DIR/pods, the node facts, the resolved workload settings', () => {
    const r = reconcilerConfig(ok({}), 'pi-1', { hostIP: '192.168.1.20', cpuCores: 4, memoryBytes: 1e9 });
    assert.equal(r.podsDir, '/d/pods');
    assert.equal(r.hostIP, '192.168.1.20');
    assert.equal(r.podInfraImage, 'flotilla.local/pause:1');
    assert.equal(r.podInfraBinary, '/bin/busybox');
    assert.equal(r.podNetwork?.name, 'flotilla0');
    assert.equal(r.podPidsLimit, 1024);
    assert.equal(r.pollIntervalMs, 2000);
  });

  it('podNetwork: fields override the defaults; false turns the pod network off', () => {
    assert.deepEqual(ok({ podNetwork: { subnet: '192.168.240.0/24', hostPortAddress: '127.0.0.1' } }).podNetwork, {
      name: 'flotilla0',
      subnet: '192.168.240.0/24',
      hostPortAddress: '127.0.0.1',
    });
    assert.equal(ok({ podNetwork: false }).podNetwork, undefined);
    assert.equal(reconcilerConfig(ok({ podNetwork: false }), 'pi-1', { hostIP: '10.0.0.2', cpuCores: 1, memoryBytes: 1e9 }).podNetwork, undefined);
  });

  it('podNetwork: a bad subnet, name or address is refused naming the field', () => {
    const rows: [unknown, RegExp][] = [
      [{ subnet: '8.8.0.0/16' }, /podNetwork\.subnet: "8\.8\.0\.0\/16" is not a private range/],
      [{ subnet: '10.88.0.0/30' }, /podNetwork\.subnet: .*prefix length must be between \/8 and \/28/],
      [{ subnet: '10.0.0.0/4' }, /podNetwork\.subnet: .*prefix length/],
      [{ subnet: '10.88.1.0/16' }, /podNetwork\.subnet: .*host bits set \(the network is 10\.88\.0\.0\/16\)/],
      [{ subnet: '172.32.0.0/16' }, /podNetwork\.subnet: .*not a private range/],
      [{ subnet: 'ten' }, /podNetwork\.subnet: "ten" is not an IPv4 CIDR/],
      [{ subnet: 10 }, /podNetwork\.subnet: expected an IPv4 CIDR/],
      [{ name: 'a-very-long-bridge-name' }, /podNetwork\.name: expected 1-15 characters/],
      [{ name: 'host' }, /podNetwork\.name: "host" is one of Docker's own networks/],
      [{ hostPortAddress: 'localhost' }, /podNetwork\.hostPortAddress: expected an IPv4 address/],
      [{ mtu: 1500 }, /podNetwork: unknown key "mtu"/],
      [true, /podNetwork: expected false or an object/],
    ];
    for (const [v, re] of rows) {
      const p = problems({ podNetwork: v });
      assert.ok(p.some((x) => re.test(x)), `${JSON.stringify(v)}: ${p.join('; ')}`);
      assert.ok(p.every((x) => x.startsWith('/d/config.json: podNetwork')), p.join('; '));
    }
    for (const subnet of ['10.88.0.0/16', '172.16.0.0/12', '192.168.0.0/28', '10.0.0.0/8']) assert.equal(ok({ podNetwork: { subnet } }).podNetwork?.subnet, subnet);
  });

  it('podInfraBinary builds only the default pause image', () => {
    assert.equal(ok({ podInfraBinary: '/opt/pause' }).podInfraBinary, '/opt/pause');
    assert.deepEqual(ok({ podInfraBinary: '/opt/pause' }).podInfraCommand, ['/bin/pause']);
    assert.ok(problems({ podInfraImage: 'example.org/pause:1', podInfraBinary: '/opt/pause' }).some((x) => x.startsWith('/d/config.json: podInfraBinary: builds the default pause image')));
  });
});

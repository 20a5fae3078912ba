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
  it('defaults: pause:3.10 with its own entrypoint, 1024 pids, no privileged, 2 s', () => {
    const c = ok({});
    assert.equal(c.podInfraImage, 'registry.k8s.io/pause:3.10');
    assert.equal(c.podInfraCommand, undefined);
    assert.equal(c.podPidsLimit, 1024);
    assert.equal(c.allowPrivileged, false);
    assert.equal(c.reconcileIntervalMs, 2000);
    assert.equal(c.reconnectMaxDelayMs, 120_000);
  });

  it('reconnectMaxDelay caps the link backoff, between 1 s and 1 h', () => {
    assert.equal(ok({ reconnectMaxDelay: '3s' }).reconnectMaxDelayMs, 3000);
    for (const v of ['10ms', '2h', 5]) assert.ok(problems({ reconnectMaxDelay: v }).some((x) => x.startsWith('/d/config.json: reconnectMaxDelay:')), String(v));
  });

  it('config.json sets them', () => {
    const c = ok({ podInfraImage: '127.0.0.1:5000/flotilla/busybox:1.0', podInfraCommand: ['sleep', '2147483647'], podPidsLimit: -1, allowPrivileged: true, reconcileInterval: '500ms' });
    assert.equal(c.podInfraImage, '127.0.0.1:5000/flotilla/busybox:1.0');
    assert.deepEqual(c.podInfraCommand, ['sleep', '2147483647']);
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
    assert.equal(r.podInfraImage, 'registry.k8s.io/pause:3.10');
    assert.equal(r.podPidsLimit, 1024);
    assert.equal(r.pollIntervalMs, 2000);
  });
});

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { NodeStatusCollector } from '../../agent/conditions/collector.js';
import { conditionsConfig } from '../../agent/conditions/config.js';
import { loadHostFixture, recordedHostProbe, type RecordedHost } from '../support/recorded-host.js';
import { canonicalJSON, statusChanged, statusDigest } from '../../agent/conditions/status-digest.js';

const T0 = Date.parse('2025-03-01T10:00:00Z');
const UP = { reachable: true, version: '20.10.24' };
const Mi = 1024 * 1024;

function fixture(name: string): Promise<RecordedHost> {
  return loadHostFixture(fileURLToPath(new URL(`../fixtures/conditions/${name}.json`, import.meta.url)));
}

/** Collects the host as it is at each step, on one collector, 10 s apart. */
async function digests(base: RecordedHost, steps: ((h: RecordedHost) => void)[]): Promise<string[]> {
  let host = base;
  let probe = recordedHostProbe(host);
  let t = T0;
  const c = new NodeStatusCollector(
    {
      readFile: (p) => probe.readFile(p),
      osInfo: () => probe.osInfo(),
      cpuCount: () => probe.cpuCount(),
      hostname: () => probe.hostname(),
      memory: () => probe.memory(),
      filesystem: (p) => probe.filesystem(p),
      networkInterfaces: () => probe.networkInterfaces(),
    },
    conditionsConfig({ pressureTransitionPeriodMs: 0 }),
    () => new Date(t),
  );
  const out: string[] = [];
  for (const step of steps) {
    host = structuredClone(host);
    step(host);
    probe = recordedHostProbe(host);
    out.push((await c.collect(UP)).digest);
    t += 10_000;
  }
  return out;
}

describe('conditions: status digest', () => {
  it('is 8 hex characters', async () => {
    const [d] = await digests(await fixture('pi4-bookworm'), [() => undefined]);
    assert.match(d ?? '', /^[0-9a-f]{8}$/);
  });

  it('does not move with heartbeat time, small memory jitter or temperature within a bucket', async () => {
    const ds = await digests(await fixture('pi4-bookworm'), [
      () => undefined,
      () => undefined,
      (h) => (h.memory.availableBytes -= 3 * Mi),
      (h) => (h.memory.availableBytes += 17 * Mi),
      (h) => (h.files['/sys/class/thermal/thermal_zone0/temp'] = '63950\n'),
      (h) => (h.files['/sys/class/thermal/thermal_zone0/temp'] = '60012\n'),
      (h) => {
        const root = h.filesystems[0];
        if (root) root.availableBytes -= 50 * Mi;
      },
    ]);
    assert.equal(new Set(ds).size, 1, ds.join(' '));
  });

  it('moves when a condition flips, and again when it flips back', async () => {
    const base = await fixture('pi4-bookworm');
    const total = base.memory.availableBytes;
    const ds = await digests(base, [
      () => undefined,
      (h) => (h.memory.availableBytes = 90 * Mi),
      (h) => (h.memory.availableBytes = 80 * Mi),
      (h) => (h.memory.availableBytes = total),
    ]);
    assert.notEqual(ds[1], ds[0], 'MemoryPressure False → True');
    assert.equal(ds[2], ds[1], 'still True');
    assert.notEqual(ds[3], ds[1], 'True → False');
    assert.notEqual(ds[3], ds[0], 'lastTransitionTime moved');
    assert.equal(statusChanged(ds[0], ds[1] ?? ''), true);
    assert.equal(statusChanged(ds[1], ds[2] ?? ''), false);
    assert.equal(statusChanged(undefined, ds[0] ?? ''), true);
  });

  it('moves when the temperature leaves its bucket, an address changes or throttling starts', async () => {
    const ds = await digests(await fixture('pi-zero2-lowmem'), [
      () => undefined,
      (h) => (h.files['/sys/class/thermal/thermal_zone0/temp'] = '56000\n'),
      (h) => {
        const wlan = h.networkInterfaces.find((i) => i.name === 'wlan0');
        if (wlan) wlan.addresses = [{ family: 'IPv4', address: '192.168.4.77' }];
      },
      (h) => (h.files['/sys/devices/platform/soc/soc:firmware/get_throttled'] = '4\n'),
    ]);
    assert.equal(new Set(ds).size, 4, ds.join(' '));
  });

  it('does not depend on key order', async () => {
    const c = new NodeStatusCollector(recordedHostProbe(await fixture('x86-server')), conditionsConfig(), () => new Date(T0));
    const r = await c.collect(UP);
    const reversed = Object.fromEntries(Object.entries(r.labels).reverse());
    const status = { ...r.status, nodeInfo: Object.fromEntries(Object.entries(r.status.nodeInfo).reverse()) as typeof r.status.nodeInfo };
    assert.equal(statusDigest(status, reversed, r.annotations), r.digest);
    assert.equal(canonicalJSON({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
  });
});

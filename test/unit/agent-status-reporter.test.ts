import assert from 'node:assert/strict';
import type { CollectedStatus, RuntimeState } from '../../agent/conditions/index.js';
import type { LinkState, LinkStatus, SendResult } from '../../agent/link/index.js';
import { publishPacketBytes } from '../../agent/link/index.js';
import { StatusReporter, type ReportLink, type StatusCollector } from '../../agent/status/index.js';
import { decodeAgentMessage, encode, nodeTopic, statusHash } from '../../shared/protocol/index.js';
import type { AgentMessage, DesiredRevision } from '../../shared/protocol/index.js';
import { createJsonLogger } from '../../shared/util/logger.js';
import { FakeClock } from '../support/fake-clock.js';

const HB = 10_000;
const STATUS_INTERVAL = 60_000;

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

class FakeLink implements ReportLink {
  state: LinkState = 'connecting';
  deliver = true;
  readonly sent: { channel: 'status' | 'hb'; msg: AgentMessage }[] = [];
  private readonly listeners = new Set<(s: LinkStatus) => void>();
  constructor(private readonly clock: FakeClock) {}
  send(channel: 'status' | 'hb', msg: AgentMessage): Promise<SendResult> {
    const payload = encode(msg);
    const r = { payloadBytes: payload.length, packetBytes: publishPacketBytes(nodeTopic('pi-a', channel), payload.length, channel === 'hb' ? 0 : 1) };
    if (this.state !== 'online' || !this.deliver) return Promise.resolve({ ...r, delivered: false, error: 'offline' });
    this.sent.push({ channel, msg });
    return Promise.resolve({ ...r, delivered: true });
  }
  onState(fn: (s: LinkStatus) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  set(state: LinkState): void {
    this.state = state;
    for (const fn of this.listeners) fn({ state, failures: 0, since: this.clock.now() });
  }
}

/** A collector whose output the test controls: `ready` drives the Ready condition and the digest. */
class FakeCollector implements StatusCollector {
  ready = 'True';
  fail = false;
  calls = 0;
  constructor(private readonly clock: FakeClock) {}
  collect(runtime: RuntimeState): Promise<CollectedStatus> {
    this.calls += 1;
    if (this.fail) return Promise.reject(new Error('probe failed'));
    const t = this.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    return Promise.resolve({
      nodeName: 'pi-a',
      status: {
        capacity: { cpu: '4', memory: '3884844Ki', pods: '110' },
        allocatable: { cpu: '4', memory: '3782444Ki', pods: '110' },
        conditions: [{ type: 'Ready', status: this.ready === 'True' ? 'True' : 'False', reason: 'KubeletReady', message: runtime.reachable ? 'ok' : 'down', lastHeartbeatTime: t, lastTransitionTime: '2026-01-01T00:00:00Z' }],
        addresses: [{ type: 'InternalIP', address: '192.168.1.20' }],
        nodeInfo: {
          machineID: 'm',
          systemUUID: '',
          bootID: 'b',
          kernelVersion: '6.1.0',
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          containerRuntimeVersion: 'docker://20.10.24',
          kubeletVersion: 'v1.32.0-flotilla.0.1.0',
          kubeProxyVersion: '',
          operatingSystem: 'linux',
          architecture: 'arm64',
        },
      },
      labels: { 'kubernetes.io/arch': 'arm64' },
      annotations: {},
      digest: this.ready === 'True' ? 'aaaaaaaa' : 'bbbbbbbb',
      readings: { memory: { totalBytes: 4e9, availableBytes: 2e9 }, interfaces: [] },
    });
  }
}

function setup(applied?: () => DesiredRevision | undefined): { clock: FakeClock; link: FakeLink; collector: FakeCollector; reporter: StatusReporter; logs: Record<string, unknown>[]; kinds: () => string[] } {
  const clock = new FakeClock();
  const link = new FakeLink(clock);
  const collector = new FakeCollector(clock);
  const logs: Record<string, unknown>[] = [];
  const reporter = new StatusReporter(
    { heartbeatIntervalMs: HB, statusIntervalMs: STATUS_INTERVAL, extraLabels: { site: 'kitchen' } },
    {
      link,
      collector,
      runtime: { probe: () => Promise.resolve({ reachable: true, version: '20.10.24' }) },
      clock,
      logger: createJsonLogger((l) => logs.push(JSON.parse(l) as Record<string, unknown>), { level: 'debug', now: () => clock.now() }),
      ...(applied ? { applied } : {}),
    },
  );
  const kinds = (): string[] => link.sent.map((s) => s.channel);
  return { clock, link, collector, reporter, logs, kinds };
}

async function tick(clock: FakeClock, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) {
    clock.advance(HB);
    await flush();
  }
}

describe('agent status reporter (fake time)', () => {
  it('reports the applied desired revision; a newer one sends the full status again at the next tick', async () => {
    const device: { applied?: DesiredRevision } = {};
    const { clock, link, reporter, kinds } = setup(() => device.applied);
    reporter.start();
    link.set('online');
    await flush();
    const first = link.sent.at(-1)?.msg;
    assert.ok(first?.t === 'status' && first.applied === undefined, 'nothing applied yet');
    device.applied = { epoch: 0, seq: 41 };
    await tick(clock);
    const second = link.sent.at(-1)?.msg;
    assert.ok(second?.t === 'status');
    assert.deepEqual(second.applied, { epoch: 0, seq: 41 });
    assert.equal(second.hash, statusHash(second));
    await tick(clock);
    assert.deepEqual(kinds(), ['status', 'status', 'hb'], 'unchanged: a heartbeat');
    await reporter.stop();
  });

  it('sends nothing until online, then the full status, then heartbeats carrying its hash', async () => {
    const { clock, link, reporter, kinds } = setup();
    reporter.start();
    await tick(clock, 2);
    assert.deepEqual(kinds(), []);
    link.set('online');
    await flush();
    assert.deepEqual(kinds(), ['status']);
    const status = link.sent[0]?.msg;
    assert.ok(status?.t === 'status');
    assert.equal(status.hash, statusHash(status));
    assert.deepEqual(status.labels, { site: 'kitchen', 'kubernetes.io/arch': 'arm64' });
    // The hub's decoder accepts it.
    decodeAgentMessage('status', encode(status));

    await tick(clock, 3);
    assert.deepEqual(kinds(), ['status', 'hb', 'hb', 'hb']);
    const hbs = link.sent.slice(1).map((s) => s.msg);
    assert.deepEqual(hbs, [0, 1, 2].map((s) => ({ v: 1, t: 'hb', s, h: status.hash })));
    await reporter.stop();
  });

  it('heartbeats are tiny: at most 64 bytes of payload, measured and logged', async () => {
    const { clock, link, reporter, logs } = setup();
    reporter.start();
    link.set('online');
    await flush();
    await tick(clock, 2);
    const stats = reporter.stats();
    assert.equal(stats.heartbeats, 2);
    const hb = stats.lastHeartbeat;
    assert.ok(hb && hb.payloadBytes <= 64, `heartbeat payload ${hb?.payloadBytes} bytes`);
    assert.equal(hb.packetBytes, 2 + 2 + nodeTopic('pi-a', 'hb').length + hb.payloadBytes);
    const lines = logs.filter((l) => l.msg === 'heartbeat sent');
    assert.deepEqual(lines.map((l) => l.level), ['info', 'debug'], 'first heartbeat of a connection at info');
    assert.equal(lines[0]?.payloadBytes, hb.payloadBytes);
    assert.equal(lines[0]?.packetBytes, hb.packetBytes);
    await reporter.stop();
  });

  it('sends the full status again when the digest changes', async () => {
    const { clock, link, collector, reporter, kinds } = setup();
    reporter.start();
    link.set('online');
    await flush();
    await tick(clock);
    collector.ready = 'False';
    await tick(clock);
    await tick(clock);
    assert.deepEqual(kinds(), ['status', 'hb', 'status', 'hb']);
    const second = link.sent[2]?.msg;
    const lastHb = link.sent[3]?.msg;
    assert.ok(second?.t === 'status' && lastHb?.t === 'hb');
    assert.equal(lastHb.h, second.hash, 'heartbeats carry the hash of the last status sent');
    assert.equal(reporter.stats().lastStatus?.reason, 'changed');
    await reporter.stop();
  });

  it('sends the full status at least every status interval, even unchanged', async () => {
    const { clock, link, reporter, kinds } = setup();
    reporter.start();
    link.set('online');
    await flush();
    await tick(clock, STATUS_INTERVAL / HB);
    assert.equal(kinds().filter((k) => k === 'status').length, 2);
    assert.equal(kinds().at(-1), 'status');
    assert.equal(reporter.stats().lastStatus?.reason, 'interval');
    await reporter.stop();
  });

  it("sends the full status at once when the hub asks (cmd sendStatus)", async () => {
    const { clock, link, reporter, kinds } = setup();
    reporter.start();
    link.set('online');
    await flush();
    await tick(clock);
    reporter.requestFullStatus();
    await flush();
    assert.deepEqual(kinds(), ['status', 'hb', 'status']);
    assert.equal(reporter.stats().lastStatus?.reason, 'requested');
    await tick(clock);
    assert.equal(kinds().at(-1), 'hb', 'the request is served once');
    await reporter.stop();
  });

  it('after a reconnect the full status goes first; an undelivered status is retried', async () => {
    const { clock, link, reporter, kinds } = setup();
    reporter.start();
    link.set('online');
    await flush();
    link.set('backoff');
    await tick(clock, 3);
    assert.deepEqual(kinds(), ['status']);
    link.deliver = false;
    link.set('online');
    await flush();
    link.deliver = true;
    await tick(clock);
    assert.deepEqual(kinds(), ['status', 'status']);
    assert.equal(reporter.stats().lastStatus?.reason, 'connected');
    await reporter.stop();
  });

  it('a failed collection still sends a heartbeat (liveness does not wait for the probe)', async () => {
    const { clock, link, collector, reporter, kinds, logs } = setup();
    reporter.start();
    link.set('online');
    await flush();
    collector.fail = true;
    await tick(clock);
    assert.deepEqual(kinds(), ['status', 'hb']);
    assert.ok(logs.some((l) => l.msg === 'status collection failed'));
    await reporter.stop();
  });

  it('stop() cancels the schedule', async () => {
    const { clock, link, collector, reporter } = setup();
    reporter.start();
    link.set('online');
    await flush();
    await reporter.stop();
    const calls = collector.calls;
    await tick(clock, 5);
    assert.equal(collector.calls, calls);
    assert.equal(clock.pendingTimers, 0);
  });
});

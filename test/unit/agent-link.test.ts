import assert from 'node:assert/strict';
import { AgentLink, RECONNECT_BACKOFF } from '../../agent/link/index.js';
import type {
  ConnectCredentials,
  ConnectionListeners,
  CredentialSource,
  LinkState,
  LinkStatus,
  MqttConnectOptions,
  MqttConnection,
  PublishOptions,
} from '../../agent/link/index.js';
import { agentSubscriptions, decodeAgentMessage, nodeTopic } from '../../shared/protocol/index.js';
import { createJsonLogger } from '../../shared/util/logger.js';
import { prng } from '../support/prng.js';
import { FakeClock } from '../support/fake-clock.js';

const NODE = 'pi-a';

function presenceState(payload: Buffer): string {
  return decodeAgentMessage('presence', payload).state;
}

/** Lets pending promise callbacks run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

class FakeConnection implements MqttConnection {
  readonly listeners: { [E in keyof ConnectionListeners]: ConnectionListeners[E][] } = { connect: [], error: [], close: [], message: [] };
  readonly subscribed: string[][] = [];
  readonly published: { topic: string; payload: Buffer; opts: PublishOptions }[] = [];
  ended: boolean | undefined;
  /** Granted QoS the next SUBACK carries (128 = refused). */
  grant = 1;

  constructor(readonly opts: MqttConnectOptions) {}

  on<E extends keyof ConnectionListeners>(event: E, listener: ConnectionListeners[E]): void {
    this.listeners[event].push(listener);
  }
  subscribe(topics: readonly string[]): Promise<number[]> {
    this.subscribed.push([...topics]);
    return Promise.resolve(topics.map(() => this.grant));
  }
  publish(topic: string, payload: Buffer, opts: PublishOptions): Promise<void> {
    this.published.push({ topic, payload, opts });
    return Promise.resolve();
  }
  end(force: boolean): Promise<void> {
    this.ended = force;
    return Promise.resolve();
  }

  accept(sessionPresent = false): void {
    for (const l of this.listeners.connect) l(sessionPresent);
  }
  refuse(code: number): void {
    for (const l of this.listeners.error) l({ kind: 'refused', code, message: code === 5 ? 'Not authorized' : 'Bad username or password' });
    this.close();
  }
  fail(message = 'connect ECONNREFUSED 127.0.0.1:1883'): void {
    for (const l of this.listeners.error) l({ kind: 'network', code: 'ECONNREFUSED', message });
    this.close();
  }
  close(): void {
    for (const l of this.listeners.close) l();
  }
  deliver(topic: string, payload: string): void {
    for (const l of this.listeners.message) l(topic, Buffer.from(payload));
  }
}

class FakeCredentials implements CredentialSource {
  counter = 0;
  readonly calls: string[] = [];
  next(): Promise<ConnectCredentials> {
    this.counter += 1;
    this.calls.push(`next:${this.counter}`);
    return Promise.resolve({ clientId: `node:${NODE}`, username: NODE, password: `pw-${this.counter}` });
  }
  refused(code: number): Promise<void> {
    this.calls.push(`refused:${code}`);
    this.counter += 2 ** 32;
    return Promise.resolve();
  }
  accepted(): void {
    this.calls.push('accepted');
  }
}

interface Harness {
  link: AgentLink;
  clock: FakeClock;
  conns: FakeConnection[];
  creds: FakeCredentials;
  states: LinkStatus[];
  logs: Record<string, unknown>[];
  /** The newest connection. */
  conn(): FakeConnection;
  /** Accepts the newest connection and waits until the link is online. */
  online(): Promise<void>;
}

function harness(opts: { random?: () => number; stableAfterMs?: number; connectTimeoutMs?: number } = {}): Harness {
  const clock = new FakeClock();
  const conns: FakeConnection[] = [];
  const creds = new FakeCredentials();
  const logs: Record<string, unknown>[] = [];
  const logger = createJsonLogger((l) => logs.push(JSON.parse(l) as Record<string, unknown>), { level: 'debug', now: () => clock.now() });
  const link = new AgentLink(
    {
      url: 'mqtt://hub:1883',
      node: NODE,
      credentials: creds,
      agentVersion: '0.1.0',
      bootId: 'boot-1',
      ...(opts.stableAfterMs !== undefined ? { stableAfterMs: opts.stableAfterMs } : {}),
      ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    },
    {
      connector: (o) => {
        const c = new FakeConnection(o);
        conns.push(c);
        return c;
      },
      clock,
      logger,
      random: opts.random ?? (() => 0.5),
    },
  );
  const states: LinkStatus[] = [];
  link.onState((s) => states.push(s));
  const h: Harness = {
    link,
    clock,
    conns,
    creds,
    states,
    logs,
    conn: () => {
      const c = conns.at(-1);
      assert.ok(c, 'no connection attempt yet');
      return c;
    },
    online: async () => {
      h.conn().accept();
      await flush();
      assert.equal(link.state, 'online');
    },
  };
  return h;
}

/** Starts the link and waits for the first connection attempt. */
async function started(h: Harness): Promise<void> {
  h.link.start();
  await flush();
  assert.equal(h.conns.length, 1);
}

/** Fails the current attempt and returns the backoff delay the link chose. */
async function failAttempt(h: Harness): Promise<number> {
  h.conn().fail();
  await flush();
  const s = h.link.status();
  assert.equal(s.state, 'backoff');
  assert.ok(s.retryInMs !== undefined);
  return s.retryInMs;
}

/** Waits out the backoff and the next attempt's start. */
async function retry(h: Harness, delay: number): Promise<void> {
  const before = h.conns.length;
  h.clock.advance(delay);
  await flush();
  assert.equal(h.conns.length, before + 1, 'a new attempt after the delay');
}

describe('agent link: state machine', () => {
  it('idle → connecting → online, with a persistent session, the offline will, exact subscriptions and presence online', async () => {
    const h = harness();
    assert.equal(h.link.state, 'idle');
    await started(h);
    assert.equal(h.link.state, 'connecting');
    const c = h.conn();
    assert.equal(c.opts.clientId, 'node:pi-a');
    assert.equal(c.opts.username, 'pi-a');
    assert.equal(c.opts.password, 'pw-1');
    assert.equal(c.opts.clean, false);
    assert.equal(c.opts.will?.topic, nodeTopic(NODE, 'presence'));
    assert.equal(c.opts.will.qos, 1);
    assert.equal(c.opts.will.retain, false);
    assert.deepEqual(JSON.parse(c.opts.will.payload.toString()), { v: 1, t: 'presence', state: 'offline', agentVersion: '0.1.0', bootId: 'boot-1' });

    await h.online();
    assert.deepEqual(c.subscribed, [agentSubscriptions(NODE)]);
    assert.deepEqual(c.published.map((p) => [p.topic, presenceState(p.payload), p.opts.qos, p.opts.retain]), [
      [nodeTopic(NODE, 'presence'), 'online', 1, false],
    ]);
    assert.deepEqual(h.states.map((s) => s.state), ['connecting', 'online']);
    assert.deepEqual(h.creds.calls, ['next:1', 'accepted']);
  });

  it('logs every transition with from, to and the error', async () => {
    const h = harness();
    await started(h);
    await failAttempt(h);
    const lines = h.logs.filter((l) => l.msg === 'link state');
    assert.deepEqual(lines.map((l) => [l.from, l.to]), [
      ['idle', 'connecting'],
      ['connecting', 'backoff'],
    ]);
    assert.match(String(lines[1]?.error), /ECONNREFUSED/);
    assert.equal(lines[1]?.level, 'warn');
  });

  it('re-subscribes on every connect (the broker then resends the retained desired document)', async () => {
    const h = harness();
    await started(h);
    await h.online();
    h.conn().close();
    await flush();
    assert.equal(h.link.state, 'backoff');
    await retry(h, h.link.status().retryInMs ?? 0);
    await h.online();
    assert.equal(h.conns.length, 2);
    for (const c of h.conns) assert.deepEqual(c.subscribed, [agentSubscriptions(NODE)]);
    assert.equal(h.conns[1]?.opts.password, 'pw-2', 'fresh credentials for every attempt');
  });

  it('forwards messages of the current connection only', async () => {
    const h = harness();
    const got: string[] = [];
    h.link.onMessage((topic, payload) => got.push(`${topic}=${payload.toString()}`));
    await started(h);
    await h.online();
    const first = h.conn();
    first.deliver(nodeTopic(NODE, 'cmd'), 'a');
    first.close();
    await flush();
    first.deliver(nodeTopic(NODE, 'cmd'), 'stale');
    assert.deepEqual(got, [`${nodeTopic(NODE, 'cmd')}=a`]);
  });

  it('sends only while online, with the protocol QoS and never retained', async () => {
    const h = harness();
    await started(h);
    const offline = await h.link.send('hb', { v: 1, t: 'hb', s: 0, h: '0123abcd' });
    assert.equal(offline.delivered, false);
    assert.match(offline.error ?? '', /connecting/);
    await h.online();
    const hb = await h.link.send('hb', { v: 1, t: 'hb', s: 1, h: '0123abcd' });
    assert.equal(hb.delivered, true);
    assert.equal(hb.payloadBytes, Buffer.byteLength('{"v":1,"t":"hb","s":1,"h":"0123abcd"}'));
    // fixed header 2 + topic length 2 + topic + payload
    assert.equal(hb.packetBytes, 2 + 2 + nodeTopic(NODE, 'hb').length + hb.payloadBytes);
    await h.link.send('events', { v: 1, t: 'events', events: [] });
    const sent = h.conn().published.slice(1).map((p) => [p.topic.split('/').at(-1), p.opts.qos, p.opts.retain]);
    assert.deepEqual(sent, [
      ['hb', 0, false],
      ['events', 1, false],
    ]);
  });

  it('a refused subscription is a failed attempt', async () => {
    const h = harness();
    await started(h);
    h.conn().grant = 128;
    h.conn().accept();
    await flush();
    const s = h.link.status();
    assert.equal(s.state, 'backoff');
    assert.match(s.lastError ?? '', /refused subscription/);
    assert.equal(h.conns[0]?.ended, true);
  });

  it('gives up an attempt that gets no CONNACK within the connect timeout', async () => {
    const h = harness({ connectTimeoutMs: 5000 });
    await started(h);
    h.clock.advance(4999);
    assert.equal(h.link.state, 'connecting');
    h.clock.advance(1);
    await flush();
    assert.equal(h.link.state, 'backoff');
    assert.match(h.link.status().lastError ?? '', /no CONNACK/);
    assert.equal(h.conns[0]?.ended, true);
  });

  it('an auth refusal (CONNACK 5) is reported to the credentials before the next attempt', async () => {
    const h = harness();
    await started(h);
    h.conn().refuse(5);
    await flush();
    const s = h.link.status();
    assert.equal(s.state, 'backoff');
    assert.deepEqual(s.lastErrorDetail, { kind: 'refused', code: 5, message: 'Not authorized' });
    await retry(h, s.retryInMs ?? 0);
    assert.deepEqual(h.creds.calls, ['next:1', 'refused:5', `next:${2 ** 32 + 2}`]);
    assert.equal(h.conn().opts.password, `pw-${2 ** 32 + 2}`);
  });

  it('a CONNACK 3 (server unavailable) is not an auth refusal', async () => {
    const h = harness();
    await started(h);
    h.conn().refuse(3);
    await flush();
    assert.deepEqual(h.creds.calls, ['next:1']);
  });

  it('stop() while online says offline (QoS 1), disconnects cleanly and stays stopped', async () => {
    const h = harness();
    await started(h);
    await h.online();
    await h.link.stop();
    const c = h.conn();
    const last = c.published.at(-1);
    assert.equal(last?.topic, nodeTopic(NODE, 'presence'));
    assert.equal(presenceState(last.payload), 'offline');
    assert.deepEqual(last.opts, { qos: 1, retain: false });
    assert.equal(c.ended, false, 'a clean DISCONNECT, so the broker drops the will');
    assert.equal(h.link.state, 'stopped');
    c.close();
    await flush();
    h.clock.advance(10 * 60_000);
    await flush();
    assert.equal(h.conns.length, 1);
    assert.equal(h.link.state, 'stopped');
  });

  it('stop() during backoff cancels the retry', async () => {
    const h = harness();
    await started(h);
    await failAttempt(h);
    await h.link.stop();
    assert.equal(h.clock.pendingTimers, 0);
    h.clock.advance(10 * 60_000);
    await flush();
    assert.equal(h.conns.length, 1);
    assert.deepEqual(h.states.map((s) => s.state), ['connecting', 'backoff', 'stopped']);
  });
});

describe('agent link: reconnect backoff on fake time', () => {
  const ceiling = (n: number): number => Math.min(RECONNECT_BACKOFF.maxMs, RECONNECT_BACKOFF.initialMs * 2 ** n);

  it('the policy is 1 s doubling to 2 min with full jitter', () => {
    assert.deepEqual(RECONNECT_BACKOFF, { initialMs: 1000, maxMs: 120_000, factor: 2, jitter: 1 });
  });

  it('grows exponentially and caps at 2 min (jitter pinned at its top)', async () => {
    const h = harness({ random: () => 0.999999 });
    await started(h);
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const d = await failAttempt(h);
      delays.push(d);
      await retry(h, d);
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 120_000, 120_000, 120_000]);
    assert.deepEqual(h.states.filter((s) => s.state === 'backoff').map((s) => s.failures), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('jittered delays stay within [0, min(2 min, 1 s·2^n)] and are spread out', async () => {
    const h = harness({ random: prng(42) });
    await started(h);
    const delays: number[] = [];
    for (let n = 0; n < 12; n++) {
      const d = await failAttempt(h);
      assert.ok(d >= 0 && d <= ceiling(n), `attempt ${n}: ${d} ms outside [0, ${ceiling(n)}]`);
      delays.push(d);
      await retry(h, d);
    }
    assert.ok(delays.slice(-4).some((d) => d !== ceiling(11)), 'not all at the cap: jitter applied');
  });

  it('a fleet restarting together spreads its first retries over the whole first window', async () => {
    const delays: number[] = [];
    const random = prng(7);
    for (let i = 0; i < 200; i++) {
      const h = harness({ random });
      await started(h);
      delays.push(await failAttempt(h));
    }
    assert.ok(Math.min(...delays) < 100 && Math.max(...delays) > 900, `spread ${Math.min(...delays)}..${Math.max(...delays)}`);
    const buckets = new Set(delays.map((d) => Math.floor(d / 100)));
    assert.ok(buckets.size >= 9, `delays fall into ${buckets.size} of 10 buckets`);
  });

  it('resets after a connection that stayed up (stableAfterMs), not after one that dropped at once', async () => {
    const h = harness({ random: () => 0.999999, stableAfterMs: 10_000 });
    await started(h);
    for (let i = 0; i < 4; i++) await retry(h, await failAttempt(h));
    // Online, then dropped at once: a flapping broker keeps the delays growing.
    await h.online();
    h.conn().close();
    await flush();
    assert.equal(h.link.status().retryInMs, 16_000);
    await retry(h, 16_000);
    // Online long enough: the count resets and the next delay is back to the first window.
    await h.online();
    h.clock.advance(10_000);
    h.conn().close();
    await flush();
    const s = h.link.status();
    assert.equal(s.state, 'backoff');
    assert.equal(s.failures, 1);
    assert.equal(s.retryInMs, 1000);
  });

  it('reports its state through status() and onState', async () => {
    const h = harness();
    const seen: LinkState[] = [];
    const off = h.link.onState((s) => seen.push(s.state));
    await started(h);
    await h.online();
    off();
    h.conn().close();
    await flush();
    assert.deepEqual(seen, ['connecting', 'online']);
    assert.equal(h.link.status().state, 'backoff');
    assert.equal(h.link.status().since.getTime(), h.clock.now().getTime());
  });
});

/**
 * Connect storms against the real broker (aedes on 127.0.0.1:0, real mqtt.js clients): at most
 * `maxAuthInFlight` authentications run at once, the next `maxAuthQueued` wait for a slot (at
 * most `maxAuthWaitMs`), the rest are refused at once with CONNACK 3 (server unavailable, which
 * agents back off from), and connections beyond `maxConnections` are closed before they cost a
 * descriptor's worth of work.
 */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { DEFAULT_BROKER_LIMITS, startBroker, type RunningBroker } from '../../server/broker/broker.js';
import type { AuthDecision, ConnectAuthenticator } from '../../server/broker/principal.js';
import { silentLogger } from '../../shared/util/logger.js';

/** An authenticator that takes `ms` per CONNECT, and counts how many it ran at once. */
function slowAuth(ms: number): ConnectAuthenticator & { maxConcurrent: number } {
  let running = 0;
  const auth = {
    maxConcurrent: 0,
    async authenticate(a: { clientId: string }): Promise<AuthDecision> {
      running += 1;
      auth.maxConcurrent = Math.max(auth.maxConcurrent, running);
      await new Promise((r) => setTimeout(r, ms));
      running -= 1;
      return { ok: true, principal: { kind: 'bootstrap', clientId: a.clientId } };
    },
  };
  return auth;
}

type Outcome = { ok: true; ms: number } | { ok: false; code: number | undefined; ms: number };

function tryConnect(port: number, clientId: string): Promise<Outcome> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId, reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4, keepalive: 30 });
    c.once('connect', () => {
      resolve({ ok: true, ms: Date.now() - t0 });
      c.end(true);
    });
    c.once('error', (e: Error & { code?: unknown }) => {
      resolve({ ok: false, code: typeof e.code === 'number' ? e.code : undefined, ms: Date.now() - t0 });
      c.end(true);
    });
    c.once('close', () => resolve({ ok: false, code: undefined, ms: Date.now() - t0 }));
  });
}

async function broker(auth: ConnectAuthenticator, over: Partial<typeof DEFAULT_BROKER_LIMITS>): Promise<RunningBroker & { port: number }> {
  const b = await startBroker({
    plain: { host: '127.0.0.1', port: 0 },
    limits: { ...DEFAULT_BROKER_LIMITS, ...over },
    auth,
    policy: { mayPublish: () => true, maySubscribe: () => true },
    logger: silentLogger,
    onMessage: () => undefined,
  });
  if (b.port === undefined) throw new Error('no plain listener');
  return Object.assign(b, { port: b.port });
}

describe('broker admission under a connect storm', function () {
  this.timeout(30_000);

  it('runs at most maxAuthInFlight authentications, queues maxAuthQueued and refuses the rest at once with CONNACK 3', async () => {
    const auth = slowAuth(1500);
    const b = await broker(auth, { maxAuthInFlight: 5, maxAuthQueued: 5 });
    try {
      const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => tryConnect(b.port, `enroll:storm-${i}`)));
      const admitted = outcomes.filter((o) => o.ok);
      const busy = outcomes.filter((o) => !o.ok && o.code === 3);
      assert.equal(auth.maxConcurrent, 5);
      assert.equal(admitted.length, 10, 'five at once, then the five that waited for a slot');
      assert.equal(admitted.filter((o) => o.ms >= 2500).length, 5, 'the queued ones got in after the first five');
      assert.equal(busy.length, 10, JSON.stringify(outcomes));
      assert.ok(busy.every((o) => o.ms < 1000), 'refused fast, not after waiting for a slot');
      // Once the storm is over, a connect gets through.
      assert.equal((await tryConnect(b.port, 'enroll:after')).ok, true);
    } finally {
      await b.close();
    }
  });

  it('refuses as busy a CONNECT that waited maxAuthWaitMs, and never authenticates one whose device left', async () => {
    const auth = slowAuth(2500);
    let calls = 0;
    const counting: ConnectAuthenticator = {
      authenticate: (a) => {
        calls += 1;
        return auth.authenticate(a);
      },
    };
    const b = await broker(counting, { maxAuthInFlight: 1, maxAuthQueued: 10, maxAuthWaitMs: 1000 });
    try {
      const first = tryConnect(b.port, 'enroll:slow');
      await new Promise((r) => setTimeout(r, 200));
      const waited = tryConnect(b.port, 'enroll:waits');
      const leaver = mqtt.connect(`mqtt://127.0.0.1:${b.port}`, { clientId: 'enroll:leaves', reconnectPeriod: 0, protocolVersion: 4, keepalive: 30 });
      leaver.on('error', () => undefined);
      await new Promise((r) => setTimeout(r, 300));
      leaver.end(true);
      const w = await waited;
      assert.equal(w.ok, false);
      assert.equal(w.ok ? undefined : w.code, 3, 'busy after its wait');
      assert.ok(w.ms >= 900, `refused only after waiting about maxAuthWaitMs (${w.ms} ms)`);
      assert.equal((await first).ok, true);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(calls, 1, 'only the first was authenticated');
    } finally {
      await b.close();
    }
  });

  it('closes connections beyond maxConnections', async () => {
    const b = await broker(slowAuth(0), { maxConnections: 3 });
    const clients: mqtt.MqttClient[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${b.port}`, { clientId: `enroll:held-${i}`, reconnectPeriod: 0, protocolVersion: 4, keepalive: 30 });
        clients.push(c);
      }
      const extra = await tryConnect(b.port, 'enroll:one-too-many');
      assert.equal(extra.ok, false);
      await clients.pop()?.endAsync();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await tryConnect(b.port, 'enroll:room-again')).ok, true);
    } finally {
      for (const c of clients) c.end(true);
      await b.close();
    }
  });
});

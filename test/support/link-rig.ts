/** An AgentLink on fake time with fake MQTT connections and credentials: what the link unit tests drive. */
import assert from 'node:assert/strict';
import { AgentLink } from '../../agent/link/index.js';
import type {
  ConnectCredentials,
  ConnectionListeners,
  CredentialSource,
  LinkStatus,
  MqttConnectOptions,
  MqttConnection,
  PublishOptions,
} from '../../agent/link/index.js';
import { decodeAgentMessage } from '../../shared/protocol/index.js';
import { createJsonLogger } from '../../shared/util/logger.js';
import { FakeClock } from './fake-clock.js';

export const NODE = 'pi-a';

export function presenceState(payload: Buffer): string {
  return decodeAgentMessage('presence', payload).state;
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

export class FakeConnection implements MqttConnection {
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

export class FakeCredentials implements CredentialSource {
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

export interface Harness {
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

export function harness(opts: { random?: () => number; stableAfterMs?: number; connectTimeoutMs?: number } = {}): Harness {
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
export async function started(h: Harness): Promise<void> {
  h.link.start();
  await flush();
  assert.equal(h.conns.length, 1);
}

/** Fails the current attempt and returns the backoff delay the link chose. */
export async function failAttempt(h: Harness): Promise<number> {
  h.conn().fail();
  await flush();
  const s = h.link.status();
  assert.equal(s.state, 'backoff');
  assert.ok(s.retryInMs !== undefined);
  return s.retryInMs;
}

/** Waits out the backoff and the next attempt's start. */
export async function retry(h: Harness, delay: number): Promise<void> {
  const before = h.conns.length;
  h.clock.advance(delay);
  await flush();
  assert.equal(h.conns.length, before + 1, 'a new attempt after the delay');
}

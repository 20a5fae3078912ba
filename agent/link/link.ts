/**
 * The agent's MQTT link to the hub: one enrolled identity, a persistent session, and an
 * explicit connection state machine
 *
 *   idle ─start()─▶ connecting ─CONNACK+SUBACK─▶ online
 *                     │  ▲                         │ connection lost
 *                     ▼  │ timer                   ▼
 *                    backoff ◀─────────────────────┘          any ─stop()─▶ stopped
 *
 * mqtt.js's own reconnect is off; the link reconnects with exponential backoff and full jitter
 * (1 s doubling to 15 s by default), so a fleet that lost a restarted hub together does not
 * come back in lockstep. The failure count resets once a connection has stayed up for
 * `stableAfterMs`, so a broker that accepts and drops at once still sees growing delays.
 *
 * On every connect the link subscribes to exactly its node's desired and cmd topics (the
 * broker then resends the retained desired document: latest state wins) and publishes
 * presence `online`; the last will says `offline`, and stop() says it explicitly first.
 */
import { backoffDelay, type BackoffPolicy } from '../../shared/reconcile/backoff.js';
import { agentSubscriptions, CHANNEL_DELIVERY, encode, logsTopic, nodeTopic } from '../../shared/protocol/index.js';
import type { AgentMessage, AgentPublishChannel, LogChunkMessage, PresenceMessage, PresenceState, StreamOutMessage } from '../../shared/protocol/index.js';
import type { Clock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { ConnectionError, CredentialSource, MqttConnection, MqttConnector } from './transport.js';
import { AUTH_REFUSAL_CODES, describeConnectionError } from './transport.js';
import { publishPacketBytes } from './wire.js';

export type LinkState = 'idle' | 'connecting' | 'online' | 'backoff' | 'stopped';

export interface LinkStatus {
  state: LinkState;
  /** Why the last connection attempt or connection ended; cleared when online. */
  lastError?: string;
  /** The last error as the transport reported it (e.g. a CONNACK refusal code). */
  lastErrorDetail?: ConnectionError;
  /** Consecutive failed attempts (or connections shorter than stableAfterMs). */
  failures: number;
  /** In `backoff`: how long until the next attempt. */
  retryInMs?: number;
  /** When this state was entered (injected clock). */
  since: Date;
}

/** 1 s doubling to 15 s, full jitter: each delay is uniform in [0, min(15 s, 1 s·2^n)]. */
export const RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 15_000, factor: 2, jitter: 1 };

export interface LinkOptions {
  url: string;
  node: string;
  credentials: CredentialSource;
  /** Sent in presence messages (online and the offline will). */
  agentVersion: string;
  bootId?: string;
  backoff?: BackoffPolicy;
  keepaliveSeconds?: number;
  /** Give up on an attempt with no CONNACK + SUBACK after this long. */
  connectTimeoutMs?: number;
  /** A connection that lasts this long resets the failure count. */
  stableAfterMs?: number;
  /** How long stop() waits for the offline presence and the DISCONNECT. */
  stopTimeoutMs?: number;
}

export interface LinkDeps {
  connector: MqttConnector;
  clock: Clock;
  logger: Logger;
  /** [0, 1); for the jitter. */
  random?: () => number;
}

/** Agent channels the link publishes on directly (logs go per stream). */
export type LinkChannel = Exclude<AgentPublishChannel, 'logs' | 'stream-out'>;

export interface SendResult {
  /** Handed to the broker: written (QoS 0) or acknowledged (QoS 1). */
  delivered: boolean;
  payloadBytes: number;
  /** The PUBLISH packet's size on the wire. */
  packetBytes: number;
  error?: string;
}

type StateListener = (status: LinkStatus) => void;
type MessageListener = (topic: string, payload: Buffer) => void;

export class AgentLink {
  private status_: LinkStatus;
  private conn: MqttConnection | undefined;
  private cancelTimer: (() => void) | undefined;
  private cancelStable: (() => void) | undefined;
  private pendingRefusal: Promise<void> = Promise.resolve();
  private attemptError: ConnectionError | undefined;
  private readonly stateListeners = new Set<StateListener>();
  private readonly messageListeners = new Set<MessageListener>();
  private readonly backoff: BackoffPolicy;
  private readonly log: Logger;

  constructor(
    private readonly opts: LinkOptions,
    private readonly deps: LinkDeps,
  ) {
    this.backoff = opts.backoff ?? RECONNECT_BACKOFF;
    this.log = deps.logger.child({ component: 'link' });
    this.status_ = { state: 'idle', failures: 0, since: deps.clock.now() };
  }

  status(): LinkStatus {
    return { ...this.status_ };
  }

  get state(): LinkState {
    return this.status_.state;
  }

  /** Calls `fn` on every state change; returns an unsubscribe function. */
  onState(fn: StateListener): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  /** Calls `fn` for every message on the node's subscribed topics. */
  onMessage(fn: MessageListener): () => void {
    this.messageListeners.add(fn);
    return () => this.messageListeners.delete(fn);
  }

  start(): void {
    if (this.status_.state !== 'idle') return;
    this.attempt();
  }

  /** Publishes an agent message on the node's `channel` (QoS and retain from the protocol). */
  async send(channel: LinkChannel, msg: AgentMessage): Promise<SendResult> {
    return this.publishOn(nodeTopic(this.opts.node, channel), encode(msg), CHANNEL_DELIVERY[channel].qos);
  }

  /** Publishes a chunk of a log stream on the node's `logs/STREAMID` topic (QoS 0). */
  async sendLogChunk(msg: LogChunkMessage): Promise<SendResult> {
    return this.publishOn(logsTopic(this.opts.node, msg.streamId), encode(msg), CHANNEL_DELIVERY.logs.qos);
  }

  /** Publishes an exec/attach/port-forward message on the node's `stream-out` topic (QoS 1). */
  async sendStream(msg: StreamOutMessage): Promise<SendResult> {
    return this.publishOn(nodeTopic(this.opts.node, 'stream-out'), encode(msg), CHANNEL_DELIVERY['stream-out'].qos);
  }

  private async publishOn(topic: string, payload: Buffer, qos: 0 | 1): Promise<SendResult> {
    const result: SendResult = { delivered: false, payloadBytes: payload.length, packetBytes: publishPacketBytes(topic, payload.length, qos) };
    const conn = this.conn;
    if (this.status_.state !== 'online' || !conn) return { ...result, error: `link is ${this.status_.state}` };
    try {
      // Agents never publish retained messages.
      await conn.publish(topic, payload, { qos, retain: false });
      return { ...result, delivered: true };
    } catch (e) {
      return { ...result, error: errorMessage(e) };
    }
  }

  /** Says `offline`, disconnects cleanly (so the broker drops the will) and stays stopped. */
  async stop(): Promise<void> {
    const prev = this.status_.state;
    if (prev === 'stopped') return;
    const conn = this.conn;
    this.clearTimers();
    this.transition({ state: 'stopped', failures: this.status_.failures });
    this.conn = undefined;
    if (!conn) return;
    const timeout = this.opts.stopTimeoutMs ?? 5000;
    if (prev === 'online') {
      const offline = conn.publish(nodeTopic(this.opts.node, 'presence'), this.presencePayload('offline'), { qos: 1, retain: false });
      const sent = await this.within(offline, timeout);
      this.log.info('presence offline sent', { acknowledged: sent });
      const ended = await this.within(conn.end(false), timeout);
      if (!ended) await conn.end(true);
    } else {
      await conn.end(true);
    }
  }

  // --- the state machine ----------------------------------------------------------------------

  private transition(next: Omit<LinkStatus, 'since'>): void {
    const from = this.status_.state;
    this.status_ = { ...next, since: this.deps.clock.now() };
    const fields: Record<string, unknown> = { from, to: next.state, failures: next.failures };
    if (next.retryInMs !== undefined) fields.retryInMs = next.retryInMs;
    if (next.lastError !== undefined) fields.error = next.lastError;
    if (next.state === 'backoff' || (next.state === 'stopped' && next.lastError !== undefined)) this.log.warn('link state', fields);
    else this.log.info('link state', fields);
    for (const fn of this.stateListeners) {
      try {
        fn(this.status());
      } catch (e) {
        this.log.error('link state listener failed', { error: errorMessage(e) });
      }
    }
  }

  private attempt(): void {
    this.cancelTimer = undefined;
    this.attemptError = undefined;
    this.transition({ ...this.errorFields(), state: 'connecting', failures: this.status_.failures });
    this.connect().catch((e: unknown) => this.fail({ kind: 'protocol', message: errorMessage(e) }));
  }

  private async connect(): Promise<void> {
    await this.pendingRefusal;
    const creds = await this.opts.credentials.next();
    if (this.status_.state !== 'connecting') return; // stopped meanwhile
    const conn = this.deps.connector({
      url: this.opts.url,
      clientId: creds.clientId,
      username: creds.username,
      password: creds.password,
      ...(creds.bindPassword ? { bindPassword: creds.bindPassword } : {}),
      clean: false,
      keepaliveSeconds: this.opts.keepaliveSeconds ?? 30,
      connectTimeoutMs: this.opts.connectTimeoutMs ?? 30_000,
      will: { topic: nodeTopic(this.opts.node, 'presence'), payload: this.presencePayload('offline'), qos: 1, retain: false },
    });
    this.conn = conn;
    this.cancelTimer = this.deps.clock.setTimer(() => {
      if (this.conn !== conn || this.status_.state !== 'connecting') return;
      this.attemptError = { kind: 'network', message: `no CONNACK/SUBACK within ${this.opts.connectTimeoutMs ?? 30_000} ms` };
      void conn.end(true);
      this.closed(conn);
    }, this.opts.connectTimeoutMs ?? 30_000);

    conn.on('connect', (sessionPresent) => {
      if (this.conn !== conn) return;
      this.opts.credentials.accepted();
      this.subscribed(conn, sessionPresent).catch((e: unknown) => {
        if (this.conn !== conn) return;
        this.attemptError = { kind: 'protocol', message: `subscribe failed: ${errorMessage(e)}` };
        void conn.end(true);
        this.closed(conn);
      });
    });
    conn.on('error', (err) => {
      if (this.conn !== conn) return;
      this.attemptError = err;
      if (err.kind === 'refused' && AUTH_REFUSAL_CODES.includes(err.code)) {
        const code = err.code;
        this.pendingRefusal = this.opts.credentials.refused(code).catch((e: unknown) => {
          this.log.error('credential refusal handling failed', { error: errorMessage(e) });
        });
      }
    });
    conn.on('close', () => this.closed(conn));
    conn.on('message', (topic, payload) => {
      if (this.conn !== conn) return;
      for (const fn of this.messageListeners) {
        try {
          fn(topic, payload);
        } catch (e) {
          this.log.error('link message listener failed', { topic, error: errorMessage(e) });
        }
      }
    });
  }

  private async subscribed(conn: MqttConnection, sessionPresent: boolean): Promise<void> {
    const topics = agentSubscriptions(this.opts.node);
    const granted = await conn.subscribe(topics, 1);
    if (this.conn !== conn || this.status_.state !== 'connecting') return;
    const refused = topics.filter((_t, i) => (granted[i] ?? 128) >= 128);
    if (refused.length > 0) throw new Error(`broker refused subscription to ${refused.join(', ')}`);
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    // Presence first, so the hub hears "online" before anything a state listener sends.
    const presence = conn.publish(nodeTopic(this.opts.node, 'presence'), this.presencePayload('online'), { qos: 1, retain: false });
    this.transition({ state: 'online', failures: this.status_.failures });
    this.log.debug('session', { sessionPresent });
    this.cancelStable = this.deps.clock.setTimer(() => {
      this.cancelStable = undefined;
      if (this.conn === conn && this.status_.state === 'online' && this.status_.failures > 0) {
        this.status_ = { ...this.status_, failures: 0 };
        this.log.debug('link stable, backoff reset');
      }
    }, this.opts.stableAfterMs ?? 10_000);
    try {
      await presence;
    } catch (e) {
      this.log.warn('presence online not acknowledged', { error: errorMessage(e) });
    }
  }

  private closed(conn: MqttConnection): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    this.retryLater();
  }

  /** Connection attempt or connection over: back off, then try again. */
  private retryLater(): void {
    if (this.status_.state === 'stopped') return;
    this.clearTimers();
    const failures = this.status_.failures;
    const delay = backoffDelay(this.backoff, failures, this.deps.random ?? Math.random);
    const err = this.attemptError ?? { kind: 'network', message: 'connection closed' };
    this.transition({ state: 'backoff', failures: failures + 1, retryInMs: delay, lastError: describeConnectionError(err), lastErrorDetail: err });
    this.cancelTimer = this.deps.clock.setTimer(() => this.attempt(), delay);
  }

  private fail(err: ConnectionError): void {
    this.attemptError = err;
    const conn = this.conn;
    if (conn) {
      void conn.end(true);
      this.closed(conn);
    } else if (this.status_.state === 'connecting') {
      // No connection was made (e.g. the counter could not be saved): back off all the same.
      this.retryLater();
    }
  }

  private errorFields(): Pick<LinkStatus, 'lastError' | 'lastErrorDetail'> {
    const { lastError, lastErrorDetail } = this.status_;
    const out: Pick<LinkStatus, 'lastError' | 'lastErrorDetail'> = {};
    if (lastError !== undefined) out.lastError = lastError;
    if (lastErrorDetail !== undefined) out.lastErrorDetail = lastErrorDetail;
    return out;
  }

  private clearTimers(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.cancelStable?.();
    this.cancelStable = undefined;
  }

  private presencePayload(state: PresenceState): Buffer {
    const msg: PresenceMessage = { v: 1, t: 'presence', state, agentVersion: this.opts.agentVersion };
    if (this.opts.bootId) msg.bootId = this.opts.bootId;
    return encode(msg);
  }

  /** True when `p` settles successfully within `ms` (on the injected clock). */
  private within(p: Promise<unknown>, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const cancel = this.deps.clock.setTimer(() => resolve(false), ms);
      p.then(
        () => {
          cancel();
          resolve(true);
        },
        () => {
          cancel();
          resolve(false);
        },
      );
    });
  }
}

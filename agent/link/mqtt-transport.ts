/**
 * The mqtt.js 5 adapter behind `MqttConnector`: one mqtt.js client per connection attempt,
 * MQTT 3.1.1, with mqtt.js's own reconnect switched off (`reconnectPeriod: 0`) — the link
 * reconnects on its own schedule, with fresh credentials (the connect counter) every time.
 * mqtt is imported here and in no other agent folder.
 *
 * Over TLS (mqtts://, wss://) the hub's certificate is verified against the system trust store,
 * or against only the configured CA (`createMqttJsConnector({ ca })`, the agent's hubCA).
 */
import { connect, ErrorWithReasonCode, type IClientOptions, type MqttClient } from 'mqtt';
import { errnoCode, errorMessage } from '../../shared/util/guards.js';
import type { ConnectionError, ConnectionListeners, MqttConnectOptions, MqttConnection, MqttConnector, PublishOptions } from './transport.js';

const TLS_SCHEMES = ['mqtts:', 'wss:'];

/** OpenSSL certificate verification codes as Node reports them, and Node's own TLS errors. */
const TLS_ERROR_CODE_RE = /^(ERR_TLS_|ERR_SSL_)|CERT|SELF_SIGNED|^UNABLE_TO_|^HOSTNAME_MISMATCH$|^INVALID_CA$|^INVALID_PURPOSE$|^PATH_LENGTH_EXCEEDED$/;

function toConnectionError(e: unknown): ConnectionError {
  if (e instanceof ErrorWithReasonCode && e.message.startsWith('Connection refused')) {
    return { kind: 'refused', code: e.code, message: e.message.replace(/^Connection refused:\s*/, '') };
  }
  const code = errnoCode(e);
  if (code !== undefined && TLS_ERROR_CODE_RE.test(code)) return { kind: 'tls', code, message: errorMessage(e) };
  if (e instanceof Error && e.message === 'TLS not authorized') return { kind: 'tls', message: e.message };
  if (code !== undefined) return { kind: 'network', code, message: errorMessage(e) };
  return { kind: 'protocol', message: errorMessage(e) };
}

class ConnectionClosed extends Error {
  constructor() {
    super('connection closed');
    this.name = 'ConnectionClosed';
  }
}

class MqttJsConnection implements MqttConnection {
  private readonly listeners: { [E in keyof ConnectionListeners]: ConnectionListeners[E][] } = {
    connect: [],
    error: [],
    close: [],
    message: [],
  };
  private readonly pending = new Set<(e: Error) => void>();
  private closed = false;
  private readonly client: MqttClient;

  constructor(opts: MqttConnectOptions, tls: MqttTlsOptions) {
    const options: IClientOptions = {
      clientId: opts.clientId,
      username: opts.username,
      password: opts.password,
      clean: opts.clean,
      keepalive: opts.keepaliveSeconds,
      connectTimeout: opts.connectTimeoutMs,
      protocolVersion: 4,
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
    };
    if (opts.will) options.will = { ...opts.will };
    if (TLS_SCHEMES.includes(new URL(opts.url).protocol)) {
      options.rejectUnauthorized = true;
      if (tls.ca !== undefined) options.ca = tls.ca;
    } else if (tls.ca !== undefined) {
      throw new Error(`a hub CA applies only to mqtts:// or wss:// URLs, not ${opts.url}`);
    }
    this.client = connect(opts.url, options);
    this.client.on('connect', (packet) => {
      for (const l of this.listeners.connect) l(packet.sessionPresent);
    });
    this.client.on('error', (e) => {
      const err = toConnectionError(e);
      for (const l of this.listeners.error) l(err);
    });
    this.client.on('message', (topic, payload) => {
      for (const l of this.listeners.message) l(topic, payload);
    });
    this.client.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      const err = new ConnectionClosed();
      for (const reject of this.pending) reject(err);
      this.pending.clear();
      for (const l of this.listeners.close) l();
    });
  }

  on<E extends keyof ConnectionListeners>(event: E, listener: ConnectionListeners[E]): void {
    this.listeners[event].push(listener);
  }

  /** Runs one client operation, failing it if the connection closes first. */
  private track<T>(start: (resolve: (v: T) => void, reject: (e: Error) => void) => void): Promise<T> {
    if (this.closed) return Promise.reject(new ConnectionClosed());
    return new Promise<T>((resolve, reject) => {
      const fail = (e: Error): void => reject(e);
      this.pending.add(fail);
      start(
        (v) => {
          this.pending.delete(fail);
          resolve(v);
        },
        (e) => {
          this.pending.delete(fail);
          reject(e);
        },
      );
    });
  }

  subscribe(topics: readonly string[], qos: 0 | 1): Promise<number[]> {
    return this.track((resolve, reject) => {
      this.client.subscribe([...topics], { qos }, (err, granted, packet) => {
        // A refused filter (SUBACK 0x80) comes as an error carrying the SUBACK: report it per topic.
        const codes = packet?.granted;
        if (Array.isArray(codes) && codes.length === topics.length) {
          resolve(codes.map((c) => (typeof c === 'number' ? c : 128)));
          return;
        }
        if (err) {
          reject(err);
          return;
        }
        resolve(topics.map((t) => granted?.find((g) => g.topic === t)?.qos ?? 128));
      });
    });
  }

  publish(topic: string, payload: Buffer, opts: PublishOptions): Promise<void> {
    return this.track((resolve, reject) => {
      this.client.publish(topic, payload, { qos: opts.qos, retain: opts.retain }, (err) => (err ? reject(err) : resolve()));
    });
  }

  end(force: boolean): Promise<void> {
    return new Promise((resolve) => {
      this.client.end(force, {}, () => resolve());
    });
  }
}

/** TLS settings of the real connector. */
export interface MqttTlsOptions {
  /** PEM of the CA certificate(s) to trust instead of the system store (mqtts:// and wss:// only). */
  ca?: string;
}

/** The real connector: mqtt.js over TCP, TLS or WebSocket, as the URL says. */
export function createMqttJsConnector(tls: MqttTlsOptions = {}): MqttConnector {
  return (opts) => new MqttJsConnection(opts, tls);
}

/** The real connector trusting the system store for TLS. */
export const mqttJsConnector: MqttConnector = createMqttJsConnector();

/**
 * The mqtt.js 5 adapter behind `MqttConnector`: one mqtt.js client per connection attempt,
 * MQTT 3.1.1, with mqtt.js's own reconnect switched off (`reconnectPeriod: 0`) — the link
 * reconnects on its own schedule, with fresh credentials (the connect counter) every time.
 * mqtt is imported here and in no other agent folder.
 *
 * Over TLS (mqtts://, wss://) the hub's certificate is verified against the system trust store,
 * or against only the configured CA (`createMqttJsConnector({ ca })`, the agent's hubCA), or the
 * CA found by its pin (`caPin`, from a join string). For mqtts:// the TLS handshake is done
 * here first (tls-dial.ts), so the password can be bound to the session before mqtt.js sends it.
 */
import type { TLSSocket } from 'node:tls';
import { connect, ErrorWithReasonCode, MqttClient, type IClientOptions } from 'mqtt';
import { caCertPin } from '../../shared/crypto/index.js';
import { dialTls, discoverPinnedCa, exportBinding } from './tls-dial.js';
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
  if (code === 'CA_PIN_MISMATCH') return { kind: 'tls', code, message: errorMessage(e) };
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
  private ended = false;
  private client: MqttClient | undefined;
  private socket: TLSSocket | undefined;

  constructor(opts: MqttConnectOptions, tls: MqttTlsOptions, pinnedCa: () => Promise<string | undefined>) {
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
      // mqtt-packet's number cache is 65,536 pre-made 2-byte Buffers (about 7 MiB of heap) to
      // save an allocation per packet; a device sends a few packets a minute.
      writeCache: false,
    };
    if (opts.will) options.will = { ...opts.will };
    const url = new URL(opts.url);
    if (url.protocol === 'mqtts:') {
      this.dialMqtts(url, opts, options, pinnedCa).catch((e: unknown) => {
        const err = toConnectionError(e);
        for (const l of this.listeners.error) l(err);
        this.onClose();
      });
      return;
    }
    if (TLS_SCHEMES.includes(url.protocol)) {
      options.rejectUnauthorized = true;
      if (tls.ca !== undefined) options.ca = tls.ca;
    } else if (tls.ca !== undefined || tls.caPin !== undefined) {
      throw new Error(`a hub CA applies only to mqtts:// or wss:// URLs, not ${opts.url}`);
    }
    this.wire(connect(opts.url, options));
  }

  /** TLS first (verified against the pinned or configured CA), then MQTT on that socket with a session-bound password. */
  private async dialMqtts(url: URL, opts: MqttConnectOptions, options: IClientOptions, pinnedCa: () => Promise<string | undefined>): Promise<void> {
    const ca = await pinnedCa();
    const socket = await dialTls({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 8883), ...(ca !== undefined ? { ca } : {}), timeoutMs: opts.connectTimeoutMs });
    if (this.ended) {
      socket.destroy();
      return;
    }
    this.socket = socket;
    if (opts.bindPassword) options.password = opts.bindPassword(exportBinding(socket));
    this.wire(new MqttClient(() => socket, options));
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    const err = new ConnectionClosed();
    for (const reject of this.pending) reject(err);
    this.pending.clear();
    for (const l of this.listeners.close) l();
  }

  private wire(client: MqttClient): void {
    this.client = client;
    client.on('connect', (packet) => {
      for (const l of this.listeners.connect) l(packet.sessionPresent);
    });
    client.on('error', (e) => {
      const err = toConnectionError(e);
      for (const l of this.listeners.error) l(err);
    });
    client.on('message', (topic, payload) => {
      for (const l of this.listeners.message) l(topic, payload);
    });
    client.on('close', () => this.onClose());
  }

  private connected(): MqttClient {
    if (!this.client) throw new ConnectionClosed();
    return this.client;
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
      this.connected().subscribe([...topics], { qos }, (err, granted, packet) => {
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
      this.connected().publish(topic, payload, { qos: opts.qos, retain: opts.retain }, (err) => (err ? reject(err) : resolve()));
    });
  }

  end(force: boolean): Promise<void> {
    this.ended = true;
    const client = this.client;
    if (!client) {
      this.socket?.destroy();
      this.onClose();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      client.end(force, {}, () => resolve());
    });
  }
}

/** TLS settings of the real connector. */
export interface MqttTlsOptions {
  /** PEM of the CA certificate(s) to trust instead of the system store (mqtts:// and wss:// only). */
  ca?: string;
  /** `sha256:<hex>` pin of the hub CA's public key: the CA is found in the hub's chain by it (mqtts:// only). */
  caPin?: string;
  /** Told the CA found by its pin, to keep it (the agent saves it in its data dir). */
  onPinnedCa?: (pem: string) => void;
}

/** The real connector: mqtt.js over TCP, TLS or WebSocket, as the URL says. */
export function createMqttJsConnector(tls: MqttTlsOptions = {}): MqttConnector {
  let ca = tls.ca;
  const pin = tls.caPin;
  // With a pin, a known CA is used only if it is the pinned one; otherwise it is looked up once.
  const pinnedCa = async (url: string): Promise<string | undefined> => {
    if (pin === undefined || (ca !== undefined && caCertPin(ca) === pin)) return ca;
    const u = new URL(url);
    const found = await discoverPinnedCa({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 8883), timeoutMs: 30_000 }, pin);
    ca = found;
    tls.onPinnedCa?.(found);
    return found;
  };
  return (opts) => new MqttJsConnection(opts, tls, () => pinnedCa(opts.url));
}

/** The real connector trusting the system store for TLS. */
export const mqttJsConnector: MqttConnector = createMqttJsConnector();

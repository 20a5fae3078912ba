/**
 * The small interface between the link's state machine and an MQTT client library. One
 * `MqttConnection` is one network connection attempt: it never reconnects by itself. The
 * mqtt.js adapter (mqtt-transport.ts) is the real one; tests drive the state machine with fakes.
 */

export interface WillMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
}

export interface MqttConnectOptions {
  url: string;
  clientId: string;
  username: string;
  password: string;
  /** Over a TLS session the connector makes itself: the password bound to the session's keying material, used instead. */
  bindPassword?: (binding: Uint8Array) => string;
  /** false: a persistent session (the broker keeps subscriptions and queued QoS 1 messages). */
  clean: boolean;
  keepaliveSeconds: number;
  /** Give up when no CONNACK arrives in this time. */
  connectTimeoutMs: number;
  will?: WillMessage;
}

/** Why a connection attempt or a connection ended. */
export type ConnectionError =
  /** The broker answered CONNACK with a non-zero return code (4 bad credentials, 5 not authorized, 3 unavailable…). */
  | { kind: 'refused'; code: number; message: string }
  /** Socket-level failure (ECONNREFUSED, ECONNRESET, DNS…). */
  | { kind: 'network'; code?: string; message: string }
  /** The TLS handshake failed, e.g. the hub's certificate is not trusted (code: SELF_SIGNED_CERT_IN_CHAIN, ERR_TLS_CERT_ALTNAME_INVALID…). */
  | { kind: 'tls'; code?: string; message: string }
  /** Anything else the client library reported. */
  | { kind: 'protocol'; message: string };

export interface ConnectionListeners {
  /** CONNACK accepted; `sessionPresent` when the broker resumed a persistent session. */
  connect: (sessionPresent: boolean) => void;
  /** A failure; `close` follows. */
  error: (err: ConnectionError) => void;
  /** The connection is gone (after an error, a refusal, the peer closing it, or end()). Once. */
  close: () => void;
  message: (topic: string, payload: Buffer) => void;
}

export interface PublishOptions {
  qos: 0 | 1;
  retain: boolean;
}

export interface MqttConnection {
  on<E extends keyof ConnectionListeners>(event: E, listener: ConnectionListeners[E]): void;
  /** Resolves with the granted QoS per topic (128: refused). Rejects when the connection drops. */
  subscribe(topics: readonly string[], qos: 0 | 1): Promise<number[]>;
  /** QoS 0: resolves once written; QoS 1: on PUBACK. Rejects when the connection drops first. */
  publish(topic: string, payload: Buffer, opts: PublishOptions): Promise<void>;
  /** Sends DISCONNECT (the broker then discards the will) and closes; `force` just drops the socket. */
  end(force: boolean): Promise<void>;
}

export type MqttConnector = (opts: MqttConnectOptions) => MqttConnection;

export interface ConnectCredentials {
  clientId: string;
  username: string;
  password: string;
  /** The same password bound to a TLS session (connect-auth v2). */
  bindPassword?: (binding: Uint8Array) => string;
}

/** Supplies credentials for each connect attempt and hears how the broker took them. */
export interface CredentialSource {
  /** Called before every attempt; may persist state (the connect counter) before returning. */
  next(): Promise<ConnectCredentials>;
  /** The broker refused the last credentials (CONNACK return code 4 or 5). */
  refused(code: number): Promise<void>;
  /** The broker accepted the last credentials. */
  accepted(): void;
}

/** CONNACK return codes (MQTT 3.1.1) that mean "these credentials are not good". */
export const AUTH_REFUSAL_CODES: readonly number[] = [4, 5];

/** TLS verification codes that mean "the issuer of the hub's certificate is not trusted". */
const UNTRUSTED_ISSUER_CODES: readonly string[] = [
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
];

export function describeConnectionError(e: ConnectionError): string {
  switch (e.kind) {
    case 'refused':
      return `connection refused by the broker (CONNACK ${e.code}: ${e.message})`;
    case 'network':
      return e.code !== undefined && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
    case 'tls': {
      const text = `TLS: ${e.code !== undefined && !e.message.includes(e.code) ? `${e.code}: ` : ''}${e.message}`;
      return e.code !== undefined && UNTRUSTED_ISSUER_CODES.includes(e.code) ? `${text} (is the hub's CA configured? --hub-ca or "hubCA")` : text;
    }
    case 'protocol':
      return e.message;
  }
}

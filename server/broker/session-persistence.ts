/**
 * The broker's persistence: the *async* interface aedes 1.x calls (aedes-persistence 11's
 * asyncPersistence.js), as far as aedes uses it — declared here because aedes' own types say
 * `any`. startBroker receives one; memory-sessions.ts is the implementation.
 */
import type { Readable } from 'node:stream';

/** What aedes hands to `setup`: its id (stamped on wills) and its packet counter. */
export interface MqttBrokerRef {
  id: string;
  counter?: number;
}

/** A client as the persistence sees it; `delWill` also receives the broker id it was put by. */
export interface MqttClientRef {
  id: string;
  brokerId?: string;
}

export interface MqttSubscription {
  topic: string;
  qos: number;
  /** MQTT 5 retain handling, retain-as-published, no-local: carried through untouched. */
  rh?: number;
  rap?: boolean;
  nl?: boolean;
  subscriptionIdentifier?: number;
}

/** One subscription matching a topic, as aedes' offline enqueue wants it. */
export interface MqttMatchedSubscription {
  clientId: string;
  topic: string;
  qos: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
}

/** An aedes packet: the fields this store reads; everything else is carried through. */
export interface MqttPacket {
  cmd?: string;
  topic?: string;
  payload?: Buffer | Uint8Array | string;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
  clientId?: string;
  [field: string]: unknown;
}

export interface MqttSessionStore {
  /** The broker given to `setup` (aedes-persistence's abstract tests read it). */
  readonly broker: MqttBrokerRef | undefined;
  setup(broker: MqttBrokerRef): Promise<void>;

  storeRetained(packet: MqttPacket): Promise<void>;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;

  addSubscriptions(client: MqttClientRef, subs: MqttSubscription[]): Promise<void>;
  removeSubscriptions(client: MqttClientRef, topics: string[]): Promise<void>;
  subscriptionsByClient(client: MqttClientRef): Promise<MqttSubscription[]>;
  subscriptionsByTopic(topic: string): Promise<MqttMatchedSubscription[]>;
  cleanSubscriptions(client: MqttClientRef): Promise<void>;
  countOffline(): Promise<{ subsCount: number; clientsCount: number }>;
  getClientList(topic: string): Readable;

  outgoingEnqueue(sub: { clientId: string }, packet: MqttPacket): Promise<void>;
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: MqttPacket): Promise<void>;
  /**
   * Records the messageId a queued packet is being sent with. A packet no longer queued
   * (acknowledged, coalesced, dropped meanwhile) resolves too: aedes then sends it untracked,
   * where a rejection would make aedes cut the client off.
   */
  outgoingUpdate(client: MqttClientRef, packet: MqttPacket): Promise<void>;
  /** `packet` is whatever aedes has at hand (a PUBACK, a packet, sometimes not even an object). */
  outgoingClearMessageId(client: MqttClientRef, packet: unknown): Promise<MqttPacket | undefined>;
  outgoingStream(client: MqttClientRef): Readable;

  incomingStorePacket(client: MqttClientRef, packet: MqttPacket): Promise<void>;
  incomingGetPacket(client: MqttClientRef, packet: { messageId?: number }): Promise<MqttPacket>;
  incomingDelPacket(client: MqttClientRef, packet: { messageId?: number }): Promise<void>;
  cleanIncoming(client: MqttClientRef): Promise<void>;

  putWill(client: MqttClientRef, packet: MqttPacket): Promise<void>;
  getWill(client: MqttClientRef): Promise<MqttPacket | undefined>;
  delWill(client: MqttClientRef): Promise<MqttPacket | undefined>;
  /** Wills put by brokers that are not in `brokers` (id → last heartbeat). */
  streamWill(brokers?: Record<string, number>): Readable;

  /** Rewrites every datafile to one line per live document. */
  compact(): Promise<void>;
  /** Waits for pending writes, compacts and refuses further writes. Idempotent. */
  destroy(): Promise<void>;
}

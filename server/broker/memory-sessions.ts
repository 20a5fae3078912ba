/**
 * The broker's MQTT session state, in memory only: subscriptions of persistent (clean=false)
 * clients, their queued outgoing QoS 1/2 messages, inbound QoS 2 packets awaiting PUBREL, wills
 * and retained messages. Shaped like aedes-persistence's memory implementation, so aedes sees the
 * semantics it was written against.
 *
 * Nothing here is written to disk. The broker is delivery, never state (DESIGN §1): the store is
 * the truth, and the hub republishes every node's desired document (retained) when it starts.
 * A hub restart therefore ends every session (devices reconnect with sessionPresent=false and
 * subscribe again, as they do on every connect) and loses what was queued for offline devices
 * besides their desired document: commands such as "send your full status" or a log request,
 * which the hub asks again or the requester retries. While the hub runs, a device that drops and
 * comes back resumes its session and gets what was queued.
 *
 * This is a structural implementation of the *async* persistence interface aedes 1.x calls
 * (aedes-persistence 11's asyncPersistence.js): every method returns a promise or a Readable and
 * `setup` is a native async function (aedes checks `setup.constructor.name`). The interface the
 * broker receives is in session-persistence.ts; aedes itself is not imported here.
 *
 * Queued messages coalesce and are bounded per client (outgoing-queues.ts).
 *
 * Cost per connect is O(1) in the fleet size: a subscription to an exact topic (every agent's)
 * finds its retained message by map lookup; only wildcard filters scan the retained set.
 */
import { Readable } from 'node:stream';
import type { Clock } from '../../shared/util/clock.js';
import type { Logger } from '../../shared/util/logger.js';
import { errorMessage } from '../../shared/util/guards.js';
import { OutgoingQueues, queuedPacket } from './outgoing-queues.js';
import { loadQlobber, type Qlobbers, type SubscriptionTrie } from './topic-matchers.js';
import type {
  MqttBrokerRef,
  MqttClientRef,
  MqttMatchedSubscription,
  MqttPacket,
  MqttSessionStore,
  MqttSubscription,
} from './session-persistence.js';

export interface MqttSessionStoreOptions {
  clock: Clock;
  logger: Logger;
  /** Messages queued per client at most (in flight included); at least 1. */
  maxQueuedPerClient: number;
  /** Topics on which a newer queued message replaces an older, not yet sent one. */
  coalesceTopic: (topic: string) => boolean;
}

export function createMqttSessionStore(opts: MqttSessionStoreOptions): MqttSessionStore {
  if (!Number.isInteger(opts.maxQueuedPerClient) || opts.maxQueuedPerClient < 1) {
    throw new Error(`maxQueuedPerClient must be a positive integer, got ${opts.maxQueuedPerClient}`);
  }
  return new MemoryMqttSessionStore(loadQlobber(), opts);
}

// ---------------------------------------------------------------------------------------------
// The store.

interface SubscriptionRecord {
  qos: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
  subscriptionIdentifier?: number;
}

/** MQTT wildcards: a filter without them names exactly one topic. */
const isExactTopic = (filter: string): boolean => !filter.includes('+') && !filter.includes('#');

class MemoryMqttSessionStore implements MqttSessionStore {
  private brokerRef: MqttBrokerRef | undefined;
  private readonly retained = new Map<string, MqttPacket>();
  /** clientId → topic filter → subscription (QoS 0 included, as aedes restores those too). */
  private readonly subscriptions = new Map<string, Map<string, SubscriptionRecord>>();
  /** QoS > 0 subscriptions, for matching published topics. */
  private readonly trie: SubscriptionTrie;
  private readonly outgoing: OutgoingQueues;
  /** clientId → messageId → inbound QoS 2 packet. */
  private readonly incoming = new Map<string, Map<number, MqttPacket>>();
  private readonly wills = new Map<string, MqttPacket>();
  private readonly log: Logger;
  private closed = false;

  constructor(
    private readonly qlobber: Qlobbers,
    private readonly opts: MqttSessionStoreOptions,
  ) {
    this.trie = qlobber.newSubscriptionTrie();
    this.log = opts.logger.child({ component: 'mqtt-sessions' });
    this.outgoing = new OutgoingQueues(opts, this.log);
  }

  get broker(): MqttBrokerRef | undefined {
    return this.brokerRef;
  }

  // aedes refuses a persistence whose setup is not a native async function.
  // eslint-disable-next-line @typescript-eslint/require-await
  async setup(broker: MqttBrokerRef): Promise<void> {
    this.brokerRef = broker;
  }

  // --- retained -------------------------------------------------------------------------------

  storeRetained(packet: MqttPacket): Promise<void> {
    return settle(() => {
      this.assertOpen();
      const topic = packet.topic;
      if (typeof topic !== 'string') throw new Error('retained message without a topic');
      if (payloadLength(packet.payload) === 0) this.retained.delete(topic);
      else this.retained.set(topic, { ...packet });
    });
  }

  createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern]);
  }

  /** Each retained message matching any of the filters, once. */
  createRetainedStreamCombi(patterns: string[]): Readable {
    const out: MqttPacket[] = [];
    const wildcards = patterns.filter((p) => !isExactTopic(p));
    if (wildcards.length === 0) {
      for (const topic of new Set(patterns)) {
        const packet = this.retained.get(topic);
        if (packet) out.push({ ...packet });
      }
      return Readable.from(out);
    }
    const filters = this.qlobber.newFilterSet();
    for (const p of patterns) filters.add(p);
    for (const [topic, packet] of this.retained) if (filters.test(topic)) out.push({ ...packet });
    return Readable.from(out);
  }

  // --- subscriptions --------------------------------------------------------------------------

  addSubscriptions(client: MqttClientRef, subs: MqttSubscription[]): Promise<void> {
    return settle(() => {
      this.assertOpen();
      const clientId = client.id;
      const stored = this.subscriptions.get(clientId) ?? new Map<string, SubscriptionRecord>();
      for (const sub of subs) {
        const before = stored.get(sub.topic);
        const record: SubscriptionRecord = { qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl };
        if (sub.subscriptionIdentifier !== undefined) record.subscriptionIdentifier = sub.subscriptionIdentifier;
        if (sub.qos > 0) this.trie.add(sub.topic, { clientId, topic: sub.topic, qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl });
        else if (before && before.qos > 0) this.trie.remove(sub.topic, { clientId, topic: sub.topic });
        stored.set(sub.topic, record);
      }
      if (stored.size > 0) this.subscriptions.set(clientId, stored);
    });
  }

  removeSubscriptions(client: MqttClientRef, topics: string[]): Promise<void> {
    return settle(() => {
      this.assertOpen();
      const clientId = client.id;
      const stored = this.subscriptions.get(clientId);
      if (!stored) return;
      for (const topic of topics) {
        const sub = stored.get(topic);
        if (!sub) continue;
        if (sub.qos > 0) this.trie.remove(topic, { clientId, topic });
        stored.delete(topic);
      }
      if (stored.size === 0) this.subscriptions.delete(clientId);
    });
  }

  subscriptionsByClient(client: MqttClientRef): Promise<MqttSubscription[]> {
    const stored = this.subscriptions.get(client.id);
    return Promise.resolve(stored ? [...stored].map(([topic, sub]) => ({ topic, ...sub })) : []);
  }

  subscriptionsByTopic(topic: string): Promise<MqttMatchedSubscription[]> {
    return settle(() => this.trie.match(topic));
  }

  cleanSubscriptions(client: MqttClientRef): Promise<void> {
    return settle(() => {
      this.assertOpen();
      const clientId = client.id;
      const stored = this.subscriptions.get(clientId);
      if (!stored) return;
      for (const [topic, sub] of stored) if (sub.qos > 0) this.trie.remove(topic, { clientId, topic });
      this.subscriptions.delete(clientId);
    });
  }

  countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    return Promise.resolve({ subsCount: this.trie.subscriptionsCount, clientsCount: this.subscriptions.size });
  }

  /** Clients holding a subscription to exactly this filter. */
  getClientList(topic: string): Readable {
    const ids: string[] = [];
    for (const [clientId, stored] of this.subscriptions) if (stored.has(topic)) ids.push(clientId);
    return Readable.from(ids);
  }

  // --- outgoing queue -------------------------------------------------------------------------

  outgoingEnqueue(sub: { clientId: string }, packet: MqttPacket): Promise<void> {
    return this.outgoingEnqueueCombi([sub], packet);
  }

  /** One entry per matching subscription, as aedes expects (it clears duplicates itself). */
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: MqttPacket): Promise<void> {
    return settle(() => {
      this.assertOpen();
      for (const sub of subs) this.outgoing.enqueue(sub.clientId, packet);
    });
  }

  /** aedes is sending a queued packet (see OutgoingQueues.update). */
  outgoingUpdate(client: MqttClientRef, packet: MqttPacket): Promise<void> {
    return settle(() => {
      this.assertOpen();
      this.outgoing.update(client.id, packet);
    });
  }

  outgoingClearMessageId(client: MqttClientRef, packet: unknown): Promise<MqttPacket | undefined> {
    return settle(() => {
      this.assertOpen();
      return this.outgoing.clear(client.id, packet);
    });
  }

  outgoingStream(client: MqttClientRef): Readable {
    return Readable.from(this.outgoing.list(client.id));
  }

  // --- inbound QoS 2 --------------------------------------------------------------------------

  incomingStorePacket(client: MqttClientRef, packet: MqttPacket): Promise<void> {
    return settle(() => {
      this.assertOpen();
      const messageId = packet.messageId;
      if (typeof messageId !== 'number') throw new Error('incoming packet without a messageId');
      const copy = queuedPacket(packet);
      copy.messageId = messageId;
      const stored = this.incoming.get(client.id) ?? new Map<number, MqttPacket>();
      stored.set(messageId, copy);
      this.incoming.set(client.id, stored);
    });
  }

  incomingGetPacket(client: MqttClientRef, packet: { messageId?: number }): Promise<MqttPacket> {
    return settle(() => {
      const found = packet.messageId === undefined ? undefined : this.incoming.get(client.id)?.get(packet.messageId);
      if (!found) throw new Error('no such packet');
      return { ...found };
    });
  }

  incomingDelPacket(client: MqttClientRef, packet: { messageId?: number }): Promise<void> {
    return settle(() => {
      this.assertOpen();
      const messageId = packet.messageId;
      const stored = this.incoming.get(client.id);
      if (messageId === undefined || !stored?.delete(messageId)) throw new Error('no such packet');
      if (stored.size === 0) this.incoming.delete(client.id);
    });
  }

  cleanIncoming(client: MqttClientRef): Promise<void> {
    return settle(() => {
      this.assertOpen();
      this.incoming.delete(client.id);
    });
  }

  // --- wills ----------------------------------------------------------------------------------

  /** Stamps the will (the caller's object, as aedes-persistence does) with broker and client id. */
  putWill(client: MqttClientRef, packet: MqttPacket): Promise<void> {
    return settle(() => {
      this.assertOpen();
      const broker = this.brokerRef;
      if (!broker) throw new Error('mqtt session store used before setup()');
      packet.brokerId = broker.id;
      packet.clientId = client.id;
      this.wills.set(client.id, { ...packet });
    });
  }

  getWill(client: MqttClientRef): Promise<MqttPacket | undefined> {
    const will = this.wills.get(client.id);
    return Promise.resolve(will ? { ...will } : undefined);
  }

  /**
   * Removes the client's will. When the caller names the broker that put it (aedes does when a
   * will was published), a will put since by another broker life is left alone.
   */
  delWill(client: MqttClientRef): Promise<MqttPacket | undefined> {
    return settle(() => {
      this.assertOpen();
      const will = this.wills.get(client.id);
      if (!will) return undefined;
      if (typeof client.brokerId === 'string' && will.brokerId !== undefined && will.brokerId !== client.brokerId) return undefined;
      this.wills.delete(client.id);
      return { ...will };
    });
  }

  streamWill(brokers: Record<string, number> = {}): Readable {
    const alive = (id: string | undefined): boolean => id !== undefined && Object.hasOwn(brokers, id) && Boolean(brokers[id]);
    const out: MqttPacket[] = [];
    for (const will of this.wills.values()) if (!alive(will.brokerId)) out.push({ ...will });
    return Readable.from(out);
  }

  // --- lifecycle ------------------------------------------------------------------------------

  /** Nothing to compact: nothing is on disk. */
  compact(): Promise<void> {
    return Promise.resolve();
  }

  destroy(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  // --- internals ------------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new Error('mqtt session store is closed');
  }
}

// ---------------------------------------------------------------------------------------------

function payloadLength(payload: MqttPacket['payload']): number {
  return payload === undefined ? 0 : payload.length;
}

/** Runs `fn` and turns a throw into a rejection (aedes chains `.then` on every call). */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e: unknown) {
    return Promise.reject(e instanceof Error ? e : new Error(errorMessage(e)));
  }
}

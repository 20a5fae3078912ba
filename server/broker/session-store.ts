/**
 * The broker's MQTT session state, durable across a hub restart: subscriptions of persistent
 * (clean=false) clients, their queued outgoing QoS 1/2 messages, inbound QoS 2 packets awaiting
 * PUBREL, wills and retained messages.
 *
 * State lives in memory (shaped like aedes-persistence's memory implementation, so aedes sees the
 * semantics it was written against) and every change is written through to an nedb datafile in
 * `dir` before the call resolves; opening the store replays the files.
 *
 * This is a structural implementation of the *async* persistence interface aedes 1.x calls
 * (aedes-persistence 11's asyncPersistence.js): every method returns a promise or a Readable and
 * `setup` is a native async function (aedes checks `setup.constructor.name`). The interface the
 * broker receives is in session-persistence.ts; aedes itself is not imported here.
 *
 * Two Flotilla rules on top of aedes' semantics:
 *  - Coalescing: a message queued on a topic for which `coalesceTopic` holds (a node's desired
 *    document) replaces the client's queued, not-yet-sent messages on that topic: latest state
 *    wins, intermediate versions are never replayed.
 *  - Bound: at most `maxQueuedPerClient` messages are queued per client; beyond it the oldest is
 *    dropped (messages on coalesced topics, at most one per topic, only when nothing else is
 *    left) and a warning is logged.
 *
 * Packets are stored serialized (JSON text with Buffers as base64): nedb refuses field names with
 * '.' or a leading '$', and MQTT 5 properties may hold any key.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Datastore from 'nedb-promises';
import type { Clock } from '../../shared/util/clock.js';
import type { Logger } from '../../shared/util/logger.js';
import { errorMessage, isRecord } from '../../shared/util/guards.js';
import type {
  MqttBrokerRef,
  MqttClientRef,
  MqttMatchedSubscription,
  MqttPacket,
  MqttSessionStore,
  MqttSubscription,
} from './session-persistence.js';

export interface MqttSessionStoreOptions {
  dir: string;
  clock: Clock;
  logger: Logger;
  /** Messages queued per client at most (in flight included); at least 1. */
  maxQueuedPerClient: number;
  /** Topics on which a newer queued message replaces an older, not yet sent one. */
  coalesceTopic: (topic: string) => boolean;
  /** How often the datafiles are compacted while open (nedb appends); 0 = only on destroy. */
  compactionIntervalMs?: number;
}

const DEFAULT_COMPACTION_INTERVAL_MS = 10 * 60_000;
/** At most one "dropped" warning per client in this window; the rest are counted into the next. */
const DROP_WARNING_INTERVAL_MS = 60_000;
/** How many removed queue entries are remembered (to tell an expected late update from a stray one). */
const MAX_REMEMBERED_REMOVALS = 10_000;

export async function createMqttSessionStore(opts: MqttSessionStoreOptions): Promise<MqttSessionStore> {
  if (!Number.isInteger(opts.maxQueuedPerClient) || opts.maxQueuedPerClient < 1) {
    throw new Error(`maxQueuedPerClient must be a positive integer, got ${opts.maxQueuedPerClient}`);
  }
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });
  const open = async (name: string): Promise<Datastore<StoredDoc>> => {
    // nedb's `modes` (owner-only files) is missing from nedb-promises' typings.
    const dbOptions = { filename: join(opts.dir, `${name}.db`), autoload: false, modes: { fileMode: 0o600, dirMode: 0o700 } };
    const ds = Datastore.create(dbOptions) as Datastore<StoredDoc>;
    await ds.load();
    return ds;
  };
  const dbs: Tables = {
    subscriptions: await open('mqtt-subscriptions'),
    outgoing: await open('mqtt-outgoing'),
    incoming: await open('mqtt-incoming'),
    wills: await open('mqtt-wills'),
    retained: await open('mqtt-retained'),
  };
  for (const ds of [dbs.subscriptions, dbs.outgoing, dbs.incoming]) await ds.ensureIndex({ fieldName: 'clientId' });
  const store = new NedbMqttSessionStore(dbs, loadQlobber(), opts);
  await store.replay();
  store.scheduleCompaction();
  return store;
}

// ---------------------------------------------------------------------------------------------
// qlobber (aedes' topic matcher, a dependency of aedes-persistence) is plain CommonJS without
// types: loaded through require and narrowed to the little used here.

interface QlobberOptions {
  separator: string;
  wildcard_one: string;
  wildcard_some: string;
}

const QLOBBER_OPTIONS: QlobberOptions = { separator: '/', wildcard_one: '+', wildcard_some: '#' };

interface TrieValue {
  clientId: string;
  topic: string;
  qos?: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
}

/** qlobber's QlobberSub: filter → (clientId → subscription), deduplicated per client. */
interface SubscriptionTrie {
  add(topic: string, value: TrieValue): unknown;
  remove(topic: string, value: TrieValue): unknown;
  match(topic: string): MqttMatchedSubscription[];
  subscriptionsCount: number;
}

/** qlobber's QlobberTrue: does any added filter match a topic. */
interface FilterSet {
  add(filter: string): unknown;
  test(topic: string): boolean;
}

interface Qlobbers {
  newSubscriptionTrie(): SubscriptionTrie;
  newFilterSet(): FilterSet;
}

type Constructor<T> = new (options: QlobberOptions) => T;

function isConstructor<T>(v: unknown): v is Constructor<T> {
  return typeof v === 'function';
}

function loadQlobber(): Qlobbers {
  const require = createRequire(import.meta.url);
  const sub: unknown = require('qlobber/aedes/qlobber-sub');
  const main: unknown = require('qlobber');
  const filterSet = isRecord(main) ? main.QlobberTrue : undefined;
  if (!isConstructor<SubscriptionTrie>(sub) || !isConstructor<FilterSet>(filterSet)) {
    throw new Error('qlobber does not export QlobberSub / QlobberTrue');
  }
  return { newSubscriptionTrie: () => new sub(QLOBBER_OPTIONS), newFilterSet: () => new filterSet(QLOBBER_OPTIONS) };
}

// ---------------------------------------------------------------------------------------------
// The datafiles.

/** Every document: an `_id` and string/number columns; packets are in `pkt` (see `serialize`). */
type StoredDoc = { _id: string } & Record<string, unknown>;

interface Tables {
  /** _id = [clientId, topic]; clientId, topic, sub (serialized record). */
  subscriptions: Datastore<StoredDoc>;
  /** _id = seq; clientId, seq (queue order), pkt. */
  outgoing: Datastore<StoredDoc>;
  /** _id = [clientId, messageId]; clientId, messageId, pkt. */
  incoming: Datastore<StoredDoc>;
  /** _id = clientId; pkt. */
  wills: Datastore<StoredDoc>;
  /** _id = topic; pkt. */
  retained: Datastore<StoredDoc>;
}

/** nedb's promise-returning compaction; nedb-promises forwards it but does not declare it. */
interface Compactable {
  compactDatafileAsync(): Promise<void>;
}

function isCompactable(v: unknown): v is Compactable {
  return typeof v === 'object' && v !== null && typeof (v as Partial<Compactable>).compactDatafileAsync === 'function';
}

const pairKey = (a: string, b: string | number): string => JSON.stringify([a, b]);

// ---------------------------------------------------------------------------------------------
// The store.

interface SubscriptionRecord {
  qos: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
  subscriptionIdentifier?: number;
}

interface QueueEntry {
  /** The document's _id. */
  key: string;
  seq: number;
  packet: MqttPacket;
}

class NedbMqttSessionStore implements MqttSessionStore {
  private brokerRef: MqttBrokerRef | undefined;
  private readonly retained = new Map<string, MqttPacket>();
  /** clientId → topic filter → subscription (QoS 0 included, as aedes restores those too). */
  private readonly subscriptions = new Map<string, Map<string, SubscriptionRecord>>();
  /** QoS > 0 subscriptions, for matching published topics. */
  private readonly trie: SubscriptionTrie;
  /** clientId → queue, oldest first. */
  private readonly outgoing = new Map<string, QueueEntry[]>();
  /** clientId → messageId → inbound QoS 2 packet. */
  private readonly incoming = new Map<string, Map<number, MqttPacket>>();
  private readonly wills = new Map<string, MqttPacket>();
  /**
   * Recently removed queue entries (acknowledged, coalesced, dropped, cleared). aedes may still
   * send one (it streamed the queue on reconnect, or is delivering it live): an outgoingUpdate
   * for it is expected, one for a packet never seen is worth a warning.
   */
  private readonly removed = new Set<string>();
  private readonly dropWarnings = new Map<string, { lastAt: number; suppressed: number }>();
  private readonly log: Logger;
  private nextSeq = 1;
  private closing: Promise<void> | undefined;
  private stopCompaction: () => void = () => undefined;

  constructor(
    private readonly db: Tables,
    private readonly qlobber: Qlobbers,
    private readonly opts: MqttSessionStoreOptions,
  ) {
    this.trie = qlobber.newSubscriptionTrie();
    this.log = opts.logger.child({ component: 'mqtt-sessions' });
  }

  get broker(): MqttBrokerRef | undefined {
    return this.brokerRef;
  }

  // aedes refuses a persistence whose setup is not a native async function.
  // eslint-disable-next-line @typescript-eslint/require-await
  async setup(broker: MqttBrokerRef): Promise<void> {
    this.brokerRef = broker;
    // aedes finds a queued packet again by (brokerId, brokerCounter). A broker started with a
    // fixed id restarts its counter at 0: move it past every counter queued under that id.
    let max = 0;
    for (const queue of this.outgoing.values()) {
      for (const e of queue) {
        if (e.packet.brokerId === broker.id && typeof e.packet.brokerCounter === 'number') max = Math.max(max, e.packet.brokerCounter);
      }
    }
    if (typeof broker.counter === 'number' && broker.counter < max) broker.counter = max;
  }

  // --- retained -------------------------------------------------------------------------------

  async storeRetained(packet: MqttPacket): Promise<void> {
    this.assertOpen();
    const topic = packet.topic;
    if (typeof topic !== 'string') throw new Error('retained message without a topic');
    if (payloadLength(packet.payload) === 0) {
      this.retained.delete(topic);
      await this.persist('storeRetained', { topic }, [this.db.retained.remove({ _id: topic }, {})]);
      return;
    }
    const pkt = serialize({ ...packet });
    this.retained.set(topic, deserializePacket(pkt));
    await this.persist('storeRetained', { topic }, [this.db.retained.update({ _id: topic }, { _id: topic, pkt }, { upsert: true })]);
  }

  createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern]);
  }

  /** Each retained message matching any of the filters, once. */
  createRetainedStreamCombi(patterns: string[]): Readable {
    const filters = this.qlobber.newFilterSet();
    for (const p of patterns) filters.add(p);
    const out: MqttPacket[] = [];
    for (const [topic, packet] of this.retained) if (filters.test(topic)) out.push({ ...packet });
    return Readable.from(out);
  }

  // --- subscriptions --------------------------------------------------------------------------

  async addSubscriptions(client: MqttClientRef, subs: MqttSubscription[]): Promise<void> {
    this.assertOpen();
    const clientId = client.id;
    const stored = this.subscriptions.get(clientId) ?? new Map<string, SubscriptionRecord>();
    const touched = new Set<string>();
    for (const sub of subs) {
      const before = stored.get(sub.topic);
      const record: SubscriptionRecord = { qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl };
      if (sub.subscriptionIdentifier !== undefined) record.subscriptionIdentifier = sub.subscriptionIdentifier;
      if (sub.qos > 0) this.trie.add(sub.topic, { clientId, topic: sub.topic, qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl });
      else if (before && before.qos > 0) this.trie.remove(sub.topic, { clientId, topic: sub.topic });
      stored.set(sub.topic, record);
      touched.add(sub.topic);
    }
    if (stored.size > 0) this.subscriptions.set(clientId, stored);
    const writes = [...touched].map((topic) => {
      const _id = pairKey(clientId, topic);
      return this.db.subscriptions.update({ _id }, { _id, clientId, topic, sub: serialize(stored.get(topic)) }, { upsert: true });
    });
    await this.persist('addSubscriptions', { clientId }, writes);
  }

  async removeSubscriptions(client: MqttClientRef, topics: string[]): Promise<void> {
    this.assertOpen();
    const clientId = client.id;
    const stored = this.subscriptions.get(clientId);
    if (!stored) return;
    const removed: string[] = [];
    for (const topic of topics) {
      const sub = stored.get(topic);
      if (!sub) continue;
      if (sub.qos > 0) this.trie.remove(topic, { clientId, topic });
      stored.delete(topic);
      removed.push(topic);
    }
    if (stored.size === 0) this.subscriptions.delete(clientId);
    const writes = removed.map((topic) => this.db.subscriptions.remove({ _id: pairKey(clientId, topic) }, {}));
    await this.persist('removeSubscriptions', { clientId }, writes);
  }

  subscriptionsByClient(client: MqttClientRef): Promise<MqttSubscription[]> {
    const stored = this.subscriptions.get(client.id);
    return Promise.resolve(stored ? [...stored].map(([topic, sub]) => ({ topic, ...sub })) : []);
  }

  subscriptionsByTopic(topic: string): Promise<MqttMatchedSubscription[]> {
    return settle(() => this.trie.match(topic));
  }

  async cleanSubscriptions(client: MqttClientRef): Promise<void> {
    this.assertOpen();
    const clientId = client.id;
    const stored = this.subscriptions.get(clientId);
    if (!stored) return;
    for (const [topic, sub] of stored) if (sub.qos > 0) this.trie.remove(topic, { clientId, topic });
    this.subscriptions.delete(clientId);
    await this.persist('cleanSubscriptions', { clientId }, [this.db.subscriptions.remove({ clientId }, { multi: true })]);
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
  async outgoingEnqueueCombi(subs: { clientId: string }[], packet: MqttPacket): Promise<void> {
    this.assertOpen();
    if (subs.length === 0) return;
    const pkt = serialize(queuedPacket(packet));
    const writes: Promise<unknown>[] = [];
    for (const sub of subs) writes.push(...this.enqueue(sub.clientId, pkt));
    await this.persist('outgoingEnqueue', { topic: packet.topic, clients: subs.length }, writes);
  }

  /**
   * aedes is sending a queued packet: remember its messageId, or (PUBREC) replace the publish
   * with its PUBREL.
   */
  async outgoingUpdate(client: MqttClientRef, packet: MqttPacket): Promise<void> {
    this.assertOpen();
    const clientId = client.id;
    for (const e of this.outgoing.get(clientId) ?? []) {
      if (e.packet.brokerId === packet.brokerId) {
        if (e.packet.brokerCounter !== packet.brokerCounter) continue;
        e.packet.messageId = packet.messageId;
      } else if (packet.cmd !== 'publish' && e.packet.messageId === packet.messageId) {
        // A PUBREL (aedes stamps a resent one with its own broker id) takes over the publish's slot.
        e.packet = deserializePacket(serialize(packet));
      } else {
        continue;
      }
      await this.persist('outgoingUpdate', { clientId }, [this.writeEntry(clientId, e)]);
      return;
    }
    // Not queued (any more): aedes sends it untracked, as it does for clean sessions.
    if (this.removed.has(removalKey(clientId, packet))) {
      this.log.debug('mqtt message sent after it left the queue', { clientId, topic: packet.topic });
    } else {
      this.log.warn('mqtt message sent that was never queued', { clientId, topic: packet.topic, cmd: packet.cmd });
    }
  }

  async outgoingClearMessageId(client: MqttClientRef, packet: unknown): Promise<MqttPacket | undefined> {
    this.assertOpen();
    if (!isRecord(packet)) return undefined;
    const clientId = client.id;
    const queue = this.outgoing.get(clientId);
    if (!queue) return undefined;
    let index = -1;
    if (typeof packet.messageId === 'number') {
      // PUBACK / PUBCOMP, or a queued packet aedes decided not to send.
      index = queue.findIndex((e) => e.packet.messageId === packet.messageId);
    } else if (typeof packet.brokerId === 'string' && typeof packet.brokerCounter === 'number') {
      // A packet aedes will not send that never got a messageId (a duplicate through overlapping
      // subscriptions): drop the last unsent copy, so the one being sent keeps its entry.
      index = findLastIndex(
        queue,
        (e) => e.packet.messageId === undefined && e.packet.brokerId === packet.brokerId && e.packet.brokerCounter === packet.brokerCounter,
      );
    }
    const entry = queue[index];
    if (!entry) return undefined;
    queue.splice(index, 1);
    this.remember(clientId, entry.packet);
    if (queue.length === 0) this.outgoing.delete(clientId);
    await this.persist('outgoingClearMessageId', { clientId }, [this.db.outgoing.remove({ _id: entry.key }, {})]);
    return { ...entry.packet };
  }

  outgoingStream(client: MqttClientRef): Readable {
    return Readable.from((this.outgoing.get(client.id) ?? []).map((e) => ({ ...e.packet })));
  }

  // --- inbound QoS 2 --------------------------------------------------------------------------

  async incomingStorePacket(client: MqttClientRef, packet: MqttPacket): Promise<void> {
    this.assertOpen();
    const clientId = client.id;
    const messageId = packet.messageId;
    if (typeof messageId !== 'number') throw new Error('incoming packet without a messageId');
    const copy = queuedPacket(packet);
    copy.messageId = messageId;
    const pkt = serialize(copy);
    const stored = this.incoming.get(clientId) ?? new Map<number, MqttPacket>();
    stored.set(messageId, deserializePacket(pkt));
    this.incoming.set(clientId, stored);
    const _id = pairKey(clientId, messageId);
    await this.persist('incomingStorePacket', { clientId }, [this.db.incoming.update({ _id }, { _id, clientId, messageId, pkt }, { upsert: true })]);
  }

  incomingGetPacket(client: MqttClientRef, packet: { messageId?: number }): Promise<MqttPacket> {
    return settle(() => {
      const found = packet.messageId === undefined ? undefined : this.incoming.get(client.id)?.get(packet.messageId);
      if (!found) throw new Error('no such packet');
      return { ...found };
    });
  }

  async incomingDelPacket(client: MqttClientRef, packet: { messageId?: number }): Promise<void> {
    this.assertOpen();
    const clientId = client.id;
    const messageId = packet.messageId;
    const stored = this.incoming.get(clientId);
    if (messageId === undefined || !stored?.delete(messageId)) throw new Error('no such packet');
    if (stored.size === 0) this.incoming.delete(clientId);
    await this.persist('incomingDelPacket', { clientId }, [this.db.incoming.remove({ _id: pairKey(clientId, messageId) }, {})]);
  }

  async cleanIncoming(client: MqttClientRef): Promise<void> {
    this.assertOpen();
    const clientId = client.id;
    if (!this.incoming.delete(clientId)) return;
    await this.persist('cleanIncoming', { clientId }, [this.db.incoming.remove({ clientId }, { multi: true })]);
  }

  // --- wills ----------------------------------------------------------------------------------

  /** Stamps the will (the caller's object, as aedes-persistence does) with broker and client id. */
  async putWill(client: MqttClientRef, packet: MqttPacket): Promise<void> {
    this.assertOpen();
    const broker = this.brokerRef;
    if (!broker) throw new Error('mqtt session store used before setup()');
    packet.brokerId = broker.id;
    packet.clientId = client.id;
    const pkt = serialize(packet);
    this.wills.set(client.id, deserializePacket(pkt));
    await this.persist('putWill', { clientId: client.id }, [this.db.wills.update({ _id: client.id }, { _id: client.id, pkt }, { upsert: true })]);
  }

  getWill(client: MqttClientRef): Promise<MqttPacket | undefined> {
    const will = this.wills.get(client.id);
    return Promise.resolve(will ? { ...will } : undefined);
  }

  /**
   * Removes the client's will. When the caller names the broker that put it (aedes does when a
   * will was published), a will put since by another broker life is left alone.
   */
  async delWill(client: MqttClientRef): Promise<MqttPacket | undefined> {
    this.assertOpen();
    const will = this.wills.get(client.id);
    if (!will) return undefined;
    if (typeof client.brokerId === 'string' && will.brokerId !== undefined && will.brokerId !== client.brokerId) return undefined;
    this.wills.delete(client.id);
    await this.persist('delWill', { clientId: client.id }, [this.db.wills.remove({ _id: client.id }, {})]);
    return { ...will };
  }

  streamWill(brokers: Record<string, number> = {}): Readable {
    const alive = (id: string | undefined): boolean => id !== undefined && Object.hasOwn(brokers, id) && Boolean(brokers[id]);
    const out: MqttPacket[] = [];
    for (const will of this.wills.values()) if (!alive(will.brokerId)) out.push({ ...will });
    return Readable.from(out);
  }

  // --- lifecycle ------------------------------------------------------------------------------

  async compact(): Promise<void> {
    for (const ds of Object.values(this.db)) {
      if (isCompactable(ds)) await ds.compactDatafileAsync();
    }
  }

  destroy(): Promise<void> {
    this.closing ??= (async () => {
      this.stopCompaction();
      // nedb runs commands in order: the compaction runs after every write already issued.
      await this.compact();
      this.log.info('mqtt sessions closed', { dir: this.opts.dir });
    })();
    return this.closing;
  }

  /** Rebuilds the in-memory state from the datafiles. */
  async replay(): Promise<void> {
    let skipped = 0;
    const skip = (table: string, id: unknown): void => {
      skipped += 1;
      this.log.warn('mqtt session document unreadable, ignored', { table, id });
    };

    for (const doc of await this.db.subscriptions.find({})) {
      const { clientId, topic } = doc;
      const sub = parseStored(doc.sub);
      if (typeof clientId !== 'string' || typeof topic !== 'string' || !isSubscriptionRecord(sub)) {
        skip('subscriptions', doc._id);
        continue;
      }
      const stored = this.subscriptions.get(clientId) ?? new Map<string, SubscriptionRecord>();
      stored.set(topic, sub);
      this.subscriptions.set(clientId, stored);
      if (sub.qos > 0) this.trie.add(topic, { clientId, topic, qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl });
    }

    const entries: (QueueEntry & { clientId: string })[] = [];
    for (const doc of await this.db.outgoing.find({})) {
      const { clientId, seq } = doc;
      const packet = parseStored(doc.pkt);
      if (typeof clientId !== 'string' || typeof seq !== 'number' || !isPacket(packet)) {
        skip('outgoing', doc._id);
        continue;
      }
      entries.push({ clientId, key: doc._id, seq, packet });
    }
    entries.sort((a, b) => a.seq - b.seq);
    for (const { clientId, key, seq, packet } of entries) {
      const queue = this.outgoing.get(clientId) ?? [];
      queue.push({ key, seq, packet });
      this.outgoing.set(clientId, queue);
      this.nextSeq = Math.max(this.nextSeq, seq + 1);
    }

    for (const doc of await this.db.incoming.find({})) {
      const { clientId, messageId } = doc;
      const packet = parseStored(doc.pkt);
      if (typeof clientId !== 'string' || typeof messageId !== 'number' || !isPacket(packet)) {
        skip('incoming', doc._id);
        continue;
      }
      const stored = this.incoming.get(clientId) ?? new Map<number, MqttPacket>();
      stored.set(messageId, packet);
      this.incoming.set(clientId, stored);
    }

    for (const doc of await this.db.wills.find({})) {
      const packet = parseStored(doc.pkt);
      if (!isPacket(packet)) skip('wills', doc._id);
      else this.wills.set(doc._id, packet);
    }

    for (const doc of await this.db.retained.find({})) {
      const packet = parseStored(doc.pkt);
      if (!isPacket(packet)) skip('retained', doc._id);
      else this.retained.set(doc._id, packet);
    }

    let queued = 0;
    for (const q of this.outgoing.values()) queued += q.length;
    this.log.info('mqtt sessions opened', {
      dir: this.opts.dir,
      clients: this.subscriptions.size,
      queued,
      wills: this.wills.size,
      retained: this.retained.size,
      skipped,
    });
  }

  scheduleCompaction(): void {
    const interval = this.opts.compactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS;
    if (interval <= 0) return;
    const tick = (): void => {
      if (this.closing) return;
      this.compact()
        .then(() => this.log.debug('mqtt sessions compacted', {}))
        .catch((e: unknown) => this.log.error('mqtt sessions compaction failed', { error: errorMessage(e) }))
        .finally(() => {
          if (!this.closing) this.stopCompaction = this.opts.clock.setTimer(tick, interval);
        });
    };
    this.stopCompaction = this.opts.clock.setTimer(tick, interval);
  }

  // --- internals ------------------------------------------------------------------------------

  /** Queues one copy of a serialized packet for a client; returns the writes it took. */
  private enqueue(clientId: string, pkt: string): Promise<unknown>[] {
    const packet = deserializePacket(pkt);
    const queue = this.outgoing.get(clientId) ?? [];
    this.outgoing.set(clientId, queue);
    const writes: Promise<unknown>[] = [];

    if (this.isCoalesced(packet)) {
      // Latest state wins: unsent older versions go (copies of this very packet, queued through
      // overlapping subscriptions, stay: aedes clears those itself).
      for (let i = queue.length - 1; i >= 0; i--) {
        const e = queue[i];
        if (!e || e.packet.cmd !== 'publish' || e.packet.topic !== packet.topic || e.packet.messageId !== undefined) continue;
        if (e.packet.brokerId === packet.brokerId && e.packet.brokerCounter === packet.brokerCounter) continue;
        queue.splice(i, 1);
        this.remember(clientId, e.packet);
        writes.push(this.db.outgoing.remove({ _id: e.key }, {}));
        this.log.debug('mqtt queued message coalesced', { clientId, topic: packet.topic });
      }
    }

    const seq = this.nextSeq++;
    const entry: QueueEntry = { key: String(seq), seq, packet };
    queue.push(entry);
    writes.push(this.writeEntry(clientId, entry));

    while (queue.length > this.opts.maxQueuedPerClient) {
      // The oldest goes; the latest state of a coalesced topic only when nothing else is left.
      const found = queue.findIndex((e) => !this.isCoalesced(e.packet));
      const index = found >= 0 ? found : 0;
      const [dropped] = queue.splice(index, 1);
      if (!dropped) break;
      this.remember(clientId, dropped.packet);
      writes.push(this.db.outgoing.remove({ _id: dropped.key }, {}));
      this.warnDropped(clientId, dropped.packet);
    }
    return writes;
  }

  private writeEntry(clientId: string, e: QueueEntry): Promise<unknown> {
    return this.db.outgoing.update({ _id: e.key }, { _id: e.key, clientId, seq: e.seq, pkt: serialize(e.packet) }, { upsert: true });
  }

  private isCoalesced(p: MqttPacket): boolean {
    return p.cmd === 'publish' && typeof p.topic === 'string' && this.opts.coalesceTopic(p.topic);
  }

  private remember(clientId: string, packet: MqttPacket): void {
    if (packet.brokerId === undefined) return;
    if (this.removed.size >= MAX_REMEMBERED_REMOVALS) {
      const oldest = this.removed.values().next();
      if (!oldest.done) this.removed.delete(oldest.value);
    }
    this.removed.add(removalKey(clientId, packet));
  }

  private warnDropped(clientId: string, dropped: MqttPacket): void {
    const now = this.opts.clock.now().getTime();
    const last = this.dropWarnings.get(clientId);
    if (last && now - last.lastAt < DROP_WARNING_INTERVAL_MS) {
      last.suppressed += 1;
      return;
    }
    this.log.warn('mqtt queue full, dropped oldest message', {
      clientId,
      topic: dropped.topic,
      maxQueuedPerClient: this.opts.maxQueuedPerClient,
      dropped: (last?.suppressed ?? 0) + 1,
    });
    this.dropWarnings.set(clientId, { lastAt: now, suppressed: 0 });
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('mqtt session store is closed');
  }

  /** Resolves once every write reached nedb; a failed write is logged and rejects the call. */
  private async persist(op: string, fields: Record<string, unknown>, writes: Promise<unknown>[]): Promise<void> {
    try {
      await Promise.all(writes);
    } catch (e: unknown) {
      this.log.error('mqtt session write failed', { op, ...fields, error: errorMessage(e) });
      throw e;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Packets.

/**
 * The copy of a packet that goes into a queue: the fields aedes' Packet keeps (wire length,
 * callbacks and other per-delivery extras are dropped) and no messageId yet.
 */
function queuedPacket(original: MqttPacket): MqttPacket {
  const p: MqttPacket = {};
  for (const k of ['clientId', 'nl', 'properties', 'messageExpiry']) if (Object.hasOwn(original, k)) p[k] = original[k];
  p.cmd = original.cmd || 'publish';
  p.brokerId = original.brokerId || undefined;
  p.brokerCounter = original.brokerCounter || 0;
  p.topic = original.topic;
  p.payload = original.payload || Buffer.alloc(0);
  p.qos = original.qos || 0;
  p.retain = original.retain || false;
  p.dup = original.dup || false;
  if (p.qos > 0 || p.cmd !== 'publish') p.messageId = undefined;
  return p;
}

function payloadLength(payload: MqttPacket['payload']): number {
  return payload === undefined ? 0 : payload.length;
}

function removalKey(clientId: string, p: MqttPacket): string {
  return JSON.stringify([clientId, p.brokerId ?? null, p.brokerCounter ?? null]);
}

function findLastIndex<T>(items: readonly T[], pred: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item !== undefined && pred(item)) return i;
  }
  return -1;
}

/** Runs `fn` and turns a throw into a rejection (aedes chains `.then` on every call). */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e: unknown) {
    return Promise.reject(e instanceof Error ? e : new Error(errorMessage(e)));
  }
}

function isOptional(v: unknown, type: 'string' | 'number' | 'boolean'): boolean {
  return v === undefined || typeof v === type;
}

function isPacket(v: unknown): v is MqttPacket {
  if (!isRecord(v)) return false;
  const payload = v.payload;
  return (
    isOptional(v.cmd, 'string') &&
    isOptional(v.topic, 'string') &&
    (payload === undefined || typeof payload === 'string' || payload instanceof Uint8Array) &&
    isOptional(v.qos, 'number') &&
    isOptional(v.messageId, 'number') &&
    isOptional(v.brokerId, 'string') &&
    isOptional(v.brokerCounter, 'number') &&
    isOptional(v.clientId, 'string')
  );
}

function isSubscriptionRecord(v: unknown): v is SubscriptionRecord {
  return isRecord(v) && typeof v.qos === 'number' && isOptional(v.subscriptionIdentifier, 'number');
}

function deserializePacket(text: string): MqttPacket {
  const p = parseStored(text);
  if (!isPacket(p)) throw new Error('not a packet');
  return p;
}

// ---------------------------------------------------------------------------------------------
// Serialization: JSON with tagged values, so Buffers (base64) and explicit `undefined` fields
// round-trip exactly. Objects with a key starting with '$' are wrapped, so no data can pass
// for a tag.

type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

const TAG_BUFFER = '$b';
const TAG_UNDEFINED = '$u';
const TAG_OBJECT = '$o';

function serialize(v: unknown): string {
  return JSON.stringify(encode(v) ?? null);
}

/** undefined for values JSON cannot carry and packets need not (functions, symbols, bigints). */
function encode(v: unknown): Encoded | undefined {
  if (v === undefined) return { [TAG_UNDEFINED]: 1 };
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v instanceof Uint8Array) return { [TAG_BUFFER]: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return v.map((x) => encode(x) ?? null);
  if (typeof v !== 'object') return undefined;
  const out: { [key: string]: Encoded } = {};
  let escape = false;
  for (const [k, x] of Object.entries(v)) {
    const e = encode(x);
    if (e === undefined) continue;
    defineField(out, k, e);
    if (k.startsWith('$')) escape = true;
  }
  return escape ? { [TAG_OBJECT]: out } : out;
}

function parseStored(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return decode(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (!isRecord(v)) return v;
  const keys = Object.keys(v);
  if (keys.length === 1) {
    if (typeof v[TAG_BUFFER] === 'string') return Buffer.from(v[TAG_BUFFER], 'base64');
    if (TAG_UNDEFINED in v) return undefined;
    const inner = v[TAG_OBJECT];
    if (isRecord(inner)) return decodeFields(inner);
  }
  return decodeFields(v);
}

function decodeFields(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) defineField(out, k, decode(x));
  return out;
}

/** Sets a field even when it is called `__proto__`. */
function defineField<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

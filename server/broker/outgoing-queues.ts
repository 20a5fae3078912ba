/**
 * Per-client queues of outgoing QoS 1/2 messages for persistent MQTT sessions, in memory, with
 * Flotilla's two rules on top of aedes' semantics:
 *  - Coalescing: a message queued on a topic for which `coalesceTopic` holds (a node's desired
 *    document) replaces the client's queued, not-yet-sent messages on that topic: latest state
 *    wins, intermediate versions are never replayed.
 *  - Bound: at most `maxQueuedPerClient` messages are queued per client; beyond it the oldest is
 *    dropped (messages on coalesced topics, at most one per topic, only when nothing else is
 *    left) and a warning is logged.
 */
import type { Clock } from '../../shared/util/clock.js';
import type { Logger } from '../../shared/util/logger.js';
import { isRecord } from '../../shared/util/guards.js';
import type { MqttPacket } from './session-persistence.js';

export interface OutgoingQueueOptions {
  clock: Clock;
  /** Messages queued per client at most (in flight included); at least 1. */
  maxQueuedPerClient: number;
  coalesceTopic: (topic: string) => boolean;
}

/** At most one "dropped" warning per client in this window; the rest are counted into the next. */
const DROP_WARNING_INTERVAL_MS = 60_000;
/** How many removed queue entries are remembered (to tell an expected late update from a stray one). */
const MAX_REMEMBERED_REMOVALS = 10_000;

export class OutgoingQueues {
  /** clientId → queue, oldest first. */
  private readonly queues = new Map<string, MqttPacket[]>();
  /**
   * Recently removed queue entries (acknowledged, coalesced, dropped, cleared). aedes may still
   * send one (it streamed the queue on reconnect, or is delivering it live): an update for it is
   * expected, one for a packet never seen is worth a warning.
   */
  private readonly removed = new Set<string>();
  private readonly dropWarnings = new Map<string, { lastAt: number; suppressed: number }>();

  constructor(
    private readonly opts: OutgoingQueueOptions,
    private readonly log: Logger,
  ) {}

  /** Queues a copy of a packet for a client, coalescing and bounding the queue. */
  enqueue(clientId: string, original: MqttPacket): void {
    const packet = queuedPacket(original);
    const queue = this.queues.get(clientId) ?? [];
    this.queues.set(clientId, queue);

    if (this.isCoalesced(packet)) {
      // Latest state wins: unsent older versions go (copies of this very packet, queued through
      // overlapping subscriptions, stay: aedes clears those itself).
      for (let i = queue.length - 1; i >= 0; i--) {
        const e = queue[i];
        if (!e || e.cmd !== 'publish' || e.topic !== packet.topic || e.messageId !== undefined) continue;
        if (e.brokerId === packet.brokerId && e.brokerCounter === packet.brokerCounter) continue;
        queue.splice(i, 1);
        this.remember(clientId, e);
        this.log.debug('mqtt queued message coalesced', { clientId, topic: packet.topic });
      }
    }

    queue.push(packet);

    while (queue.length > this.opts.maxQueuedPerClient) {
      // The oldest goes; the latest state of a coalesced topic only when nothing else is left.
      const found = queue.findIndex((e) => !this.isCoalesced(e));
      const [dropped] = queue.splice(found >= 0 ? found : 0, 1);
      if (!dropped) break;
      this.remember(clientId, dropped);
      this.warnDropped(clientId, dropped);
    }
  }

  /**
   * aedes is sending a queued packet: remember its messageId, or (PUBREC) replace the publish
   * with its PUBREL.
   */
  update(clientId: string, packet: MqttPacket): void {
    const queue = this.queues.get(clientId) ?? [];
    for (let i = 0; i < queue.length; i++) {
      const e = queue[i];
      if (!e) continue;
      if (e.brokerId === packet.brokerId) {
        if (e.brokerCounter !== packet.brokerCounter) continue;
        e.messageId = packet.messageId;
      } else if (packet.cmd !== 'publish' && e.messageId === packet.messageId) {
        // A PUBREL (aedes stamps a resent one with its own broker id) takes over the publish's slot.
        queue[i] = { ...packet };
      } else {
        continue;
      }
      return;
    }
    // Not queued (any more): aedes sends it untracked, as it does for clean sessions.
    if (this.removed.has(removalKey(clientId, packet))) {
      this.log.debug('mqtt message sent after it left the queue', { clientId, topic: packet.topic });
    } else {
      this.log.warn('mqtt message sent that was never queued', { clientId, topic: packet.topic, cmd: packet.cmd });
    }
  }

  /** Removes the entry a PUBACK / PUBCOMP (or an unsent duplicate) stands for; returns it. */
  clear(clientId: string, packet: unknown): MqttPacket | undefined {
    if (!isRecord(packet)) return undefined;
    const queue = this.queues.get(clientId);
    if (!queue) return undefined;
    let index = -1;
    if (typeof packet.messageId === 'number') {
      // PUBACK / PUBCOMP, or a queued packet aedes decided not to send.
      index = queue.findIndex((e) => e.messageId === packet.messageId);
    } else if (typeof packet.brokerId === 'string' && typeof packet.brokerCounter === 'number') {
      // A packet aedes will not send that never got a messageId (a duplicate through overlapping
      // subscriptions): drop the last unsent copy, so the one being sent keeps its entry.
      index = findLastIndex(queue, (e) => e.messageId === undefined && e.brokerId === packet.brokerId && e.brokerCounter === packet.brokerCounter);
    }
    const entry = queue[index];
    if (!entry) return undefined;
    queue.splice(index, 1);
    this.remember(clientId, entry);
    if (queue.length === 0) this.queues.delete(clientId);
    return { ...entry };
  }

  /** Copies of the client's queued packets, oldest first. */
  list(clientId: string): MqttPacket[] {
    return (this.queues.get(clientId) ?? []).map((e) => ({ ...e }));
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
}

/**
 * The copy of a packet that goes into a queue: the fields aedes' Packet keeps (wire length,
 * callbacks and other per-delivery extras are dropped) and no messageId yet.
 */
export function queuedPacket(original: MqttPacket): MqttPacket {
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

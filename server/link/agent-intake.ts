/**
 * Everything agents and bootstrap clients publish arrives here, already authorized by topic.
 * Each payload is decoded in one place; a malformed, oversized or wrong-schema one is dropped,
 * logged and recorded as an Event on the node, and the hub goes on serving everyone else.
 * Heartbeats only touch the in-memory lease; the store is written on status changes.
 */
import { desiredSync } from '../../shared/api/desired-sync.js';
import { ApiError } from '../../shared/api/errors.js';
import type { KubeObject } from '../../shared/api/meta.js';
import {
  decodeAgentMessage,
  encode,
  enrollTopic,
  nodeTopic,
  parseTopic,
  ProtocolError,
  type DecodeLimits,
  type EventsMessage,
  type StatusMessage,
} from '../../shared/protocol/index.js';
import { rfc3339, type Clock } from '../../shared/util/clock.js';
import { fromStore } from '../../shared/api/types/index.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { InternalClient } from '../apiserver/internal-client.js';
import type { Principal } from '../broker/principal.js';
import { AGENT_EVENT_COMPONENT, type NodeEventSink } from '../events/node-rate-limit.js';
import { DropSummary } from '../events/drop-summary.js';
import type { EventSink } from '../events/recorder.js';
import type { Enrollment } from '../fleet/enrollment.js';
import type { LeaseTracker } from '../fleet/leases.js';
import type { Publish } from './publish.js';
import type { LogRelay } from './log-relay.js';
import type { StreamRelay } from './stream-relay.js';
import type { NodeMetrics } from './node-metrics.js';
import { mergedMetadata, metadataChanges, nodeStatusFromReport } from './node-status.js';
import { PodStatusIntake } from './pod-status-intake.js';

export interface AgentIntakeDeps {
  client: InternalClient;
  leases: LeaseTracker;
  events: EventSink;
  /** Events a node causes, rate-limited per node (server/events/node-rate-limit.ts). */
  nodeEvents: NodeEventSink;
  enrollment: Enrollment;
  publish: Publish;
  clock: Clock;
  logger: Logger;
  limits: DecodeLimits;
  /** Heartbeat grace period: a heartbeat after longer silence wakes the lifecycle controller. */
  graceMs: number;
  /** How often at most the hub asks one node for its full status. */
  statusRequestIntervalMs: number;
  /** Where log chunks go; undefined: they are dropped. */
  logs?: LogRelay;
  /** Where exec/attach/port-forward output goes; undefined: it is dropped. */
  streams?: StreamRelay;
  /** Where usage reports go; undefined: they are dropped. */
  metrics?: NodeMetrics;
  /** Messages one node may have waiting behind its store writes; more are dropped (a flood). */
  maxPendingPerNode?: number;
}

/**
 * A well-behaved agent has a handful of messages in flight; a device that floods status or pod
 * reports must not grow the hub's memory. What is dropped is level-based state: the next
 * heartbeat's hash mismatch asks the node for its full status again.
 */
export const DEFAULT_MAX_PENDING_PER_NODE = 64;
const DROP_SUMMARY_INTERVAL_MS = 10_000;

export class AgentIntake {
  /** The status hash the hub last stored per node: heartbeats carry the agent's. */
  private readonly knownHash = new Map<string, string>();
  private readonly lastAsked = new Map<string, number>();
  /** Writes per node are serialized so reports apply in order. */
  private readonly chains = new Map<string, { tail: Promise<void>; waiting: number }>();
  private readonly drops: DropSummary;
  private readonly log: Logger;
  private readonly pods: PodStatusIntake;

  constructor(private readonly deps: AgentIntakeDeps) {
    this.log = deps.logger.child({ component: 'agent-intake' });
    this.drops = new DropSummary(deps.clock, DROP_SUMMARY_INTERVAL_MS, (node, dropped) => {
      this.log.warn('node messages dropped: too many waiting', { node, dropped, maxPending: this.maxPending, intervalMs: DROP_SUMMARY_INTERVAL_MS });
    });
    this.pods = new PodStatusIntake({ client: deps.client, events: deps.nodeEvents, clock: deps.clock, logger: deps.logger });
    // After silence the hub may have overwritten the node's conditions (Unknown): whatever the
    // agent's hash says, ask for its full status again.
    deps.leases.onRenewedAfterSilence((node) => this.knownHash.delete(node));
  }

  onMessage(p: Principal, topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (!parsed) return; // the policy only lets known topics through
    if (p.kind === 'bootstrap') {
      if (parsed.kind === 'enroll' && parsed.dir === 'req') this.serial(`enroll:${p.clientId}`, () => this.enroll(p.clientId, payload));
      return;
    }
    if (parsed.kind !== 'node') return;
    const node = p.node;
    if (parsed.channel === 'metrics') {
      // Kept in memory only: nothing to serialize behind store writes.
      try {
        this.deps.metrics?.onReport(node, decodeAgentMessage('metrics', payload, this.deps.limits));
      } catch (e: unknown) {
        this.rejectPayload(node, parsed.channel, payload.length, e);
      }
      return;
    }
    if (parsed.channel === 'logs') {
      // Not serialized behind store writes: chunks are relayed at once, in arrival order.
      try {
        this.deps.logs?.onChunk(node, parsed.streamId, decodeAgentMessage('logs', payload, this.deps.limits));
      } catch (e: unknown) {
        this.rejectPayload(node, parsed.channel, payload.length, e);
      }
      return;
    }
    if (parsed.channel === 'stream-out') {
      try {
        this.deps.streams?.onMessage(node, decodeAgentMessage('stream-out', payload, this.deps.limits));
      } catch (e: unknown) {
        this.rejectPayload(node, parsed.channel, payload.length, e);
      }
      return;
    }
    if (parsed.channel === 'events') {
      // Decoded and rate-limited on arrival, so a flood is dropped here, not queued behind store writes.
      let msg: EventsMessage;
      try {
        msg = decodeAgentMessage('events', payload, this.deps.limits);
      } catch (e: unknown) {
        this.rejectPayload(node, parsed.channel, payload.length, e);
        return;
      }
      const admitted = msg.events.slice(0, this.deps.nodeEvents.admit(node, msg.events.length));
      if (admitted.length > 0) this.serial(node, () => this.recordEvents(node, admitted));
      return;
    }
    this.serial(node, async () => {
      try {
        switch (parsed.channel) {
          case 'hb': {
            const hb = decodeAgentMessage('hb', payload, this.deps.limits);
            this.deps.leases.renew(node, this.deps.graceMs);
            if (this.knownHash.get(node) !== hb.h) await this.askForStatus(node);
            return;
          }
          case 'status':
            await this.writeStatus(node, decodeAgentMessage('status', payload, this.deps.limits));
            this.deps.leases.renew(node, this.deps.graceMs);
            return;
          case 'presence': {
            const m = decodeAgentMessage('presence', payload, this.deps.limits);
            this.log.info('agent presence', { node, state: m.state, agentVersion: m.agentVersion });
            if (m.state === 'online') this.deps.leases.renew(node, this.deps.graceMs);
            else {
              this.deps.logs?.nodeOffline(node);
              this.deps.streams?.nodeOffline(node);
            }
            return;
          }
          case 'pods':
            await this.pods.handle(node, decodeAgentMessage('pods', payload, this.deps.limits));
            return;
          default:
            return;
        }
      } catch (e: unknown) {
        this.rejectPayload(node, parsed.channel, payload.length, e);
      }
    });
  }

  /** For tests: resolves when everything received so far has been processed. */
  async drain(): Promise<void> {
    await Promise.all([...this.chains.values()].map((c) => c.tail));
  }

  private get maxPending(): number {
    return this.deps.maxPendingPerNode ?? DEFAULT_MAX_PENDING_PER_NODE;
  }

  /** Stops pending drop-summary timers (hub shutdown). */
  close(): void {
    this.drops.close();
  }

  private serial(key: string, fn: () => Promise<void>): void {
    const chain = this.chains.get(key) ?? { tail: Promise.resolve(), waiting: 0 };
    if (chain.waiting >= this.maxPending) {
      this.drops.count(key, 1);
      this.knownHash.delete(key); // what was dropped may have been status: the next heartbeat asks again
      return;
    }
    chain.waiting++;
    const next = chain.tail.then(fn).catch((e: unknown) => {
      this.log.error('agent message handling failed', { key, error: errorMessage(e) });
    });
    chain.tail = next;
    this.chains.set(key, chain);
    void next.finally(() => {
      chain.waiting--;
      if (chain.waiting === 0 && this.chains.get(key) === chain) this.chains.delete(key);
    });
  }

  private rejectPayload(node: string, channel: string, bytes: number, e: unknown): void {
    // Only the device's fault is reported as its fault: bad payloads, or values the API refuses.
    const invalid = e instanceof ApiError && (e.code === 400 || e.code === 422);
    if (!(e instanceof ProtocolError) && !invalid) throw e;
    const why = e instanceof ProtocolError ? `field ${e.field}: ${e.message}` : e.message;
    this.log.warn('agent payload dropped', { node, channel, bytes, reason: why });
    this.deps.nodeEvents.record(node, { kind: 'Node', name: node }, 'Warning', 'MalformedMessage', `dropped a ${channel} message of ${bytes} bytes: ${why}`);
  }

  private async enroll(clientId: string, payload: Buffer): Promise<void> {
    let answer;
    try {
      answer = await this.deps.enrollment.handle(clientId, decodeAgentMessage('enroll-req', payload, this.deps.limits));
    } catch (e: unknown) {
      if (!(e instanceof ProtocolError)) throw e;
      this.log.warn('enrollment request dropped', { clientId, reason: e.message });
      answer = { v: 1 as const, t: 'enrollRes' as const, ok: false as const, reason: 'invalid-request', message: e.message };
    }
    await this.deps.publish(enrollTopic(clientId, 'res'), encode(answer), { qos: 1, retain: false });
  }

  private async askForStatus(node: string): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (now - (this.lastAsked.get(node) ?? -Infinity) < this.deps.statusRequestIntervalMs) return;
    this.lastAsked.set(node, now);
    await this.deps.publish(nodeTopic(node, 'cmd'), encode({ v: 1, t: 'cmd', cmd: 'sendStatus' }), { qos: 1, retain: false });
  }

  /** Retries when a controller wrote the Node in between (409): the report is still the truth. */
  private async writeStatus(node: string, report: StatusMessage): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.tryWriteStatus(node, report);
        return;
      } catch (e: unknown) {
        if (!(e instanceof ApiError && e.code === 409) || attempt >= 5) throw e;
      }
    }
  }

  private async tryWriteStatus(node: string, report: StatusMessage): Promise<void> {
    const { client } = this.deps;
    const now = rfc3339(this.deps.clock.now());
    let current = await client.get('Node', undefined, node);
    if (!current) {
      // Deleted by an admin while the device kept running: it registers again, as a kubelet does.
      const fresh: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: node }, spec: {} };
      current = await client.create('Node', fresh);
    }
    const { labels, annotations, refused } = mergedMetadata(current, report);
    if (refused.length > 0) {
      this.log.warn('node labels refused', { node, refused: refused.slice(0, 10) });
      const what = refused.slice(0, 10).map((r) => `${r.key} (${r.reason})`).join('; ');
      this.deps.nodeEvents.record(node, { kind: 'Node', name: node }, 'Warning', 'NodeRestriction', `refused what the node reported about itself: ${what}`);
    }
    const sync = desiredSync(annotations);
    if (sync.state === 'Ahead' && desiredSync(current.metadata.annotations).state !== 'Ahead') {
      // Only a hub whose store went back (restored from an older copy) is behind its devices.
      const message = `the device holds desired revision ${sync.applied ?? ''}, newer than this hub's ${sync.desired ?? ''}: it refuses the hub's documents. If the hub's data dir was restored from an older copy, restart it once with --new-desired-epoch so its state wins`;
      this.log.warn('device ahead of the hub', { node, applied: sync.applied, desired: sync.desired });
      this.deps.events.record({ kind: 'Node', name: node }, 'Warning', 'DesiredStateAhead', message);
    }
    // A merge patch, so nothing else of the Node is rewritten; null removes a label the node no
    // longer reports. Usually nothing changed (a reconnect): then only the status is written.
    const removed = Object.fromEntries(Object.keys(current.metadata.labels ?? {}).filter((k) => !(k in labels)).map((k) => [k, null]));
    const relabelled = metadataChanges(current, labels, annotations) || Object.keys(removed).length > 0
      ? await client.patch('Node', undefined, node, 'merge', { metadata: { labels: { ...labels, ...removed }, annotations } })
      : current;
    await client.updateStatus('Node', { ...relabelled, status: nodeStatusFromReport(fromStore('Node', relabelled), report, now) });
    this.knownHash.set(node, report.hash);
  }

  /** A node may speak only about itself and the pods bound to it (a NodeRestriction equivalent). */
  private async recordEvents(node: string, events: EventsMessage['events']): Promise<void> {
    const source = { component: AGENT_EVENT_COMPONENT, host: node };
    for (const e of events) {
      const { kind, name, namespace, uid } = e.involved;
      if (kind === 'Node') {
        this.deps.events.record({ kind: 'Node', name: node }, e.type, e.reason, e.message, source);
        continue;
      }
      const stored = kind === 'Pod' && namespace ? await this.deps.client.get('Pod', namespace, name) : undefined;
      const pod = stored && fromStore('Pod', stored);
      const boundHere = pod?.spec.nodeName === node;
      if (!pod || !boundHere || (uid !== undefined && uid !== pod.metadata.uid)) {
        this.log.warn('agent event refused', { node, kind, namespace, name, reason: e.reason });
        continue;
      }
      this.deps.events.record({ kind: 'Pod', name, namespace, apiVersion: 'v1', ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}) }, e.type, e.reason, e.message, source);
    }
  }
}

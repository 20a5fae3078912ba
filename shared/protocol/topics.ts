/**
 * MQTT topics, built and parsed only here. Everything lives under `flotilla/v1`:
 *
 *   flotilla/v1/nodes/NAME/desired         hub → agent  retained, QoS 1, signed (desired.ts)
 *   flotilla/v1/nodes/NAME/cmd             hub → agent  QoS 1 (not signed: nothing that changes workloads)
 *   flotilla/v1/nodes/NAME/status          agent → hub  QoS 1, full node status
 *   flotilla/v1/nodes/NAME/hb              agent → hub  QoS 0, heartbeat
 *   flotilla/v1/nodes/NAME/presence        agent → hub  QoS 1, connect message and last will
 *   flotilla/v1/nodes/NAME/events          agent → hub  QoS 1
 *   flotilla/v1/nodes/NAME/pods            agent → hub  QoS 1, pod status
 *   flotilla/v1/nodes/NAME/logs/STREAMID   agent → hub  QoS 0, log chunks of a requested stream
 *   flotilla/v1/nodes/NAME/stream-in       hub → agent  QoS 1, exec/attach/port-forward input (stream-messages.ts)
 *   flotilla/v1/nodes/NAME/stream-out      agent → hub  QoS 1, their output
 *   flotilla/v1/nodes/NAME/metrics         agent → hub  QoS 0, resource usage (metrics.ts)
 *   flotilla/v1/enroll/CLIENTID/req        bootstrap client → hub  QoS 1
 *   flotilla/v1/enroll/CLIENTID/res        hub → that client       QoS 1
 *
 * NAME is a DNS-1123 subdomain and CLIENTID an `enroll:<token>` client id, so neither can hold
 * `/`, `+` or `#`. Builders throw a ProtocolError on a bad name; `parseTopic` returns undefined.
 */
import { isDNS1123Subdomain } from '../api/validation/names.js';
import { ProtocolError } from './errors.js';

export const TOPIC_PREFIX = 'flotilla/v1';

export const NODE_CHANNELS = ['desired', 'cmd', 'status', 'hb', 'presence', 'events', 'pods', 'logs', 'metrics', 'stream-in', 'stream-out'] as const;
export type NodeChannel = (typeof NODE_CHANNELS)[number];
/** Channels the agent publishes on. */
export const AGENT_PUBLISH_CHANNELS = ['status', 'hb', 'presence', 'events', 'pods', 'logs', 'metrics', 'stream-out'] as const;
export type AgentPublishChannel = (typeof AGENT_PUBLISH_CHANNELS)[number];
/** Channels the agent subscribes to. */
export const AGENT_SUBSCRIBE_CHANNELS = ['desired', 'cmd', 'stream-in'] as const;
export type AgentSubscribeChannel = (typeof AGENT_SUBSCRIBE_CHANNELS)[number];

export type EnrollDirection = 'req' | 'res';

export type ParsedTopic =
  | { kind: 'node'; node: string; channel: Exclude<NodeChannel, 'logs'> }
  | { kind: 'node'; node: string; channel: 'logs'; streamId: string }
  | { kind: 'enroll'; clientId: string; dir: EnrollDirection };

/** QoS and retain flag per channel: what publishers must use. */
export const CHANNEL_DELIVERY: Readonly<Record<NodeChannel | 'enroll', { qos: 0 | 1; retain: boolean }>> = {
  desired: { qos: 1, retain: true },
  cmd: { qos: 1, retain: false },
  status: { qos: 1, retain: false },
  hb: { qos: 0, retain: false },
  presence: { qos: 1, retain: false },
  events: { qos: 1, retain: false },
  pods: { qos: 1, retain: false },
  logs: { qos: 0, retain: false },
  'stream-in': { qos: 1, retain: false },
  'stream-out': { qos: 1, retain: false },
  metrics: { qos: 0, retain: false },
  enroll: { qos: 1, retain: false },
};

export const ENROLL_CLIENT_ID_PREFIX = 'enroll:';
const ENROLL_CLIENT_ID_RE = /^enroll:[A-Za-z0-9_-]{16,64}$/;
const STREAM_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function isNodeName(name: string): boolean {
  return isDNS1123Subdomain(name).length === 0;
}

/** Bootstrap clients' MQTT client id: `enroll:` and 16–64 base64url characters. */
export function isEnrollClientId(clientId: string): boolean {
  return ENROLL_CLIENT_ID_RE.test(clientId);
}

/** Ids of log streams (a topic level of their own): 1–64 base64url characters. */
export function isStreamId(streamId: string): boolean {
  return STREAM_ID_RE.test(streamId);
}

function checkNode(node: string): void {
  const problems = isDNS1123Subdomain(node);
  if (problems.length > 0) throw new ProtocolError('node', `invalid node name: ${problems.join('; ')}`);
}

export function nodeTopic(node: string, channel: Exclude<NodeChannel, 'logs'>): string {
  checkNode(node);
  return `${TOPIC_PREFIX}/nodes/${node}/${channel}`;
}

export function logsTopic(node: string, streamId: string): string {
  checkNode(node);
  if (!isStreamId(streamId)) throw new ProtocolError('streamId', 'must be 1-64 characters of [A-Za-z0-9_-]');
  return `${TOPIC_PREFIX}/nodes/${node}/logs/${streamId}`;
}

export function enrollTopic(clientId: string, dir: EnrollDirection): string {
  if (!isEnrollClientId(clientId)) throw new ProtocolError('clientId', 'must be "enroll:" followed by 16-64 characters of [A-Za-z0-9_-]');
  return `${TOPIC_PREFIX}/enroll/${clientId}/${dir}`;
}

/** The filters the hub subscribes to: every node's agent channels and every enrollment request. */
export function hubSubscriptions(): string[] {
  return [
    ...AGENT_PUBLISH_CHANNELS.map((c) => (c === 'logs' ? `${TOPIC_PREFIX}/nodes/+/logs/+` : `${TOPIC_PREFIX}/nodes/+/${c}`)),
    `${TOPIC_PREFIX}/enroll/+/req`,
  ];
}

/** The exact topics (no wildcards) an agent subscribes to. */
export function agentSubscriptions(node: string): string[] {
  return AGENT_SUBSCRIBE_CHANNELS.map((c) => nodeTopic(node, c));
}

function isChannel(s: string): s is NodeChannel {
  return (NODE_CHANNELS as readonly string[]).includes(s);
}

/** The structure of a concrete topic (not a filter), or undefined when it is not one of ours. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts[0] !== 'flotilla' || parts[1] !== 'v1') return undefined;
  const [, , area, id, channel, extra] = parts;
  if (id === undefined || channel === undefined) return undefined;
  if (area === 'nodes') {
    if (!isChannel(channel) || !isNodeName(id)) return undefined;
    if (channel === 'logs') {
      if (parts.length !== 6 || extra === undefined || !isStreamId(extra)) return undefined;
      return { kind: 'node', node: id, channel, streamId: extra };
    }
    return parts.length === 5 ? { kind: 'node', node: id, channel } : undefined;
  }
  if (area === 'enroll') {
    if (parts.length !== 5 || (channel !== 'req' && channel !== 'res') || !isEnrollClientId(id)) return undefined;
    return { kind: 'enroll', clientId: id, dir: channel };
  }
  return undefined;
}

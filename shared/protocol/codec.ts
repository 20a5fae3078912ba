/**
 * The one place messages are encoded and decoded. Decoding checks, in order: size, UTF-8,
 * JSON syntax, `v`, that `t` is the type the channel carries, then that type's schema, and
 * returns a freshly built typed value or throws a ProtocolError naming the field.
 */
import { openEnvelope } from './envelope.js';
import type { Fields } from './fields.js';
import type {
  CommandMessage,
  EnrollRequestMessage,
  EnrollResponseMessage,
  EventsMessage,
  HeartbeatMessage,
  LogChunkMessage,
  Message,
  PodsMessage,
  PresenceMessage,
  StatusMessage,
} from './messages.js';
import type { ParsedTopic } from './topics.js';
import { readEnrollRequest, readEvents, readHeartbeat, readLogChunk, readPods, readPresence } from './agent-schemas.js';
import { readCommand, readEnrollResponse } from './hub-schemas.js';
import type { StreamInMessage, StreamOutMessage } from './stream-messages.js';
import { readStreamIn, readStreamOut } from './stream-schemas.js';
import { readMetrics, type MetricsMessage } from './metrics.js';
import { readStatusMessage } from './node-status-schema.js';

export interface DecodeLimits {
  /** Largest payload accepted on any channel. */
  maxBytes: number;
  /** Largest heartbeat or presence payload: these are tiny by design. */
  maxSmallBytes: number;
  maxEvents: number;
  maxPods: number;
}

export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = {
  maxBytes: 256 * 1024,
  maxSmallBytes: 512,
  maxEvents: 100,
  maxPods: 256,
};

/** Message type carried by each channel the hub decodes. */
export interface AgentChannelMessages {
  hb: HeartbeatMessage;
  status: StatusMessage;
  presence: PresenceMessage;
  events: EventsMessage;
  pods: PodsMessage;
  logs: LogChunkMessage;
  'stream-out': StreamOutMessage;
  'enroll-req': EnrollRequestMessage;
  metrics: MetricsMessage;
}
export type AgentChannel = keyof AgentChannelMessages;

/** Message type carried by each channel the agent decodes (desired: see openDesired). */
export interface HubChannelMessages {
  cmd: CommandMessage;
  'stream-in': StreamInMessage;
  'enroll-res': EnrollResponseMessage;
}
export type HubChannel = keyof HubChannelMessages;

interface Spec<M extends Message | StreamInMessage | StreamOutMessage> {
  t: M['t'];
  small?: boolean;
  read: (f: Fields, limits: DecodeLimits) => M;
}

const AGENT_SPECS: { [C in AgentChannel]: Spec<AgentChannelMessages[C]> } = {
  hb: { t: 'hb', small: true, read: readHeartbeat },
  status: { t: 'status', read: readStatusMessage },
  presence: { t: 'presence', small: true, read: readPresence },
  events: { t: 'events', read: readEvents },
  pods: { t: 'pods', read: readPods },
  logs: { t: 'logChunk', read: readLogChunk },
  'stream-out': { t: 'streamOut', read: readStreamOut },
  'enroll-req': { t: 'enrollReq', read: readEnrollRequest },
  metrics: { t: 'metrics', read: readMetrics },
};

const HUB_SPECS: { [C in HubChannel]: Spec<HubChannelMessages[C]> } = {
  cmd: { t: 'cmd', read: readCommand },
  'stream-in': { t: 'streamIn', read: readStreamIn },
  'enroll-res': { t: 'enrollRes', read: readEnrollResponse },
};

function decodeWith<M extends Message | StreamInMessage | StreamOutMessage>(spec: Spec<M>, channel: string, payload: Uint8Array, limits: DecodeLimits): M {
  const maxBytes = spec.small === true ? Math.min(limits.maxSmallBytes, limits.maxBytes) : limits.maxBytes;
  return spec.read(openEnvelope(payload, maxBytes, spec.t, channel), limits);
}

/** Decodes what an agent (or bootstrap client) published on `channel`. Throws ProtocolError. */
export function decodeAgentMessage<C extends AgentChannel>(
  channel: C,
  payload: Uint8Array,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): AgentChannelMessages[C] {
  return decodeWith(AGENT_SPECS[channel], channel, payload, limits);
}

/** Decodes what the hub published on `channel`. Throws ProtocolError. */
export function decodeHubMessage<C extends HubChannel>(
  channel: C,
  payload: Uint8Array,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): HubChannelMessages[C] {
  return decodeWith(HUB_SPECS[channel], channel, payload, limits);
}

/** The decoder channel for a parsed topic; `desired` goes to openDesired instead. */
export function channelOf(topic: ParsedTopic): AgentChannel | HubChannel | 'desired' {
  if (topic.kind === 'enroll') return topic.dir === 'req' ? 'enroll-req' : 'enroll-res';
  return topic.channel;
}

export function encode(msg: Message | StreamInMessage | StreamOutMessage): Buffer {
  return Buffer.from(JSON.stringify(msg), 'utf8');
}

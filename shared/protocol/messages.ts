/**
 * Messages on the wire: JSON objects `{ v: 1, t: '<type>', … }`, one type per channel.
 * Decoding (codec.ts) builds these from scratch: fields not listed here are dropped, never
 * carried through, except `PodStatusReport.status`, which stays an opaque object for the hub's
 * own Pod status validation.
 */
import type { NodeAddress, NodeSystemInfo } from '../api/types/node.js';
import type { JsonObject } from '../util/guards.js';
import type { DesiredRevision } from './revision.js';
import type { MetricsCommand, MetricsMessage } from './metrics.js';

export const PROTOCOL_VERSION = 1;

// ---- agent → hub -----------------------------------------------------------------------

/** Heartbeat: `s` counts up from 0 per agent process; `h` is statusHash() of the last status sent. */
export interface HeartbeatMessage {
  v: 1;
  t: 'hb';
  s: number;
  h: string;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface NodeCondition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

/** Kubernetes' NodeAddress and NodeSystemInfo (fields the agent cannot tell are left out). */
export type { NodeAddress, NodeSystemInfo } from '../api/types/node.js';

export const NODE_SYSTEM_INFO_FIELDS = [
  'machineID',
  'systemUUID',
  'bootID',
  'kernelVersion',
  'osImage',
  'containerRuntimeVersion',
  'kubeletVersion',
  'kubeProxyVersion',
  'operatingSystem',
  'architecture',
] as const satisfies readonly (keyof NodeSystemInfo)[];

export interface NodeDaemonEndpoints {
  kubeletEndpoint?: { Port: number };
}

/** The part of a Kubernetes NodeStatus an agent reports. */
export interface NodeStatusReport {
  conditions: NodeCondition[];
  addresses: NodeAddress[];
  /** Resource name → quantity string. */
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  nodeInfo: NodeSystemInfo;
  daemonEndpoints?: NodeDaemonEndpoints;
}

/** Full node status, sent when it changes (and on the hub's `sendStatus` command). */
export interface StatusMessage {
  v: 1;
  t: 'status';
  /** statusHash({ status, labels, annotations, applied }). */
  hash: string;
  status: NodeStatusReport;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  /** The revision of the desired document the device has carried out (absent: none yet). */
  applied?: DesiredRevision;
}

export type PresenceState = 'online' | 'offline';

/** `online` is published on connect; `offline` is the last will (and sent on clean shutdown). */
export interface PresenceMessage {
  v: 1;
  t: 'presence';
  state: PresenceState;
  agentVersion?: string;
  bootId?: string;
}

export type EventType = 'Normal' | 'Warning';

export interface InvolvedObjectRef {
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export const EVENT_REASON_MAX_LENGTH = 128;
/** Agents truncate longer messages; the decoder refuses them. */
export const EVENT_MESSAGE_MAX_LENGTH = 1024;

export interface NodeEvent {
  type: EventType;
  reason: string;
  message: string;
  involved: InvolvedObjectRef;
  count?: number;
  /** From the device clock: informational, the hub stamps its own times. */
  firstTimestamp?: string;
  lastTimestamp?: string;
}

export interface EventsMessage {
  v: 1;
  t: 'events';
  events: NodeEvent[];
}

export interface PodStatusReport {
  uid: string;
  namespace: string;
  name: string;
  /** A Kubernetes PodStatus; only checked to be an object here. */
  status: JsonObject;
  /**
   * The pod is gone from the device for good: every container stopped and removed. For a pod
   * the hub is deleting (deletionTimestamp set) this completes the deletion; `status` is then
   * the last one seen (`{}` will do) and is not written.
   */
  deleted?: true;
}

export interface PodsMessage {
  v: 1;
  t: 'pods';
  pods: PodStatusReport[];
}

/** Sent by a bootstrap client on its enroll req topic. Keys are padded base64 of 32 bytes. */
export interface EnrollRequestMessage {
  v: 1;
  t: 'enrollReq';
  /** Bootstrap token `[a-z0-9]{6}.[a-z0-9]{16}`. */
  token: string;
  nodeName: string;
  signingKey: string;
  boxKey: string;
  agentVersion: string;
  arch?: string;
}

/** A chunk of a log stream the hub asked for with a `logs` command. */
export interface LogChunkMessage {
  v: 1;
  t: 'logChunk';
  streamId: string;
  /** Counts up from 0 within the stream, so the hub can spot lost (QoS 0) chunks. */
  seq: number;
  /** UTF-8 text. */
  data: string;
  /** The stream ended (the container exited, or `follow` was false and the tail was sent). */
  eof?: boolean;
  /** Why the stream ended early (no such pod/container, Docker error). Implies eof. */
  error?: string;
}

export type AgentMessage =
  | HeartbeatMessage
  | StatusMessage
  | PresenceMessage
  | EventsMessage
  | PodsMessage
  | EnrollRequestMessage
  | LogChunkMessage
  | MetricsMessage;

// ---- hub → agent -----------------------------------------------------------------------

/** Reasons the hub gives for refusing an enrollment; others may be added. */
export const ENROLL_REFUSAL_REASONS = ['invalid-token', 'name-conflict', 'invalid-request', 'internal-error'] as const;

export type EnrollResponseMessage =
  | { v: 1; t: 'enrollRes'; ok: true; nodeName: string; /** hub's Ed25519 public key, padded base64 */ hubKey: string }
  | { v: 1; t: 'enrollRes'; ok: false; reason: string; message: string };

export interface SendStatusCommand {
  v: 1;
  t: 'cmd';
  cmd: 'sendStatus';
}

/** Start streaming a container's log to `flotilla/v1/nodes/NAME/logs/STREAMID`. */
export interface LogsCommand {
  v: 1;
  t: 'cmd';
  cmd: 'logs';
  streamId: string;
  namespace: string;
  pod: string;
  /** The pod's metadata.uid: the device streams this pod's container, never a same-named predecessor's. */
  podUid?: string;
  container?: string;
  follow?: boolean;
  tailLines?: number;
  /** Only lines newer than this many seconds before the device's now. */
  sinceSeconds?: number;
  /** Only lines at or after this RFC 3339 time (Kubernetes' sinceTime); at most one of the two. */
  sinceTime?: string;
  timestamps?: boolean;
  /** The container's previous (terminated) instance, as `kubectl logs --previous`. */
  previous?: boolean;
}

export interface LogsStopCommand {
  v: 1;
  t: 'cmd';
  cmd: 'logsStop';
  streamId: string;
}

export type CommandMessage = SendStatusCommand | LogsCommand | LogsStopCommand | MetricsCommand;

export type HubMessage = EnrollResponseMessage | CommandMessage;

export type Message = AgentMessage | HubMessage;

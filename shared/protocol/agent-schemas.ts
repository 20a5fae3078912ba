/** Schemas of the agent → hub messages other than `status` (node-status-schema.ts). */
import { isDNS1123Label, isDNS1123Subdomain } from '../api/validation/names.js';
import { BOX_PUBLIC_KEY_BYTES, SIGNING_PUBLIC_KEY_BYTES } from '../crypto/keys.js';
import { fromBase64 } from '../crypto/base64.js';
import { parseBootstrapToken } from './bootstrap-token.js';
import type { Fields, StringRules } from './fields.js';
import { checkRecord, fail, rfc3339Problems } from './fields.js';
import type {
  EnrollRequestMessage,
  EventsMessage,
  HeartbeatMessage,
  InvolvedObjectRef,
  LogChunkMessage,
  NodeEvent,
  PodsMessage,
  PodStatusReport,
  PresenceMessage,
} from './messages.js';
import { EVENT_MESSAGE_MAX_LENGTH, EVENT_REASON_MAX_LENGTH } from './messages.js';
import { statusHashProblems } from './node-status-schema.js';
import { isStreamId } from './topics.js';

export const NODE_NAME: StringRules = { check: isDNS1123Subdomain };
export const NAMESPACE: StringRules = { check: isDNS1123Label };
export const OBJECT_NAME: StringRules = { check: isDNS1123Subdomain };
export const STREAM_ID: StringRules = { check: (s) => (isStreamId(s) ? [] : ['must be 1-64 characters of [A-Za-z0-9_-]']) };
export const UID: StringRules = { max: 128 };
const TIMESTAMP: StringRules = { check: rfc3339Problems };
const VERSION: StringRules = { max: 64 };

/** Padded base64 of exactly `bytes` bytes. */
export function base64KeyRules(bytes: number): StringRules {
  return {
    check: (s) => {
      const decoded = fromBase64(s);
      if (!decoded) return ['expected padded base64'];
      return decoded.length === bytes ? [] : [`expected ${bytes} bytes, got ${decoded.length}`];
    },
  };
}

export interface ListLimits {
  maxEvents: number;
  maxPods: number;
}

export function readHeartbeat(f: Fields): HeartbeatMessage {
  return { v: 1, t: 'hb', s: f.int('s', 0), h: f.string('h', { check: statusHashProblems }) };
}

export function readPresence(f: Fields): PresenceMessage {
  const out: PresenceMessage = { v: 1, t: 'presence', state: f.oneOf('state', ['online', 'offline'] as const) };
  const agentVersion = f.optString('agentVersion', VERSION);
  const bootId = f.optString('bootId', { max: 64 });
  if (agentVersion !== undefined) out.agentVersion = agentVersion;
  if (bootId !== undefined) out.bootId = bootId;
  return out;
}

function readInvolved(f: Fields): InvolvedObjectRef {
  const r = f.record('involved');
  const out: InvolvedObjectRef = { kind: r.string('kind', { max: 63 }), name: r.string('name', OBJECT_NAME) };
  const namespace = r.optString('namespace', NAMESPACE);
  const uid = r.optString('uid', UID);
  if (namespace !== undefined) out.namespace = namespace;
  if (uid !== undefined) out.uid = uid;
  return out;
}

export function readEvents(f: Fields, limits: ListLimits): EventsMessage {
  const events = f.array('events', limits.maxEvents).map(({ item, path }): NodeEvent => {
    const e = checkRecord(item, path);
    const out: NodeEvent = {
      type: e.oneOf('type', ['Normal', 'Warning'] as const),
      reason: e.string('reason', { max: EVENT_REASON_MAX_LENGTH }),
      message: e.string('message', { empty: true, max: EVENT_MESSAGE_MAX_LENGTH }),
      involved: readInvolved(e),
    };
    const count = e.optInt('count', 1);
    const firstTimestamp = e.optString('firstTimestamp', TIMESTAMP);
    const lastTimestamp = e.optString('lastTimestamp', TIMESTAMP);
    if (count !== undefined) out.count = count;
    if (firstTimestamp !== undefined) out.firstTimestamp = firstTimestamp;
    if (lastTimestamp !== undefined) out.lastTimestamp = lastTimestamp;
    return out;
  });
  return { v: 1, t: 'events', events };
}

export function readPods(f: Fields, limits: ListLimits): PodsMessage {
  const pods = f.array('pods', limits.maxPods).map(({ item, path }): PodStatusReport => {
    const p = checkRecord(item, path);
    const out: PodStatusReport = {
      uid: p.string('uid', UID),
      namespace: p.string('namespace', NAMESPACE),
      name: p.string('name', OBJECT_NAME),
      status: p.record('status').obj,
    };
    // `deleted: false` says nothing: it is left out.
    if (p.optBool('deleted') === true) out.deleted = true;
    return out;
  });
  return { v: 1, t: 'pods', pods };
}

export function readEnrollRequest(f: Fields): EnrollRequestMessage {
  const token = f.string('token');
  parseBootstrapToken(token, f.at('token'));
  const out: EnrollRequestMessage = {
    v: 1,
    t: 'enrollReq',
    token,
    nodeName: f.string('nodeName', NODE_NAME),
    signingKey: f.string('signingKey', base64KeyRules(SIGNING_PUBLIC_KEY_BYTES)),
    boxKey: f.string('boxKey', base64KeyRules(BOX_PUBLIC_KEY_BYTES)),
    agentVersion: f.string('agentVersion', VERSION),
  };
  const arch = f.optString('arch', { max: 32 });
  if (arch !== undefined) out.arch = arch;
  return out;
}

export function readLogChunk(f: Fields): LogChunkMessage {
  const out: LogChunkMessage = {
    v: 1,
    t: 'logChunk',
    streamId: f.string('streamId', STREAM_ID),
    seq: f.int('seq', 0),
    data: f.string('data', { empty: true }),
  };
  const eof = f.optBool('eof');
  const error = f.optString('error', { max: 1024 });
  if (eof !== undefined) out.eof = eof;
  if (error !== undefined) {
    out.error = error;
    if (eof === false) fail(f.at('eof'), 'must not be false when error is set');
    out.eof = true;
  }
  return out;
}

/** Schemas of the hub → agent messages (the desired document has its own envelope: desired.ts). */
import { SIGNING_PUBLIC_KEY_BYTES } from '../crypto/keys.js';
import { NAMESPACE, NODE_NAME, OBJECT_NAME, STREAM_ID, UID, base64KeyRules } from './agent-schemas.js';
import { rfc3339Problems, type Fields } from './fields.js';
import { isDNS1123Label } from '../api/validation/names.js';
import type { CommandMessage, EnrollResponseMessage, LogsCommand } from './messages.js';

export function readEnrollResponse(f: Fields): EnrollResponseMessage {
  if (f.bool('ok')) {
    return { v: 1, t: 'enrollRes', ok: true, nodeName: f.string('nodeName', NODE_NAME), hubKey: f.string('hubKey', base64KeyRules(SIGNING_PUBLIC_KEY_BYTES)) };
  }
  return { v: 1, t: 'enrollRes', ok: false, reason: f.string('reason', { max: 64 }), message: f.string('message', { empty: true, max: 1024 }) };
}

function readLogsCommand(f: Fields): LogsCommand {
  const out: LogsCommand = {
    v: 1,
    t: 'cmd',
    cmd: 'logs',
    streamId: f.string('streamId', STREAM_ID),
    namespace: f.string('namespace', NAMESPACE),
    pod: f.string('pod', OBJECT_NAME),
  };
  const podUid = f.optString('podUid', UID);
  const container = f.optString('container', { check: isDNS1123Label });
  const follow = f.optBool('follow');
  const tailLines = f.optInt('tailLines', 0);
  const sinceSeconds = f.optInt('sinceSeconds', 1);
  const sinceTime = f.optString('sinceTime', { max: 40, check: rfc3339Problems });
  const timestamps = f.optBool('timestamps');
  const previous = f.optBool('previous');
  if (podUid !== undefined) out.podUid = podUid;
  if (container !== undefined) out.container = container;
  if (follow !== undefined) out.follow = follow;
  if (tailLines !== undefined) out.tailLines = tailLines;
  if (sinceSeconds !== undefined) out.sinceSeconds = sinceSeconds;
  if (sinceTime !== undefined) out.sinceTime = sinceTime;
  if (timestamps !== undefined) out.timestamps = timestamps;
  if (previous !== undefined) out.previous = previous;
  return out;
}

export function readCommand(f: Fields): CommandMessage {
  const cmd = f.oneOf('cmd', ['sendStatus', 'logs', 'logsStop', 'metrics'] as const);
  switch (cmd) {
    case 'sendStatus':
    case 'metrics':
      return { v: 1, t: 'cmd', cmd };
    case 'logs':
      return readLogsCommand(f);
    case 'logsStop':
      return { v: 1, t: 'cmd', cmd, streamId: f.string('streamId', STREAM_ID) };
  }
}

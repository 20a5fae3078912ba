/** Schemas of the stream messages (stream-messages.ts), both directions. */
import { isDNS1123Label } from '../api/validation/names.js';
import { NAMESPACE, OBJECT_NAME, STREAM_ID, UID } from './agent-schemas.js';
import { fail, type Fields, type StringRules } from './fields.js';
import {
  STREAM_KINDS,
  STREAM_MAX_ARG_CHARS,
  STREAM_MAX_COMMAND_ARGS,
  STREAM_MAX_ERROR_CHARS,
  STREAM_MAX_FRAME_BYTES,
  STREAM_MAX_WINDOW_BYTES,
  type StreamInMessage,
  type StreamOpenSpec,
  type StreamOutMessage,
} from './stream-messages.js';

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
/** Base64 of at most STREAM_MAX_FRAME_BYTES bytes, non-empty. */
const DATA: StringRules = {
  max: Math.ceil(STREAM_MAX_FRAME_BYTES / 3) * 4,
  check: (s) => (s.length % 4 === 0 && BASE64_RE.test(s) ? [] : ['expected padded base64']),
};
const ERROR: StringRules = { empty: true, max: STREAM_MAX_ERROR_CHARS };

function readOpen(f: Fields, id: string): StreamInMessage {
  const spec: StreamOpenSpec = {
    kind: f.oneOf('kind', STREAM_KINDS),
    namespace: f.string('namespace', NAMESPACE),
    pod: f.string('pod', OBJECT_NAME),
    container: f.string('container', { check: isDNS1123Label }),
    stdin: f.bool('stdin'),
    stdout: f.bool('stdout'),
    stderr: f.bool('stderr'),
    tty: f.bool('tty'),
    window: f.int('window', STREAM_MAX_FRAME_BYTES, STREAM_MAX_WINDOW_BYTES),
  };
  const podUid = f.optString('podUid', UID);
  if (podUid !== undefined) spec.podUid = podUid;
  if (f.has('command')) {
    spec.command = f.array('command', STREAM_MAX_COMMAND_ARGS).map(({ item, path }) => {
      if (typeof item !== 'string' || item.length > STREAM_MAX_ARG_CHARS) fail(path, `expected a string of at most ${STREAM_MAX_ARG_CHARS} characters`);
      return item;
    });
  }
  const port = f.optInt('port', 1, 65535);
  if (port !== undefined) spec.port = port;
  if (spec.kind === 'exec' && (spec.command ?? []).length === 0) fail(f.at('command'), 'exec needs a command');
  if (spec.kind === 'portforward' && port === undefined) fail(f.at('port'), 'port-forward needs a port');
  return { v: 1, t: 'streamIn', op: 'open', id, ...spec };
}

export function readStreamIn(f: Fields): StreamInMessage {
  const op = f.oneOf('op', ['open', 'data', 'eof', 'resize', 'ack', 'close'] as const);
  const id = f.string('id', STREAM_ID);
  switch (op) {
    case 'open':
      return readOpen(f, id);
    case 'data':
      return { v: 1, t: 'streamIn', op, id, seq: f.int('seq', 0), data: f.string('data', DATA) };
    case 'resize':
      return { v: 1, t: 'streamIn', op, id, width: f.int('width', 0, 65535), height: f.int('height', 0, 65535) };
    case 'ack':
      return { v: 1, t: 'streamIn', op, id, bytes: f.int('bytes', 0) };
    case 'eof':
    case 'close':
      return { v: 1, t: 'streamIn', op, id };
  }
}

export function readStreamOut(f: Fields): StreamOutMessage {
  const op = f.oneOf('op', ['opened', 'data', 'eof', 'ack', 'end'] as const);
  const id = f.string('id', STREAM_ID);
  switch (op) {
    case 'opened': {
      const error = f.optString('error', ERROR);
      return error !== undefined ? { v: 1, t: 'streamOut', op, id, error } : { v: 1, t: 'streamOut', op, id };
    }
    case 'data': {
      const ch = f.int('ch', 1, 2) === 2 ? 2 : 1;
      return { v: 1, t: 'streamOut', op, id, seq: f.int('seq', 0), ch, data: f.string('data', DATA) };
    }
    case 'ack':
      return { v: 1, t: 'streamOut', op, id, bytes: f.int('bytes', 0) };
    case 'eof':
      return { v: 1, t: 'streamOut', op, id };
    case 'end': {
      const out: StreamOutMessage = { v: 1, t: 'streamOut', op, id };
      const exitCode = f.optInt('exitCode', -2147483648, 2147483647);
      const error = f.optString('error', ERROR);
      if (exitCode !== undefined) out.exitCode = exitCode;
      if (error !== undefined) out.error = error;
      return out;
    }
  }
}

/**
 * How an enrolled agent authenticates in an MQTT 3.1.1 CONNECT with neither a clock nor a
 * replayable password:
 *
 *   clientId = `node:NAME`, username = NAME,
 *   password = `v1.<counter>.<base64url Ed25519 signature>` over
 *              "flotilla-connect/v1\0" + clientId + "\0" + username + "\0" + counter
 *
 * `counter` is a decimal integer ≥ 1 that must be strictly greater than the last one the hub
 * accepted for the node. The agent bumps and persists it before each connect; the hub persists
 * the last accepted value. Bootstrap clients instead send username `bootstrap`, clientId
 * `enroll:<random>` and the bootstrap token as password (bootstrap-token.ts).
 */
import type { Sign, Verify } from '../crypto/sign.js';
import { fromBase64Url, toBase64Url } from '../crypto/base64.js';
import { SIGNATURE_BYTES } from '../crypto/keys.js';
import { errorMessage } from '../util/guards.js';
import { ProtocolError } from './errors.js';
import { nodeClientId } from './client-ids.js';
import { isNodeName } from './topics.js';

export const CONNECT_DOMAIN = 'flotilla-connect/v1\0';
/** Counters stay exact in a double (and in JSON) up to here. */
export const MAX_CONNECT_COUNTER = Number.MAX_SAFE_INTEGER;

export interface ConnectPassword {
  counter: number;
  signature: Uint8Array;
}

function checkCounter(counter: number): void {
  if (!Number.isSafeInteger(counter) || counter < 1) {
    throw new ProtocolError('counter', `must be an integer between 1 and ${MAX_CONNECT_COUNTER}`);
  }
}

/** The exact bytes the password's signature covers. */
export function connectMessage(clientId: string, node: string, counter: number): Uint8Array {
  checkCounter(counter);
  return Buffer.from(`${CONNECT_DOMAIN}${clientId}\0${node}\0${counter}`, 'utf8');
}

/** The agent's CONNECT password (`clientId` is normally nodeClientId(node)). */
export function makeConnectPassword(sign: Sign, clientId: string, node: string, counter: number): string {
  return `v1.${counter}.${toBase64Url(sign(connectMessage(clientId, node, counter)))}`;
}

const PASSWORD_RE = /^v1\.([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{86})$/;

/** Splits a CONNECT password; throws a ProtocolError (field `password`) when it is not one. */
export function parseConnectPassword(pw: Uint8Array | string): ConnectPassword {
  const text = typeof pw === 'string' ? pw : Buffer.from(pw).toString('latin1');
  if (!text.startsWith('v1.')) {
    throw new ProtocolError('password', /^v[0-9]+\./.test(text) ? 'unsupported password version (this side speaks v1)' : 'expected v1.<counter>.<signature>');
  }
  const m = PASSWORD_RE.exec(text);
  if (!m) throw new ProtocolError('password', 'expected v1.<counter>.<signature>');
  const [, counterText = '', sigText = ''] = m;
  const counter = Number(counterText);
  if (!Number.isSafeInteger(counter)) throw new ProtocolError('password', `counter exceeds ${MAX_CONNECT_COUNTER}`);
  const signature = fromBase64Url(sigText);
  if (signature?.length !== SIGNATURE_BYTES) throw new ProtocolError('password', 'signature is not 64 bytes of base64url');
  return { counter, signature };
}

export type ConnectRejection = 'malformed' | 'wrong-client-id' | 'bad-signature' | 'replayed';

export type ConnectCheck =
  | { ok: true; node: string; counter: number }
  | { ok: false; reason: ConnectRejection; message: string };

export interface ConnectAttempt {
  clientId: string;
  username: string;
  password: Uint8Array | string | undefined;
  /** The last counter the hub accepted for this node (0 if none yet). */
  lastCounter: number;
}

/**
 * The broker's whole check of an agent CONNECT, given the node's registered key. Order: shape,
 * client id, signature, then counter — so `replayed` means a genuine password seen before.
 * On `ok` the caller must store `counter` as the node's new last counter before accepting.
 */
export function verifyConnectPassword(verify: Verify, attempt: ConnectAttempt): ConnectCheck {
  const { clientId, username, password, lastCounter } = attempt;
  if (password === undefined) return { ok: false, reason: 'malformed', message: 'password: required' };
  let parsed: ConnectPassword;
  try {
    parsed = parseConnectPassword(password);
  } catch (e) {
    return { ok: false, reason: 'malformed', message: errorMessage(e) };
  }
  if (!isNodeName(username) || clientId !== nodeClientId(username)) {
    return { ok: false, reason: 'wrong-client-id', message: `clientId: must be "node:" followed by the username` };
  }
  if (!verify(connectMessage(clientId, username, parsed.counter), parsed.signature)) {
    return { ok: false, reason: 'bad-signature', message: 'password: signature does not verify with the node key' };
  }
  if (parsed.counter <= lastCounter) {
    return { ok: false, reason: 'replayed', message: `password: counter ${parsed.counter} is not above the last accepted ${lastCounter}` };
  }
  return { ok: true, node: username, counter: parsed.counter };
}

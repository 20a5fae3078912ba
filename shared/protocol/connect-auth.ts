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
 *
 * The counter alone stops replays of a CONNECT the hub has seen, but not of one an attacker
 * withheld (took off the wire and never delivered): its counter is still unused. Over TLS the
 * password is therefore `v2.<counter>.<signature>`, whose signature also covers 32 bytes of
 * keying material exported from the TLS session (RFC 5705 / RFC 8446 §7.5, label
 * CONNECT_EXPORTER_LABEL). Both ends derive them from the handshake; no one else can, and they
 * differ on every session, so a withheld password is worthless on any other connection. This
 * was chosen over an expiry on the hub's clock because it needs no extra round trip (MQTT 3.1.1
 * has no challenge) and no clock on the device at all. A plain mqtt:// link (loopback, or
 * --insecure-link) has no session to bind to and keeps v1: there a man in the middle can relay
 * the whole connection anyway, so binding would add nothing.
 */
import type { Sign, Verify } from '../crypto/sign.js';
import { fromBase64Url, toBase64Url } from '../crypto/base64.js';
import { SIGNATURE_BYTES } from '../crypto/keys.js';
import { errorMessage } from '../util/guards.js';
import { ProtocolError } from './errors.js';
import { nodeClientId } from './client-ids.js';
import { isNodeName } from './topics.js';

export const CONNECT_DOMAIN = 'flotilla-connect/v1\0';
export const CONNECT_DOMAIN_V2 = 'flotilla-connect/v2\0';
/** The TLS exporter label and length of the channel binding a v2 password signs. */
export const CONNECT_EXPORTER_LABEL = 'EXPORTER-flotilla-connect';
export const CONNECT_BINDING_BYTES = 32;
/** Counters stay exact in a double (and in JSON) up to here. */
export const MAX_CONNECT_COUNTER = Number.MAX_SAFE_INTEGER;

export interface ConnectPassword {
  version: 1 | 2;
  counter: number;
  signature: Uint8Array;
}

function checkCounter(counter: number): void {
  if (!Number.isSafeInteger(counter) || counter < 1) {
    throw new ProtocolError('counter', `must be an integer between 1 and ${MAX_CONNECT_COUNTER}`);
  }
}

/** The exact bytes the password's signature covers (v2 when a TLS channel binding is given). */
export function connectMessage(clientId: string, node: string, counter: number, binding?: Uint8Array): Uint8Array {
  checkCounter(counter);
  if (binding === undefined) return Buffer.from(`${CONNECT_DOMAIN}${clientId}\0${node}\0${counter}`, 'utf8');
  if (binding.length !== CONNECT_BINDING_BYTES) throw new ProtocolError('binding', `must be ${CONNECT_BINDING_BYTES} bytes`);
  return Buffer.concat([Buffer.from(`${CONNECT_DOMAIN_V2}${clientId}\0${node}\0${counter}\0`, 'utf8'), binding]);
}

/** The agent's CONNECT password (`clientId` is normally nodeClientId(node)); bound to the TLS session when `binding` is given. */
export function makeConnectPassword(sign: Sign, clientId: string, node: string, counter: number, binding?: Uint8Array): string {
  const v = binding === undefined ? 'v1' : 'v2';
  return `${v}.${counter}.${toBase64Url(sign(connectMessage(clientId, node, counter, binding)))}`;
}

const PASSWORD_RE = /^v([12])\.([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{86})$/;

/** Splits a CONNECT password; throws a ProtocolError (field `password`) when it is not one. */
export function parseConnectPassword(pw: Uint8Array | string): ConnectPassword {
  const text = typeof pw === 'string' ? pw : Buffer.from(pw).toString('latin1');
  if (!text.startsWith('v1.') && !text.startsWith('v2.')) {
    throw new ProtocolError('password', /^v[0-9]+\./.test(text) ? 'unsupported password version (this side speaks v1 and v2)' : 'expected v1.<counter>.<signature>');
  }
  const m = PASSWORD_RE.exec(text);
  if (!m) throw new ProtocolError('password', 'expected v1.<counter>.<signature>');
  const [, versionText, counterText = '', sigText = ''] = m;
  const counter = Number(counterText);
  if (!Number.isSafeInteger(counter)) throw new ProtocolError('password', `counter exceeds ${MAX_CONNECT_COUNTER}`);
  const signature = fromBase64Url(sigText);
  if (signature?.length !== SIGNATURE_BYTES) throw new ProtocolError('password', 'signature is not 64 bytes of base64url');
  return { version: versionText === '2' ? 2 : 1, counter, signature };
}

export type ConnectRejection = 'malformed' | 'wrong-client-id' | 'bad-signature' | 'replayed' | 'unbound';

export type ConnectCheck =
  | { ok: true; node: string; counter: number }
  | { ok: false; reason: ConnectRejection; message: string };

export interface ConnectAttempt {
  clientId: string;
  username: string;
  password: Uint8Array | string | undefined;
  /** The last counter the hub accepted for this node (0 if none yet). */
  lastCounter: number;
  /** The TLS session's exported keying material; given, only a v2 password bound to it passes. */
  binding?: Uint8Array;
}

/**
 * The broker's whole check of an agent CONNECT, given the node's registered key. Order: shape,
 * client id, signature, then counter — so `replayed` means a genuine password seen before.
 * On `ok` the caller must store `counter` as the node's new last counter before accepting.
 */
export function verifyConnectPassword(verify: Verify, attempt: ConnectAttempt): ConnectCheck {
  const { clientId, username, password, lastCounter, binding } = attempt;
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
  if (binding !== undefined && parsed.version !== 2) {
    return { ok: false, reason: 'unbound', message: 'password: over TLS the password must be v2, bound to the TLS session (update the agent)' };
  }
  if (binding === undefined && parsed.version !== 1) {
    return { ok: false, reason: 'unbound', message: 'password: a v2 password needs a TLS connection' };
  }
  if (!verify(connectMessage(clientId, username, parsed.counter, binding), parsed.signature)) {
    return { ok: false, reason: 'bad-signature', message: 'password: signature does not verify with the node key' };
  }
  if (parsed.counter <= lastCounter) {
    return { ok: false, reason: 'replayed', message: `password: counter ${parsed.counter} is not above the last accepted ${lastCounter}` };
  }
  return { ok: true, node: username, counter: parsed.counter };
}

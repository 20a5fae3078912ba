/**
 * MQTT client ids and usernames. An enrolled agent connects as clientId `node:NAME` with
 * username NAME; a bootstrap client as clientId `enroll:<random>` with username `bootstrap`.
 */
import { randomToken } from '../crypto/random.js';
import { ProtocolError } from './errors.js';
import { ENROLL_CLIENT_ID_PREFIX, isEnrollClientId, isNodeName } from './topics.js';

export const NODE_CLIENT_ID_PREFIX = 'node:';
export const BOOTSTRAP_USERNAME = 'bootstrap';

export type ParsedClientId = { kind: 'node'; node: string } | { kind: 'enroll'; clientId: string };

export function nodeClientId(node: string): string {
  if (!isNodeName(node)) throw new ProtocolError('node', 'invalid node name');
  return `${NODE_CLIENT_ID_PREFIX}${node}`;
}

/** A fresh bootstrap client id: `enroll:` and 22 base64url characters (128 random bits). */
export function generateEnrollClientId(): string {
  return `${ENROLL_CLIENT_ID_PREFIX}${randomToken(16)}`;
}

/** What kind of client an id names, or undefined for ids of neither form. */
export function parseClientId(clientId: string): ParsedClientId | undefined {
  if (clientId.startsWith(NODE_CLIENT_ID_PREFIX)) {
    const node = clientId.slice(NODE_CLIENT_ID_PREFIX.length);
    return isNodeName(node) ? { kind: 'node', node } : undefined;
  }
  return isEnrollClientId(clientId) ? { kind: 'enroll', clientId } : undefined;
}

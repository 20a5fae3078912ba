/** The 8-hex hash heartbeats carry, so the hub can tell it holds the node's latest status. */
import { sha256 } from '../crypto/digest.js';
import { canonicalJsonBytes } from './canonical-json.js';
import type { StatusMessage } from './messages.js';

/** First 8 hex digits of SHA-256 over the canonical JSON of `{ status, labels, annotations, applied }`. */
export function statusHash(content: Pick<StatusMessage, 'status' | 'labels' | 'annotations' | 'applied'>): string {
  const { status, labels, annotations, applied } = content;
  return Buffer.from(sha256(canonicalJsonBytes({ status, labels, annotations, applied }))).toString('hex').slice(0, 8);
}

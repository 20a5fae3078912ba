/**
 * What the broker checks around a CONNECT besides the credentials: a rate limit per identity
 * (a device in a reconnect loop, or someone hammering one node's name, must not make the hub
 * verify signatures and write counters at line rate), the channel binding of a TLS session,
 * and that a refused connection's socket is closed at once rather than held open (an
 * unauthenticated client must not be able to pile up file descriptors).
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { CONNECT_BINDING_BYTES, CONNECT_EXPORTER_LABEL } from '../../shared/protocol/index.js';

export interface ConnectRateLimit {
  /** CONNECT attempts one identity (client id) may make per window; more are refused. */
  perIdentity: number;
  windowMs: number;
  /** Identities tracked at once; past it the oldest windows are forgotten. */
  maxTracked: number;
}

export const DEFAULT_CONNECT_RATE: ConnectRateLimit = { perIdentity: 20, windowMs: 60_000, maxTracked: 100_000 };

/** A fixed-window counter per identity, bounded in memory. */
export class ConnectRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: ConnectRateLimit,
    private readonly now: () => number,
  ) {}

  /** Counts one attempt; false when `identity` is over its limit in the current window. */
  allow(identity: string): boolean {
    const t = this.now();
    const w = this.windows.get(identity);
    if (!w || t - w.start >= this.limit.windowMs) {
      this.windows.delete(identity);
      if (this.windows.size >= this.limit.maxTracked) {
        const oldest = this.windows.keys().next();
        if (!oldest.done) this.windows.delete(oldest.value);
      }
      this.windows.set(identity, { start: t, count: 1 });
      return true;
    }
    w.count += 1;
    return w.count <= this.limit.perIdentity;
  }
}

/** Keying material exported from a TLS session for the CONNECT password (undefined on plain TCP). */
export function channelBinding(socket: Socket): Buffer | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  return socket.exportKeyingMaterial(CONNECT_BINDING_BYTES, CONNECT_EXPORTER_LABEL, Buffer.alloc(0));
}

/** After a refusal's CONNACK has been flushed, the socket goes; a client that does not read is cut off anyway. */
export function closeRefused(socket: Socket, graceMs = 1000): void {
  socket.end();
  const t = setTimeout(() => socket.destroy(), graceMs);
  t.unref();
  socket.once('close', () => clearTimeout(t));
}

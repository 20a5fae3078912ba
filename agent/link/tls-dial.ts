/**
 * The agent's TLS connection to the hub, made before any MQTT byte is sent, so that
 *
 * * with a CA pin from the join string (and no CA known yet) the hub's chain is fetched, the CA
 *   whose public key matches the pin is picked out of it (as kubeadm's discovery does with
 *   --discovery-token-ca-cert-hash), and only then a verified connection is made: a rogue hub
 *   never sees the bootstrap token;
 * * the CONNECT password can be bound to this TLS session's exported keying material
 *   (shared/protocol/connect-auth.ts).
 */
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { caCertPin } from '../../shared/crypto/index.js';
import { CONNECT_BINDING_BYTES, CONNECT_EXPORTER_LABEL } from '../../shared/protocol/index.js';

export class CaPinMismatch extends Error {
  readonly code = 'CA_PIN_MISMATCH';
  constructor(pin: string, seen: string[]) {
    super(`the hub's certificate chain holds no CA matching the pinned ${pin} (it offered ${seen.join(', ') || 'no CA'}): not the hub of the join string`);
    this.name = 'CaPinMismatch';
  }
}

export interface TlsTarget {
  host: string;
  port: number;
  /** Trusted CA PEM; undefined: the system store. */
  ca?: string;
  timeoutMs: number;
}

function handshake(opts: ConnectionOptions, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(opts);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`TLS handshake did not finish within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeListener('error', fail);
      resolve(socket);
    });
    const fail = (e: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    socket.once('error', fail);
  });
}

function serverName(host: string): string | undefined {
  // SNI carries names only, never IP addresses.
  return /^[\d.]+$/.test(host) || host.includes(':') ? undefined : host;
}

/** A verified TLS connection (chain to `ca` or the system store, and the host name). */
export function dialTls(t: TlsTarget): Promise<TLSSocket> {
  const name = serverName(t.host);
  return handshake({ host: t.host, port: t.port, ...(name ? { servername: name } : {}), ...(t.ca !== undefined ? { ca: t.ca } : {}), rejectUnauthorized: true, minVersion: 'TLSv1.2' }, t.timeoutMs);
}

/**
 * Finds the hub's CA by its pin: an unverified handshake only to read the chain (nothing is
 * sent on it), then the CA certificate whose public key hashes to `pin`. Throws CaPinMismatch.
 */
export async function discoverPinnedCa(t: Omit<TlsTarget, 'ca'>, pin: string): Promise<string> {
  const name = serverName(t.host);
  const socket = await handshake({ host: t.host, port: t.port, ...(name ? { servername: name } : {}), rejectUnauthorized: false, minVersion: 'TLSv1.2' }, t.timeoutMs);
  try {
    const seen: string[] = [];
    let cert = socket.getPeerCertificate(true);
    for (let depth = 0; depth < 8 && cert.raw !== undefined; depth++) {
      const x = new X509Certificate(cert.raw);
      const p = caCertPin(x);
      if (x.ca) {
        if (p === pin) return x.toString();
        seen.push(p);
      }
      if (cert.issuerCertificate === cert) break; // self-signed root
      cert = cert.issuerCertificate;
    }
    throw new CaPinMismatch(pin, seen);
  } finally {
    socket.destroy();
  }
}

export function exportBinding(socket: TLSSocket): Buffer {
  return socket.exportKeyingMaterial(CONNECT_BINDING_BYTES, CONNECT_EXPORTER_LABEL, Buffer.alloc(0));
}

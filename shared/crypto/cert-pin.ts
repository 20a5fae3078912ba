/**
 * Pins of the hub's CA as kubeadm makes them (`--discovery-token-ca-cert-hash`): `sha256:<hex>`
 * of the CA certificate's DER SubjectPublicKeyInfo, so a renewed CA certificate over the same
 * key keeps the pin.
 */
import { X509Certificate } from 'node:crypto';
import { sha256 } from './digest.js';

export const CA_PIN_RE = /^sha256:[0-9a-f]{64}$/;

/** The pin of one PEM (or DER) certificate. */
export function caCertPin(cert: string | Uint8Array | X509Certificate): string {
  const x = cert instanceof X509Certificate ? cert : new X509Certificate(typeof cert === 'string' ? cert : Buffer.from(cert));
  const spki = x.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${Buffer.from(sha256(spki)).toString('hex')}`;
}

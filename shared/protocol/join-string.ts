/**
 * The join string `flotctl token create` prints and a device enrolls with: the hub's MQTT
 * address, the bootstrap token, and pins of the hub's CA and signing key, in one URL
 *
 *   mqtts://abcdef.0123456789abcdef@hub.example:8883/?ca=sha256:<64 hex>&key=sha256:<64 hex>
 *
 * (as kubeadm's `join HOST --token T --discovery-token-ca-cert-hash sha256:…`). With both pins
 * a device never trusts a hub on first use: the CA pin is checked in the TLS handshake before
 * the token is sent, the key pin on the enrollment answer. A bare token (`abcdef.0123…`, the
 * old form) still parses; it carries no address and no pins.
 */
import { CA_PIN_RE } from '../crypto/cert-pin.js';
import { isBootstrapToken } from './bootstrap-token.js';
import { ProtocolError } from './errors.js';

export interface JoinString {
  /** The hub's MQTT URL without credentials or query (`mqtts://host:port`). */
  hubUrl: string;
  token: string;
  /** `sha256:<hex>` of the CA's SubjectPublicKeyInfo; required with mqtts://. */
  caPin?: string;
  /** `sha256:<hex>` fingerprint of the hub's Ed25519 signing key. */
  keyPin: string;
}

const KEY_PIN_RE = CA_PIN_RE;
const SCHEMES = ['mqtts:', 'mqtt:'];

export function isJoinString(s: string): boolean {
  return /^mqtts?:\/\//.test(s);
}

/** Parses a join string; throws a ProtocolError naming the part that is wrong (never echoing the token). */
export function parseJoinString(s: string, field = 'token'): JoinString {
  let url: URL;
  try {
    url = new URL(s.trim());
  } catch {
    throw new ProtocolError(field, 'not a join string: expected mqtts://TOKEN@HOST:PORT/?ca=sha256:…&key=sha256:…');
  }
  if (!SCHEMES.includes(url.protocol)) throw new ProtocolError(field, `join string: unsupported scheme "${url.protocol}"`);
  if (url.hostname === '' || url.port === '') throw new ProtocolError(field, 'join string: needs HOST:PORT');
  const token = decodeURIComponent(url.username);
  if (!isBootstrapToken(token) || url.password !== '') throw new ProtocolError(field, 'join string: the part before "@" is not a bootstrap token');
  if (url.pathname !== '' && url.pathname !== '/') throw new ProtocolError(field, 'join string: has a path');
  const params = url.searchParams;
  for (const k of params.keys()) if (k !== 'ca' && k !== 'key') throw new ProtocolError(field, `join string: unknown parameter "${k}"`);
  const keyPin = params.get('key') ?? '';
  if (!KEY_PIN_RE.test(keyPin)) throw new ProtocolError(field, 'join string: key= must be sha256:<64 hex> (the hub signing key fingerprint)');
  const ca = params.get('ca');
  if (url.protocol === 'mqtts:' && (ca === null || !CA_PIN_RE.test(ca))) {
    throw new ProtocolError(field, 'join string: ca= must be sha256:<64 hex> (the hub CA pin) for an mqtts:// hub');
  }
  if (ca !== null && !CA_PIN_RE.test(ca)) throw new ProtocolError(field, 'join string: ca= must be sha256:<64 hex>');
  const out: JoinString = { hubUrl: `${url.protocol}//${url.host}`, token, keyPin };
  if (ca !== null) out.caPin = ca;
  return out;
}

export function formatJoinString(j: JoinString): string {
  const url = new URL(j.hubUrl);
  const q = new URLSearchParams();
  if (j.caPin !== undefined) q.set('ca', j.caPin);
  q.set('key', j.keyPin);
  // URLSearchParams would escape ":"; the pins' alphabet needs no escaping.
  return `${url.protocol}//${j.token}@${url.host}/?${q.toString().replaceAll('%3A', ':')}`;
}

/**
 * Checks of single settings: each takes the raw value (a flag's string or config.json's JSON) and
 * returns it parsed, or throws Invalid with a message for the user (never echoing a secret).
 */
import { X509Certificate } from 'node:crypto';
import { isAbsolute, posix, resolve } from 'node:path';
import { isPodSecurityLevel, type PodSecurityLevel } from '../../shared/api/pod-security/index.js';
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../../shared/api/validation/names.js';
import { decodeBase64Key, SIGNING_PUBLIC_KEY_BYTES } from '../../shared/crypto/index.js';
import { isBootstrapToken, isJoinString } from '../../shared/protocol/index.js';
import { parseDuration } from '../../shared/util/duration.js';
import { errnoCode, errorMessage, isRecord } from '../../shared/util/guards.js';
import { isLogLevel, type LogLevel } from '../../shared/util/logger.js';
import type { ConfigProblem, Source } from './types.js';

export const HEARTBEAT_MIN_MS = 1000;
export const HEARTBEAT_MAX_MS = 10 * 60_000;
export const STATUS_INTERVAL_MAX_MS = 24 * 3_600_000;
export const RECONCILE_INTERVAL_MIN_MS = 200;
export const RECONCILE_INTERVAL_MAX_MS = 5 * 60_000;
export const RECONNECT_MAX_DELAY_MIN_MS = 1000;
export const RECONNECT_MAX_DELAY_MAX_MS = 60 * 60_000;
const IMAGE_REF_RE = /^[a-z0-9][a-z0-9._:/@-]*[a-z0-9]$/i;
const FINGERPRINT_RE = /^sha256:[0-9a-f]{64}$/;
const HUB_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'] as const;
/** Hub URL schemes that run over TLS, where a configured CA applies. */
export const TLS_HUB_SCHEMES = ['mqtts:', 'wss:'] as const;
const PEM_CERT_BEGIN = '-----BEGIN CERTIFICATE-----';
const PEM_CERT_RE = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;
/** Label domains the agent (or Kubernetes) owns; a node's extra labels may not use them. */
const RESERVED_LABEL_DOMAINS = ['kubernetes.io', 'k8s.io', 'flotilla.io'];
/** …except these, which kubelet also lets a node set on itself. */
const ALLOWED_LABEL_DOMAINS = ['node.kubernetes.io', 'kubelet.kubernetes.io'];

/** A bad value; the message says what was expected. */
export class Invalid extends Error {}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function str(v: unknown, example: string): string {
  if (typeof v !== 'string') throw new Invalid(`expected a string such as ${example}, got ${typeName(v)}`);
  return v;
}

export function parseHubUrl(v: unknown): string {
  const text = str(v, '"mqtt://hub.example:1883"').trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Invalid(`expected a URL such as mqtt://hub.example:1883, got "${text}"`);
  }
  if (!(HUB_SCHEMES as readonly string[]).includes(url.protocol)) {
    throw new Invalid(`unsupported scheme "${url.protocol}" (use mqtt://, mqtts://, ws:// or wss://)`);
  }
  if (url.hostname === '') throw new Invalid(`"${text}" names no host`);
  if (url.username !== '' || url.password !== '') throw new Invalid('must not carry credentials (the agent authenticates with its key)');
  if (url.search !== '' || url.hash !== '') throw new Invalid('must not have a query or fragment');
  if ((url.protocol === 'mqtt:' || url.protocol === 'mqtts:') && url.pathname !== '' && url.pathname !== '/') {
    throw new Invalid('an mqtt:// URL has no path');
  }
  return text;
}

export function parseNodeName(v: unknown): string {
  const name = str(v, '"pi-kitchen"');
  const problems = isDNS1123Subdomain(name);
  if (problems.length > 0) throw new Invalid(`"${name}" is not a valid node name: ${problems.join('; ')}`);
  return name;
}

export function parseToken(v: unknown): string {
  // Never echo the value: it is a secret.
  const token = str(v, '"abcdef.0123456789abcdef"').trim();
  if (isJoinString(token)) return token; // checked with the hub settings (link-policy.ts)
  if (!isBootstrapToken(token)) throw new Invalid('not a join string (mqtts://TOKEN@HOST:PORT/?ca=…&key=…, printed by `flotctl token create`) nor a bootstrap token');
  return token;
}

export function parsePath(cwd: string): (v: unknown) => string {
  return (v) => {
    const p = str(v, '"/var/run/docker.sock"');
    if (p === '') throw new Invalid('must not be empty');
    return isAbsolute(p) ? p : resolve(cwd, p);
  };
}

export function parseDurationBetween(minMs: number, maxMs: number): (v: unknown) => number {
  return (v) => {
    const text = str(v, '"10s"');
    let ms: number;
    try {
      ms = parseDuration('duration', text);
    } catch {
      throw new Invalid(`expected a duration such as 500ms, 10s, 1m30s or 2h, got "${text}"`);
    }
    if (ms < minMs || ms > maxMs) throw new Invalid(`must be between ${formatMs(minMs)} and ${formatMs(maxMs)}, got "${text}"`);
    return ms;
  };
}

export function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export function parseImageRef(v: unknown): string {
  const s = str(v, '"registry.k8s.io/pause:3.10"');
  if (!IMAGE_REF_RE.test(s)) throw new Invalid(`"${s}" is not an image reference`);
  return s;
}

export function parseCommand(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x): x is string => typeof x === 'string' && x !== '')) {
    throw new Invalid(`expected a non-empty array of non-empty strings, e.g. ["sleep", "2147483647"], got ${typeName(v)}`);
  }
  return v;
}

export function parsePidsLimit(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -1) throw new Invalid(`expected an integer, -1 or 0 for no limit, got ${JSON.stringify(v)}`);
  return v;
}

export function parsePodSecurityLevel(v: unknown): PodSecurityLevel {
  if (!isPodSecurityLevel(v)) throw new Invalid(`expected "privileged", "baseline" or "restricted", got ${JSON.stringify(v)}`);
  return v;
}

export function parseAllowedHostPaths(v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string' && x.startsWith('/') && !x.split('/').includes('..'))) {
    throw new Invalid(`expected an array of absolute paths without '..', e.g. ["/srv/data"], got ${JSON.stringify(v)}`);
  }
  return v.map((p) => posix.normalize(p).replace(/(.)\/+$/, '$1'));
}

export function parseBool(v: unknown): boolean {
  if (typeof v !== 'boolean') throw new Invalid(`expected true or false, got ${typeName(v)}`);
  return v;
}

export function parseLogLevel(v: unknown): LogLevel {
  const s = str(v, '"info"');
  if (!isLogLevel(s)) throw new Invalid(`expected debug, info, warn or error, got "${s}"`);
  return s;
}

export function parseHubPublicKey(v: unknown): Uint8Array {
  str(v, 'padded base64 of 32 bytes');
  try {
    return decodeBase64Key(v, SIGNING_PUBLIC_KEY_BYTES, 'hubPublicKey');
  } catch (e) {
    throw new Invalid(`expected padded base64 of a 32-byte Ed25519 key: ${errorMessage(e).replace(/^hubPublicKey: /, '')}`);
  }
}

export function parseFingerprint(v: unknown): string {
  const s = str(v, '"sha256:<64 hex digits>"').trim().toLowerCase();
  if (!FINGERPRINT_RE.test(s)) throw new Invalid('expected "sha256:" followed by 64 hex digits');
  return s;
}

/** The certificates of a PEM text, each checked to be X.509; `what` names the text in messages. */
function pemCertificates(text: string, what: string): string {
  const blocks = text.match(PEM_CERT_RE) ?? [];
  if (blocks.length === 0) throw new Invalid(`${what} holds no PEM certificate (expected a "${PEM_CERT_BEGIN}" block)`);
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (e) {
      const which = blocks.length > 1 ? `certificate ${i + 1} of ${what}` : `the certificate in ${what}`;
      throw new Invalid(`${which} is not a valid X.509 certificate: ${errorMessage(e)}`);
    }
  }
  return blocks.join('\n') + '\n';
}

/**
 * The hub CA: a PEM file path (the flag, or config.json), or in config.json the PEM text itself.
 * Returns the validated certificates as PEM. Never echoes PEM text (it could be a private key).
 */
export function parseHubCA(cwd: string, read: (path: string) => string): (v: unknown, source: Source) => string {
  return (v, source) => {
    const value = str(v, source === 'flag' ? '"/etc/flotilla/hub-ca.crt"' : `"/etc/flotilla/hub-ca.crt" or "${PEM_CERT_BEGIN}\\n…"`);
    if (value.trim() === '') throw new Invalid('must not be empty');
    if (source !== 'flag' && value.trimStart().startsWith(PEM_CERT_BEGIN)) return pemCertificates(value, 'the PEM text');
    if (value.includes('-----BEGIN')) {
      throw new Invalid(`expected ${source === 'flag' ? 'a PEM file path' : `a PEM file path or a PEM certificate starting with "${PEM_CERT_BEGIN}"`}, got other PEM text`);
    }
    const path = isAbsolute(value) ? value : resolve(cwd, value);
    let text: string;
    try {
      text = read(path);
    } catch (e) {
      const code = errnoCode(e);
      throw new Invalid(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : errorMessage(e)}`);
    }
    return pemCertificates(text, path);
  };
}

function labelDomainReserved(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const domain = key.slice(0, slash);
  const under = (d: string): boolean => domain === d || domain.endsWith(`.${d}`);
  return RESERVED_LABEL_DOMAINS.some(under) && !ALLOWED_LABEL_DOMAINS.some(under);
}

/** Checks every label; returns the valid ones and the problems of the others. */
export function parseLabels(v: unknown, where: string, problems: ConfigProblem[]): Record<string, string> {
  if (!isRecord(v)) {
    problems.push({ where, message: `expected an object of label key → value strings, got ${typeName(v)}` });
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) {
    const at = `${where}[${JSON.stringify(k)}]`;
    const keyProblems = isQualifiedName(k);
    if (keyProblems.length > 0) {
      problems.push({ where: at, message: `invalid label key: ${keyProblems.join('; ')}` });
      continue;
    }
    if (labelDomainReserved(k)) {
      problems.push({ where: at, message: 'labels under kubernetes.io, k8s.io and flotilla.io are set by the agent itself (node.kubernetes.io/ is allowed)' });
      continue;
    }
    if (typeof value !== 'string') {
      problems.push({ where: at, message: `expected a string value, got ${typeName(value)}` });
      continue;
    }
    const valueProblems = isValidLabelValue(value);
    if (valueProblems.length > 0) {
      problems.push({ where: at, message: `invalid label value: ${valueProblems.join('; ')}` });
      continue;
    }
    out[k] = value;
  }
  return out;
}

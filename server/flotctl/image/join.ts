/**
 * What a device needs to enroll: the join string `flotctl token create` prints (hub address,
 * token, pins of the hub's CA and key), parsed by shared/protocol's parser. A bare bootstrap
 * token (the old form) carries no address, so --hub must come with it. The agent validates the
 * same settings again on the device.
 */
import { isJoinString, parseBootstrapToken, parseJoinString } from '../../../shared/protocol/index.js';
import { CliError } from '../errors.js';

export interface JoinSettings {
  /** The join string (or bare token) as given: the agent's `token` setting. */
  token: string;
  /** Only with a bare token, or to override the join string's address. */
  hub?: string;
  hubKeyFingerprint?: string;
}

const HUB_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];
const FINGERPRINT_RE = /^sha256:[0-9a-f]{64}$/;

/** The hub URL a device connects to (checked again by the agent on the device). */
export function parseHub(hub: string): string {
  let url: URL;
  try {
    url = new URL(hub);
  } catch {
    throw new CliError(`--hub "${hub}" is not a URL such as mqtts://hub.example:8883`);
  }
  if (!HUB_SCHEMES.includes(url.protocol) || url.hostname === '') throw new CliError(`--hub "${hub}": expected mqtt://, mqtts://, ws:// or wss:// with a host`);
  return hub;
}

export function parseFingerprint(fingerprint: string): string {
  const f = fingerprint.trim().toLowerCase();
  if (!FINGERPRINT_RE.test(f)) throw new CliError('--hub-key-fingerprint: expected "sha256:" followed by 64 hex digits');
  return f;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function parseJoin(join: string, hub: string | undefined, fingerprint: string | undefined): JoinSettings {
  const token = join.trim();
  const out: JoinSettings = { token };
  if (isJoinString(token)) {
    try {
      parseJoinString(token, '--join');
    } catch (e: unknown) {
      throw new CliError(message(e));
    }
  } else {
    try {
      parseBootstrapToken(token, '--join');
    } catch (e: unknown) {
      throw new CliError(`${message(e)} (or a join string mqtts://TOKEN@HOST:PORT/?ca=…&key=… from flotctl token create)`);
    }
    if (hub === undefined) throw new CliError("--hub is required with a bare token: the hub's MQTT URL, e.g. mqtts://hub.example:8883 (a join string from flotctl token create carries it)");
  }
  if (hub !== undefined) out.hub = parseHub(hub);
  if (fingerprint !== undefined) out.hubKeyFingerprint = parseFingerprint(fingerprint);
  return out;
}

/** /etc/flotilla/agent.json for a device; the token makes it a secret (mode 0600). */
export function agentJson(j: JoinSettings): string {
  return `${JSON.stringify({ token: j.token, ...(j.hub !== undefined ? { hub: j.hub } : {}), ...(j.hubKeyFingerprint !== undefined ? { hubKeyFingerprint: j.hubKeyFingerprint } : {}) }, null, 2)}\n`;
}

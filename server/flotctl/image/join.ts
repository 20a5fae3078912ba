/**
 * What a device needs to enroll: the join string (today the bootstrap token `flotctl token
 * create` prints, parsed by shared/protocol's parser; the hub address and pins travel next to
 * it) and the hub's MQTT URL. The agent's own config validation runs again on the device.
 */
import { parseBootstrapToken } from '../../../shared/protocol/index.js';
import { CliError } from '../errors.js';

export interface JoinSettings {
  token: string;
  hub: string;
  hubKeyFingerprint?: string;
}

const HUB_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];
const FINGERPRINT_RE = /^sha256:[0-9a-f]{64}$/;

/** The hub URL a device connects to (checked again by the agent on the device). */
export function parseHub(hub: string | undefined): string {
  if (hub === undefined || hub === '') throw new CliError("--hub is required: the hub's MQTT URL the device connects to, e.g. mqtts://hub.example:8883");
  let url: URL;
  try {
    url = new URL(hub);
  } catch {
    throw new CliError(`--hub "${hub}" is not a URL such as mqtts://hub.example:8883`);
  }
  if (!HUB_SCHEMES.includes(url.protocol) || url.hostname === '') throw new CliError(`--hub "${hub}": expected mqtt://, mqtts://, ws:// or wss:// with a host`);
  return hub;
}

export function parseFingerprint(fingerprint: string | undefined): string | undefined {
  if (fingerprint === undefined) return undefined;
  const f = fingerprint.trim().toLowerCase();
  if (!FINGERPRINT_RE.test(f)) throw new CliError('--hub-key-fingerprint: expected "sha256:" followed by 64 hex digits');
  return f;
}

export function parseJoin(join: string, hub: string | undefined, fingerprint: string | undefined): JoinSettings {
  try {
    parseBootstrapToken(join.trim(), '--join');
  } catch (e: unknown) {
    throw new CliError(e instanceof Error ? e.message : String(e));
  }
  const out: JoinSettings = { token: join.trim(), hub: parseHub(hub) };
  const pin = parseFingerprint(fingerprint);
  if (pin !== undefined) out.hubKeyFingerprint = pin;
  return out;
}

/** /etc/flotilla/agent.json for a device; the token makes it a secret (mode 0600). */
export function agentJson(j: JoinSettings): string {
  return `${JSON.stringify({ hub: j.hub, token: j.token, ...(j.hubKeyFingerprint ? { hubKeyFingerprint: j.hubKeyFingerprint } : {}) }, null, 2)}\n`;
}

/**
 * How the agent may reach its hub, decided once from the configuration:
 *
 * * A join string (`flotctl token create`) gives the hub's address, the token and pins of the
 *   hub's CA and signing key: the device trusts only that hub, never one met on first use.
 * * A bare token (the older form) still works, but only with a pin of the hub's key
 *   (--hub-key-fingerprint) or for a hub on this machine (loopback).
 * * Plain mqtt:// or ws:// to anything but loopback is refused unless --insecure-link says the
 *   operator accepts it (main.ts then warns at every start).
 */
import { isJoinString, parseJoinString } from '../../shared/protocol/index.js';
import { errorMessage } from '../../shared/util/guards.js';

export interface LinkPolicyInput {
  hubUrl?: string;
  token?: string;
  hubKeyFingerprint?: string;
  hubCA?: string;
  insecureLink: boolean;
  /** Where each setting came from, for messages. */
  where: { hub: string; token: string; fingerprint: string };
}

export interface LinkPolicy {
  hubUrl: string;
  /** The bare bootstrap token. */
  token?: string;
  /** `sha256:<hex>` of the hub CA's public key, from a join string. */
  hubCaPin?: string;
  hubKeyFingerprint?: string;
  /** The link runs without TLS to a non-loopback hub, as the operator asked. */
  insecure: boolean;
}

export type LinkPolicyResult = { ok: true; policy: LinkPolicy } | { ok: false; problems: { where: string; message: string }[] };

const PLAIN_SCHEMES = ['mqtt:', 'ws:'];

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export function resolveLinkPolicy(input: LinkPolicyInput): LinkPolicyResult {
  const problems: { where: string; message: string }[] = [];
  let { hubUrl, token, hubKeyFingerprint } = input;
  let hubCaPin: string | undefined;
  if (token !== undefined && isJoinString(token)) {
    try {
      const join = parseJoinString(token);
      hubUrl ??= join.hubUrl;
      token = join.token;
      hubCaPin = join.caPin;
      if (hubKeyFingerprint !== undefined && hubKeyFingerprint !== join.keyPin) {
        problems.push({ where: input.where.fingerprint, message: `differs from the hub key pinned by the join string (${join.keyPin})` });
      }
      hubKeyFingerprint = join.keyPin;
    } catch (e: unknown) {
      problems.push({ where: input.where.token, message: errorMessage(e).replace(/^token: /, '') });
    }
  }
  if (hubUrl === undefined) {
    if (problems.length === 0) problems.push({ where: input.where.hub, message: "required: the hub's MQTT URL, or a join string from `flotctl token create` as the token" });
    return { ok: false, problems };
  }
  const url = new URL(hubUrl);
  const loopback = isLoopbackHost(url.hostname);
  const plain = PLAIN_SCHEMES.includes(url.protocol);
  if (plain && !loopback && !input.insecureLink) {
    problems.push({
      where: input.where.hub,
      message: `${url.protocol}// to ${url.hostname} is not encrypted: anyone on the path can read the link and pose as the hub. Use mqtts:// (the join string from \`flotctl token create\`), or pass --insecure-link to accept that`,
    });
  }
  if (token !== undefined && !isJoinString(input.token ?? '') && hubKeyFingerprint === undefined && !loopback) {
    problems.push({
      where: input.where.token,
      message: 'a bare bootstrap token does not say which hub to trust: use the join string `flotctl token create` prints, or pin the hub key with --hub-key-fingerprint',
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  const policy: LinkPolicy = { hubUrl, insecure: plain && !loopback };
  if (token !== undefined) policy.token = token;
  if (hubCaPin !== undefined) policy.hubCaPin = hubCaPin;
  if (hubKeyFingerprint !== undefined) policy.hubKeyFingerprint = hubKeyFingerprint;
  return { ok: true, policy };
}

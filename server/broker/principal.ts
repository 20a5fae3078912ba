/** Who is on the other end of an MQTT connection, once authenticated. */
export type Principal = { kind: 'node'; node: string; /** The signing key it proved (base64), so re-enrollment can cut the old one. */ key?: string } | { kind: 'bootstrap'; clientId: string };

export interface ConnectAttempt {
  clientId: string;
  username: string | undefined;
  password: Buffer | undefined;
  remoteAddress: string | undefined;
  /** Keying material of the TLS session the CONNECT came on (undefined on plain TCP). */
  channelBinding?: Buffer;
}

export type AuthDecision = { ok: true; principal: Principal } | { ok: false; reason: string };

/** Decides CONNECTs; implemented by the fleet (tokens, node identities). */
export interface ConnectAuthenticator {
  authenticate(attempt: ConnectAttempt): Promise<AuthDecision>;
}

/** Topic permissions per principal; implemented with the shared ACL rules. */
export interface TopicPolicy {
  mayPublish(p: Principal, topic: string, retain: boolean): boolean;
  maySubscribe(p: Principal, filter: string): boolean;
}

export function describePrincipal(p: Principal): Record<string, string> {
  return p.kind === 'node' ? { node: p.node } : { bootstrapClient: p.clientId };
}

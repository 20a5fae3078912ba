/**
 * Exchanges a bootstrap token for a registered node identity: checks the token, refuses a name
 * already bound to another key unless an admin allowed re-enrollment, counts the token use,
 * registers the keys and makes sure the Node object exists.
 */
import type { KubeObject } from '../../shared/api/meta.js';
import { decodeBase64Key, keyFingerprint } from '../../shared/crypto/index.js';
import type { EnrollRequestMessage, EnrollResponseMessage } from '../../shared/protocol/index.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { InternalClient } from '../apiserver/internal-client.js';
import type { EventSink } from '../events/recorder.js';
import type { BootstrapTokens } from './bootstrap-tokens.js';
import { MAX_NODE_NAME, tokenScopedTo, tokenScopeProblem } from '../../shared/api/fleet-secrets.js';
import type { NodeIdentities } from './node-identities.js';

export interface EnrollmentDeps {
  tokens: BootstrapTokens;
  identities: NodeIdentities;
  client: InternalClient;
  events: EventSink;
  hubPublicKey: string;
  logger: Logger;
  /** Records every enrollment and refusal in the audit log. */
  audit?: (e: { user: string; verb: string; resource: string; result: 'allowed' | 'refused'; detail?: string }) => void;
}

function refuse(reason: 'invalid-token' | 'name-conflict' | 'invalid-request' | 'internal-error', message: string): EnrollResponseMessage {
  return { v: 1, t: 'enrollRes', ok: false, reason, message };
}

export class Enrollment {
  constructor(private readonly deps: EnrollmentDeps) {}

  async handle(clientId: string, req: EnrollRequestMessage): Promise<EnrollResponseMessage> {
    const { tokens, identities, logger } = this.deps;
    const node = req.nodeName;
    const log = logger.child({ component: 'enrollment', node, clientId });
    try {
      if (node.length > MAX_NODE_NAME) return refuse('invalid-request', `nodeName: at most ${MAX_NODE_NAME} characters`);
      const fingerprint = keyFingerprint(decodeBase64Key(req.signingKey, 32, 'signingKey'));
      decodeBase64Key(req.boxKey, 32, 'boxKey');

      const check = await tokens.check(req.token);
      if (!check.ok) return this.refused(log, node, 'invalid-token', check.reason);
      const scope = tokenScopeProblem(check.info, node);
      if (scope !== undefined) return this.refused(log, node, 'invalid-token', scope);
      const existing = await identities.get(node);
      if (!existing && !tokenScopedTo(check.info, node) && (await this.deps.client.get('Node', undefined, node))) {
        const message = `node ${node} was created in advance by an admin; only a token scoped to it may claim it ("flotctl token create --node ${node}")`;
        return this.refused(log, node, 'name-conflict', message);
      }
      if (existing && existing.signingKey === req.signingKey && !existing.revoked) {
        // The same device asking again (its answer was lost): same keys, nothing to change.
        log.info('enrollment repeated', { fingerprint });
        return this.accept(node);
      }
      if (existing && !existing.allowReenroll) {
        const message = `node name ${node} is already enrolled with another key; an admin can allow a new enrollment with "flotctl node allow-reenroll ${node}"`;
        this.deps.events.record({ kind: 'Node', name: node }, 'Warning', 'EnrollmentRefused', message);
        return this.refused(log, node, 'name-conflict', message);
      }
      const used = await tokens.consume(req.token);
      if (!used.ok) {
        if (!used.transient) return this.refused(log, node, 'invalid-token', used.reason);
        // Not a verdict on the token: the device retries an internal-error, never an invalid-token.
        log.warn('enrollment deferred', { reason: used.reason });
        return refuse('internal-error', used.reason);
      }
      await identities.register(node, req.signingKey, req.boxKey);
      await this.ensureNode(node, req.arch);
      const how = existing ? 're-enrolled (an admin allowed it)' : 'enrolled';
      this.deps.events.record({ kind: 'Node', name: node }, 'Normal', 'Enrolled', `${how} with key ${fingerprint} using bootstrap token ${used.info.id}`);
      log.info('node enrolled', { fingerprint, token: used.info.id, replaced: existing !== undefined });
      this.deps.audit?.({ user: `bootstrap-token:${used.info.id}`, verb: 'enroll', resource: `nodes/${node}`, result: 'allowed', detail: how });
      return this.accept(node);
    } catch (e: unknown) {
      log.error('enrollment failed', { error: errorMessage(e) });
      return refuse('internal-error', 'the hub could not complete the enrollment; try again');
    }
  }

  private refused(log: Logger, node: string, reason: 'invalid-token' | 'name-conflict', message: string): EnrollResponseMessage {
    log.warn('enrollment refused', { reason: message });
    this.deps.audit?.({ user: 'bootstrap', verb: 'enroll', resource: `nodes/${node}`, result: 'refused', detail: message });
    return refuse(reason, message);
  }

  private accept(node: string): EnrollResponseMessage {
    return { v: 1, t: 'enrollRes', ok: true, nodeName: node, hubKey: this.deps.hubPublicKey };
  }

  private async ensureNode(node: string, arch: string | undefined): Promise<void> {
    if (await this.deps.client.get('Node', undefined, node)) return;
    const labels: Record<string, string> = { 'kubernetes.io/hostname': node, 'kubernetes.io/os': 'linux' };
    if (arch) labels['kubernetes.io/arch'] = arch;
    const obj: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: node, labels }, spec: {} };
    await this.deps.client.create('Node', obj);
  }
}

/**
 * Connect credentials of an enrolled node: clientId `node:NAME`, username NAME, and a password
 * signed over a fresh counter value, persisted before it is used. After a refusal (CONNACK 4/5)
 * the counter jumps forward by 2^32 once, in case the saved value fell behind the hub's; it
 * jumps again only after a connect has been accepted in between.
 */
import { createSigner, type Sign } from '../../shared/crypto/index.js';
import { makeConnectPassword, nodeClientId } from '../../shared/protocol/index.js';
import type { Logger } from '../../shared/util/logger.js';
import type { ConnectCredentials, CredentialSource } from '../link/transport.js';
import type { ConnectCounter } from './connect-counter.js';
import { COUNTER_JUMP } from './connect-counter.js';
import type { NodeIdentity } from './files.js';

export class NodeCredentials implements CredentialSource {
  private readonly sign: Sign;
  private jumped = false;

  constructor(
    private readonly identity: NodeIdentity,
    private readonly counter: ConnectCounter,
    private readonly logger: Logger,
  ) {
    this.sign = createSigner(identity.keys.signingSecretKey);
  }

  async next(): Promise<ConnectCredentials> {
    const node = this.identity.nodeName;
    const clientId = nodeClientId(node);
    const counter = await this.counter.next();
    return {
      clientId,
      username: node,
      password: makeConnectPassword(this.sign, clientId, node, counter),
      bindPassword: (binding) => makeConnectPassword(this.sign, clientId, node, counter, binding),
    };
  }

  async refused(code: number): Promise<void> {
    if (this.jumped) {
      this.logger.warn('connect refused again after the counter jump', { code, counter: this.counter.current });
      return;
    }
    this.jumped = true;
    const from = this.counter.current;
    const to = await this.counter.jump(COUNTER_JUMP);
    this.logger.warn('connect refused: counter jumped forward', { code, from, to });
  }

  accepted(): void {
    this.jumped = false;
  }
}

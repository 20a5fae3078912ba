/**
 * Publishes each node's signed desired document (retained, QoS 1) whenever its content changes,
 * and all of them when the hub starts: the broker's retained messages are delivery, the store
 * is the truth. Level-based: the queue carries node names; each run reads fresh state.
 */
import { canonicalJsonBytes, nodeTopic, sealDesired } from '../../shared/protocol/index.js';
import { sha256 } from '../../shared/crypto/index.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { DEFAULT_BACKOFF } from '../../shared/reconcile/backoff.js';
import { WorkQueue } from '../../shared/reconcile/work-queue.js';
import { rfc3339, type Clock } from '../../shared/util/clock.js';
import type { Logger } from '../../shared/util/logger.js';
import type { InternalClient } from '../apiserver/internal-client.js';
import type { HubSigningKey } from '../fleet/hub-signing-key.js';
import type { StoreEvent } from '../store/watch-hub.js';
import { desiredContent, podReferences } from './desired-content.js';

export type Publish = (topic: string, payload: Buffer, opts: { qos: 0 | 1; retain: boolean }) => Promise<void>;

export interface DesiredPublisherDeps {
  client: InternalClient;
  /** The store's current resourceVersion: the document's seq, monotonic across restarts. */
  currentRv: () => number;
  key: HubSigningKey;
  publish: Publish;
  clock: Clock;
  logger: Logger;
}

function nodeNameOf(pod: KubeObject | undefined): string | undefined {
  const spec = pod?.['spec'];
  const n = typeof spec === 'object' && spec !== null && 'nodeName' in spec ? spec.nodeName : undefined;
  return typeof n === 'string' && n !== '' ? n : undefined;
}

export class DesiredPublisher {
  private readonly published = new Map<string, string>();
  private readonly queue: WorkQueue;
  private stopWatch: () => void = () => undefined;
  private readonly log: Logger;

  constructor(private readonly deps: DesiredPublisherDeps) {
    this.log = deps.logger.child({ component: 'desired-publisher' });
    this.queue = new WorkQueue('desired-publisher', (node) => this.reconcile(node), {
      clock: deps.clock,
      logger: this.log,
      policy: DEFAULT_BACKOFF,
      workers: 2,
    });
  }

  /** Watches for changes, then queues every node so all documents are republished. */
  async start(): Promise<void> {
    this.stopWatch = this.deps.client.watch(['Node', 'Pod', 'ConfigMap', 'Secret'], (e) => void this.onChange(e));
    for (const n of await this.deps.client.list('Node')) this.queue.add(n.metadata.name ?? '');
  }

  stop(): void {
    this.stopWatch();
    this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async onChange(e: StoreEvent): Promise<void> {
    const kind = e.object.kind;
    if (kind === 'Node') {
      this.queue.add(e.object.metadata.name ?? '');
      return;
    }
    if (kind === 'Pod') {
      for (const n of [nodeNameOf(e.object), nodeNameOf(e.prev)]) if (n) this.queue.add(n);
      return;
    }
    // A ConfigMap or Secret: the nodes running pods that reference it.
    const ns = e.object.metadata.namespace;
    const name = e.object.metadata.name ?? '';
    const pods = await this.deps.client.list('Pod', ns ? { namespace: ns } : {});
    for (const pod of pods) {
      const refs = podReferences(pod);
      const used = kind === 'ConfigMap' ? refs.configMaps.has(name) : refs.secrets.has(name);
      const n = nodeNameOf(pod);
      if (used && n) this.queue.add(n);
    }
  }

  private async reconcile(node: string): Promise<void> {
    const { client } = this.deps;
    if (!(await client.get('Node', undefined, node))) {
      if (this.published.delete(node)) {
        // An empty retained message removes the document from the broker.
        await this.deps.publish(nodeTopic(node, 'desired'), Buffer.alloc(0), { qos: 1, retain: true });
        this.log.info('desired document withdrawn', { node });
      }
      return;
    }
    const pods = await client.list('Pod', { fieldSelector: `spec.nodeName=${node}` });
    const cms = new Map<string, KubeObject | undefined>();
    const secrets = new Map<string, KubeObject | undefined>();
    for (const pod of pods) {
      const ns = pod.metadata.namespace ?? 'default';
      const refs = podReferences(pod);
      for (const n of refs.configMaps) cms.set(`${ns}/${n}`, await client.get('ConfigMap', ns, n));
      for (const n of refs.secrets) secrets.set(`${ns}/${n}`, await client.get('Secret', ns, n));
    }
    const content = desiredContent(pods, {
      configMap: (ns, n) => cms.get(`${ns}/${n}`),
      secret: (ns, n) => secrets.get(`${ns}/${n}`),
    });
    const hash = Buffer.from(sha256(canonicalJsonBytes(content))).toString('hex');
    if (this.published.get(node) === hash) return;
    const seq = this.deps.currentRv();
    const payload = sealDesired({ node, seq, issuedAt: rfc3339(this.deps.clock.now()), ...content }, this.deps.key.sign, { kid: this.deps.key.keyId });
    await this.deps.publish(nodeTopic(node, 'desired'), payload, { qos: 1, retain: true });
    this.published.set(node, hash);
    this.log.info('desired document published', { node, seq, pods: content.pods.length, bytes: payload.length });
  }
}

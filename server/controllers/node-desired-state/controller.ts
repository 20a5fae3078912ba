/**
 * The node-desired-state controller: keyed by node name, it turns the pods bound to the node
 * (and the ConfigMaps and Secrets they reference) into the node's signed desired document and
 * publishes it (retained, QoS 1) when its content changed, and every node's at start: the
 * broker's retained messages are delivery, the store is the truth. At start, content that did
 * not change keeps its revision (revision.ts), so a hub restart costs no Node write and no device
 * a new document to store. It does not speak MQTT itself; it is handed the link's publish
 * function. The issued revision goes on the Node (flotilla.io/desired-revision) so an operator
 * can see which devices have not caught up.
 */
import { sha256 } from '../../../shared/crypto/index.js';
import { DESIRED_HASH_ANNOTATION, DESIRED_REVISION_ANNOTATION } from '../../../shared/api/desired-sync.js';
import { canonicalJsonBytes, formatRevision, nodeTopic, sealDesired } from '../../../shared/protocol/index.js';
import { rfc3339, type Clock } from '../../../shared/util/clock.js';
import type { InternalClient } from '../../apiserver/internal-client.js';
import type { HubSigningKey } from '../../fleet/hub-signing-key.js';
import type { Publish } from '../../link/publish.js';
import { identityNode, nodesReferencing, podNodes, type CacheReader, type Controller } from '../runtime/index.js';
import { desiredContent } from './content.js';
import { revisionToIssue } from './revision.js';
import { nodeBoxKey, sealContent } from './seal.js';

export interface NodeDesiredStateDeps {
  /** The store's current resourceVersion: the document's seq, monotonic across restarts. */
  currentRv: () => number;
  /** The hub's desired-state epoch (server/fleet/desired-epoch.ts). */
  epoch: number;
  /** Records the issued revision on the Node (flotilla.io/desired-revision). */
  client: Pick<InternalClient, 'patch'>;
  key: HubSigningKey;
  publish: Publish;
  clock: Clock;
}

export function nodeDesiredStateController(deps: NodeDesiredStateDeps): Controller {
  /** node → hash of the content last published. */
  const published = new Map<string, string>();
  const lookup = (cache: CacheReader): Parameters<typeof desiredContent>[1] => ({
    configMap: (ns, name) => cache.get('ConfigMap', ns, name),
    secret: (ns, name) => cache.get('Secret', ns, name),
  });

  return {
    name: 'node-desired-state',
    kind: 'Node',
    workers: 2,
    watches: [
      { kind: 'Pod', map: podNodes },
      { kind: 'ConfigMap', map: nodesReferencing },
      { kind: 'Secret', map: (e, cache) => [...nodesReferencing(e, cache), ...identityNode(e)] },
    ],
    async reconcile(node, { cache, log }) {
      const stored = cache.get('Node', undefined, node);
      if (!stored) {
        if (published.delete(node)) {
          // An empty retained message removes the document from the broker.
          await deps.publish(nodeTopic(node, 'desired'), Buffer.alloc(0), { qos: 1, retain: true });
          log.info('desired document withdrawn', {});
        }
        return;
      }
      const content = desiredContent(cache.podsOnNode(node), lookup(cache));
      const boxKey = nodeBoxKey(cache, node);
      // The box key is part of what was published: a re-enrolled node gets its Secrets re-sealed.
      const hash = Buffer.from(sha256(canonicalJsonBytes({ content, boxKey: boxKey ? Buffer.from(boxKey).toString('base64') : null }))).toString('hex');
      if (published.get(node) === hash) return;
      const issue = revisionToIssue({ firstSinceStart: !published.has(node), annotations: stored.metadata.annotations, hash, epoch: deps.epoch, nextSeq: deps.currentRv });
      const { seq } = issue;
      // Sealed first, then signed: the signature covers the ciphertext.
      const sealed = sealContent(content, node, boxKey, log);
      const payload = sealDesired({ node, seq, epoch: deps.epoch, issuedAt: rfc3339(deps.clock.now()), ...sealed }, deps.key.sign, { kid: deps.key.keyId });
      await deps.publish(nodeTopic(node, 'desired'), payload, { qos: 1, retain: true });
      if (issue.fresh) {
        const revision = formatRevision({ epoch: deps.epoch, seq });
        await deps.client.patch('Node', undefined, node, 'merge', { metadata: { annotations: { [DESIRED_REVISION_ANNOTATION]: revision, [DESIRED_HASH_ANNOTATION]: hash } } });
      }
      published.set(node, hash);
      // Republishing what a device already holds (every node, at each start) is not news.
      const fields = { seq, epoch: deps.epoch, pods: content.pods.length, bytes: payload.length };
      if (issue.fresh) log.info('desired document published', fields);
      else log.debug('desired document republished', fields);
    },
  };
}

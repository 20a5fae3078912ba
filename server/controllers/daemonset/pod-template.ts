/**
 * The pod a `createPod` step makes (pkg/controller/daemon/util `CreatePodTemplate` + the
 * controller's ownerReference): the template with the revision hash and template generation
 * labels, the automatic DaemonSet tolerations, bound to its node (the hub has no scheduler).
 */
import { tolerationsOf } from '../../../shared/api/taints.js';
import { isRecord, type JsonObject } from '../../../shared/util/guards.js';
import { daemonSetOwnerRef } from './claim.js';
import { REVISION_HASH_LABEL, TEMPLATE_GENERATION_LABEL } from './revisions.js';
import { daemonPodTolerations } from './tolerations.js';
import type { DaemonSetView } from './view.js';

/** `from`: an older revision's template (stable-revision.ts); its pod carries no template generation. */
export function daemonPodFor(ds: DaemonSetView, node: string, hash: string, from?: JsonObject): JsonObject {
  const template = structuredClone(from ?? ds.template);
  const meta = isRecord(template['metadata']) ? template['metadata'] : {};
  const spec = isRecord(template['spec']) ? template['spec'] : {};
  const labels: Record<string, unknown> = { ...(isRecord(meta['labels']) ? meta['labels'] : {}), [REVISION_HASH_LABEL]: hash };
  if (ds.templateGeneration !== undefined && from === undefined) labels[TEMPLATE_GENERATION_LABEL] = String(ds.templateGeneration);
  const metadata: JsonObject = {
    ...meta,
    generateName: `${ds.name}-`,
    namespace: ds.namespace,
    labels,
    ownerReferences: [daemonSetOwnerRef(ds)],
  };
  delete metadata['name'];
  const tolerations = daemonPodTolerations(tolerationsOf(template), spec['hostNetwork'] === true);
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: { ...spec, nodeName: node, tolerations } };
}

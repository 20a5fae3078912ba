/**
 * The pod a `createPod` step makes (pkg/controller/daemon/util `CreatePodTemplate` + the
 * controller's ownerReference): the template with the revision hash and template generation
 * labels, the automatic DaemonSet tolerations, bound to its node (the hub has no scheduler).
 */
import type { ObjectMeta, Pod, PodTemplateSpec } from '../../../shared/api/types/index.js';
import { daemonSetOwnerRef } from './claim.js';
import { REVISION_HASH_LABEL, TEMPLATE_GENERATION_LABEL } from './revisions.js';
import { daemonPodTolerations } from './tolerations.js';
import type { DaemonSetView } from './view.js';

/** `from`: an older revision's template (stable-revision.ts); its pod carries no template generation. */
export function daemonPodFor(ds: DaemonSetView, node: string, hash: string, from?: PodTemplateSpec): Pod {
  const template = structuredClone(from ?? ds.template);
  const { name: _name, ...meta } = template.metadata ?? {};
  const labels: Record<string, string> = { ...(meta.labels ?? {}), [REVISION_HASH_LABEL]: hash };
  if (ds.templateGeneration !== undefined && from === undefined) labels[TEMPLATE_GENERATION_LABEL] = String(ds.templateGeneration);
  const metadata: ObjectMeta = {
    ...meta,
    generateName: `${ds.name}-`,
    namespace: ds.namespace,
    labels,
    ownerReferences: [daemonSetOwnerRef(ds)],
  };
  const tolerations = daemonPodTolerations(template.spec.tolerations ?? [], template.spec.hostNetwork === true);
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: { ...template.spec, nodeName: node, tolerations } };
}

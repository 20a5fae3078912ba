/**
 * Pod Security admission: the Pod Security Standards level of a namespace (its
 * `pod-security.kubernetes.io/enforce` label, else the hub's default) enforced on Pods and on
 * the pod templates of DaemonSets. Kubernetes only warns for templates; Flotilla refuses them,
 * so a DaemonSet whose pods would be refused never reaches the fleet. Answers are Kubernetes':
 * `403 pods "x" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)`,
 * with one cause per field at fault. Invalid labels on a Namespace are a 422 naming the label.
 */
import { ApiError } from '../../../shared/api/errors.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import {
  checkPolicyLabels,
  enforcedPolicy,
  evaluatePod,
  podViewOf,
  templateViewOf,
  violationMessage,
  type EnforcedPolicy,
  type PodSecurityLevel,
  type PodView,
} from '../../../shared/api/pod-security/index.js';
import { fromStore } from '../../../shared/api/types/index.js';
import { canonicalJson } from '../../../shared/protocol/canonical-json.js';
import { isRecord } from '../../../shared/util/guards.js';

/** The kinds whose pods Pod Security admission judges. */
export const POD_SECURITY_KINDS: ReadonlySet<string> = new Set(['Pod', 'DaemonSet']);

export class PodSecurityAdmission {
  constructor(readonly defaultLevel: PodSecurityLevel) {}

  /** The policy enforced in a namespace with these labels. */
  policyOf(namespaceLabels: Readonly<Record<string, string>> | undefined): EnforcedPolicy {
    return enforcedPolicy(namespaceLabels, this.defaultLevel);
  }

  /** A Namespace's pod-security labels must hold valid levels and versions. */
  validateNamespace(ns: KubeObject): void {
    const problems = checkPolicyLabels(ns.metadata.labels);
    if (problems.length === 0) return;
    throw ApiError.invalid('Namespace', ns.metadata.name ?? '', problems.map((p) => ({ field: p.field, reason: 'FieldValueInvalid', message: p.message })));
  }

  /**
   * Refuses `next` (a decoded Pod or DaemonSet) when its pods violate `policy`. On update only
   * a change of what the pods would run is judged (as Kubernetes skips metadata-only updates),
   * so status reports and deletions of pods admitted earlier go through.
   */
  admit(next: KubeObject, policy: EnforcedPolicy, current?: KubeObject): void {
    if (!POD_SECURITY_KINDS.has(next.kind) || policy.level === 'privileged') return;
    if (current && !significantChange(current, next)) return;
    const view = viewOf(next);
    const violations = evaluatePod(view, policy.level, policy.version.minor);
    if (violations.length === 0) return;
    const template = next.kind === 'DaemonSet';
    const resource = template ? 'daemonsets.apps' : 'pods';
    const name = next.metadata.name ?? '';
    const message = `${resource} ${JSON.stringify(name)} is forbidden: ${template ? 'pod template ' : ''}${violationMessage(policy, violations)}`;
    throw new ApiError(403, 'Forbidden', message, {
      name,
      kind: resource,
      causes: violations.flatMap((v) => v.fields.map((field) => ({ reason: 'FieldValueForbidden', message: `${v.reason} (${v.detail})`, field }))),
    });
  }
}

function viewOf(obj: KubeObject): PodView {
  return obj.kind === 'DaemonSet' ? templateViewOf(fromStore('DaemonSet', obj)) : podViewOf(fromStore('Pod', obj));
}

/** What the pods would run: the pod spec and annotations (AppArmor and seccomp live there). */
function judged(obj: KubeObject): unknown {
  if (obj.kind === 'DaemonSet') {
    const spec = isRecord(obj['spec']) ? obj['spec'] : {};
    return spec['template'];
  }
  return { spec: obj['spec'], annotations: obj.metadata.annotations };
}

function significantChange(current: KubeObject, next: KubeObject): boolean {
  return canonicalJson(judged(current)) !== canonicalJson(judged(next));
}

/**
 * Evaluating a pod against a Pod Security Standards policy: every check of the level and the
 * levels below it (a restricted check replaces the baseline check it tightens), in Kubernetes'
 * order (by check id), and the message Kubernetes gives:
 * `violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), …`.
 */
import type { DaemonSet, Pod } from '../types/index.js';
import * as baseline from './baseline.js';
import { levelRank, policyName, type EnforcedPolicy, type PodSecurityLevel } from './policy.js';
import * as restricted from './restricted.js';
import type { PodView, Violation } from './visit.js';

interface CheckEntry {
  id: string;
  level: Exclude<PodSecurityLevel, 'privileged'>;
  check: (pod: PodView, minor: number) => Violation | undefined;
  /** A baseline check this one replaces at restricted. */
  overrides?: string;
}

const CHECKS: readonly CheckEntry[] = [
  { id: 'allowPrivilegeEscalation', level: 'restricted', check: restricted.allowPrivilegeEscalation },
  { id: 'appArmorProfile', level: 'baseline', check: baseline.appArmorProfile },
  { id: 'capabilities_baseline', level: 'baseline', check: baseline.capabilitiesBaseline },
  { id: 'capabilities_restricted', level: 'restricted', check: restricted.capabilitiesRestricted, overrides: 'capabilities_baseline' },
  { id: 'hostNamespaces', level: 'baseline', check: baseline.hostNamespaces },
  { id: 'hostPathVolumes', level: 'baseline', check: baseline.hostPathVolumes },
  { id: 'hostPorts', level: 'baseline', check: baseline.hostPorts },
  { id: 'hostProcess', level: 'baseline', check: baseline.hostProcess },
  { id: 'privileged', level: 'baseline', check: baseline.privileged },
  { id: 'procMount', level: 'baseline', check: baseline.procMount },
  { id: 'restrictedVolumes', level: 'restricted', check: restricted.restrictedVolumes, overrides: 'hostPathVolumes' },
  { id: 'runAsNonRoot', level: 'restricted', check: restricted.runAsNonRoot },
  { id: 'runAsUser', level: 'restricted', check: restricted.runAsUser },
  { id: 'seLinuxOptions', level: 'baseline', check: baseline.seLinuxOptions },
  { id: 'seccompProfile_baseline', level: 'baseline', check: baseline.seccompProfileBaseline },
  { id: 'seccompProfile_restricted', level: 'restricted', check: restricted.seccompProfileRestricted, overrides: 'seccompProfile_baseline' },
  { id: 'sysctls', level: 'baseline', check: baseline.sysctls },
];

export type { PodView, Violation } from './visit.js';

/** The violations of `pod` under `level` at Kubernetes minor version `minor`; empty: allowed. */
export function evaluatePod(pod: PodView, level: PodSecurityLevel, minor: number): Violation[] {
  if (level === 'privileged') return [];
  const rank = levelRank(level);
  const active = CHECKS.filter((c) => levelRank(c.level) <= rank);
  const overridden = new Set(active.flatMap((c) => (c.overrides ? [c.overrides] : [])));
  return active.filter((c) => !overridden.has(c.id)).flatMap((c) => c.check(pod, minor) ?? []);
}

/** `host namespaces (hostNetwork=true), privileged (container "a" must …)`. */
export function describeViolations(violations: readonly Violation[]): string {
  return violations.map((v) => (v.detail === '' ? v.reason : `${v.reason} (${v.detail})`)).join(', ');
}

/** `violates PodSecurity "baseline:latest": …`. */
export function violationMessage(policy: EnforcedPolicy, violations: readonly Violation[]): string {
  return `violates PodSecurity ${JSON.stringify(policyName(policy, policy.versionLabel))}: ${describeViolations(violations)}`;
}

export function podViewOf(pod: Pod): PodView {
  return { metadata: pod.metadata, spec: pod.spec, specPath: 'spec', metadataPath: 'metadata' };
}

export function templateViewOf(ds: DaemonSet): PodView {
  return { metadata: ds.spec.template.metadata ?? {}, spec: ds.spec.template.spec, specPath: 'spec.template.spec', metadataPath: 'spec.template.metadata' };
}

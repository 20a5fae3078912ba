/**
 * Pod Security Standards levels and the namespace labels that choose them, as Kubernetes'
 * Pod Security admission reads them: `pod-security.kubernetes.io/enforce` (privileged,
 * baseline, restricted) and `pod-security.kubernetes.io/enforce-version` (`latest` or
 * `v1.N`). Flotilla enforces; the `audit` and `warn` labels are validated, not acted on.
 */
import { KUBE_COMPAT } from '../../version.js';

export const POD_SECURITY_LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const ENFORCE_LABEL = `${LABEL_PREFIX}enforce`;
export const ENFORCE_VERSION_LABEL = `${LABEL_PREFIX}enforce-version`;
const MODES = ['enforce', 'audit', 'warn'] as const;

/** The newest minor version whose checks this code implements: the API's Kubernetes version. */
export const LATEST_MINOR = Number(KUBE_COMPAT.minor);

/** A minor version of Kubernetes 1.x; `latest` is LATEST_MINOR, shown as `latest`. */
export interface PolicyVersion {
  minor: number;
  latest: boolean;
}

export const LATEST: PolicyVersion = { minor: LATEST_MINOR, latest: true };

export interface Policy {
  level: PodSecurityLevel;
  version: PolicyVersion;
}

export function isPodSecurityLevel(v: unknown): v is PodSecurityLevel {
  return typeof v === 'string' && (POD_SECURITY_LEVELS as readonly string[]).includes(v);
}

/** How strict a level is: privileged 0, baseline 1, restricted 2. */
export function levelRank(level: PodSecurityLevel): number {
  return POD_SECURITY_LEVELS.indexOf(level);
}

const VERSION_RE = /^v1\.(0|[1-9]\d{0,3})$/;

export function parseVersion(v: string): PolicyVersion | undefined {
  if (v === 'latest') return LATEST;
  const m = VERSION_RE.exec(v);
  if (!m?.[1]) return undefined;
  const minor = Number(m[1]);
  // Versions past the newest known are evaluated as the newest, as Kubernetes does.
  return minor >= LATEST_MINOR ? { minor: LATEST_MINOR, latest: false } : { minor, latest: false };
}

/** `baseline:latest`, `restricted:v1.25`: the policy as Kubernetes names it in messages. */
export function policyName(p: Policy, versionLabel?: string): string {
  return `${p.level}:${versionLabel ?? (p.version.latest ? 'latest' : `v1.${p.version.minor}`)}`;
}

export interface LabelProblem {
  /** `metadata.labels[pod-security.kubernetes.io/enforce]`. */
  field: string;
  message: string;
}

/** Problems with a namespace's pod-security labels (each mode's level and version). */
export function checkPolicyLabels(labels: Readonly<Record<string, string>> | undefined): LabelProblem[] {
  const out: LabelProblem[] = [];
  for (const mode of MODES) {
    const level = labels?.[`${LABEL_PREFIX}${mode}`];
    if (level !== undefined && !isPodSecurityLevel(level)) {
      out.push({ field: `metadata.labels[${LABEL_PREFIX}${mode}]`, message: `must be one of privileged, baseline, restricted, got "${level}"` });
    }
    const version = labels?.[`${LABEL_PREFIX}${mode}-version`];
    if (version !== undefined && parseVersion(version) === undefined) {
      out.push({ field: `metadata.labels[${LABEL_PREFIX}${mode}-version]`, message: `must be "latest" or "v1.<minor>", got "${version}"` });
    }
  }
  return out;
}

export interface EnforcedPolicy extends Policy {
  /** The version as the label wrote it (`v1.40`), for messages; undefined: latest. */
  versionLabel?: string;
}

/**
 * The policy enforced in a namespace: its labels, else the hub's default level at `latest`.
 * Invalid labels count as `restricted:latest`, the most restrictive policy, as in Kubernetes.
 */
export function enforcedPolicy(labels: Readonly<Record<string, string>> | undefined, defaultLevel: PodSecurityLevel): EnforcedPolicy {
  const levelLabel = labels?.[ENFORCE_LABEL];
  const versionLabel = labels?.[ENFORCE_VERSION_LABEL];
  const level = levelLabel === undefined ? defaultLevel : isPodSecurityLevel(levelLabel) ? levelLabel : undefined;
  const version = versionLabel === undefined ? LATEST : parseVersion(versionLabel);
  if (level === undefined || version === undefined) return { level: 'restricted', version: LATEST };
  return version.latest || versionLabel === undefined ? { level, version } : { level, version, versionLabel };
}

/**
 * The device's own pod security policy, checked before anything of a pod is created (the
 * device trusts only its own policy, not the hub's admission): the highest Pod Security level
 * it runs (agent setting podSecurityLevel, default baseline) and the host paths pods may mount
 * (allowedHostPaths). A pod that violates it fails with a PodSecurity event naming the field
 * and never starts. Pure.
 */
import { evaluatePod, LATEST_MINOR, podViewOf, describeViolations, type PodSecurityLevel } from '../../shared/api/pod-security/index.js';
import type { Pod } from '../../shared/api/types/index.js';
import { hostPathRefusal, type HostPathPolicy } from '../volumes/host-path-policy.js';

export interface DevicePodSecurity {
  level: PodSecurityLevel;
  hostPaths: HostPathPolicy;
}

/** What a device without settings runs: baseline, no host paths. */
export const DEFAULT_DEVICE_POD_SECURITY: DevicePodSecurity = { level: 'baseline', hostPaths: { allowed: [], protected: [{ path: '/', what: 'the root file system' }] } };

/** Why this device refuses the pod, or undefined when it may run. */
export function deviceRefusal(pod: Pod, policy: DevicePodSecurity): string | undefined {
  const violations = evaluatePod(podViewOf(pod), policy.level, LATEST_MINOR);
  if (violations.length > 0) {
    return `violates this device's PodSecurity "${policy.level}" (agent setting podSecurityLevel): ${describeViolations(violations)}; fields: ${violations.flatMap((v) => v.fields).join(', ')}`;
  }
  for (const [i, v] of (pod.spec.volumes ?? []).entries()) {
    if (!v.hostPath) continue;
    const why = hostPathRefusal(v.hostPath.path, policy.hostPaths);
    if (why !== undefined) return `spec.volumes[${i}].hostPath (volume "${v.name}"): ${why}`;
  }
  return undefined;
}

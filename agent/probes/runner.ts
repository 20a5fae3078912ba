/**
 * Runners: the I/O edge of probing. One call runs one probe once and says how it went; the
 * manager decides what the result means (thresholds, restarts, readiness).
 *
 * Where a network probe runs (the part Kubernetes gets for free from a pod IP):
 * - `hostNetwork: true`: from the agent, to `host` or 127.0.0.1, as the kubelet does with the
 *   node's IP (node:http / node:https / node:net).
 * - a pod with a known `podIP` (a Docker network the agent can reach): from the agent to it.
 * - otherwise (Flotilla's default: the pod's sandbox has `--network none`, no address the agent
 *   could reach): from inside the pod's network namespace, by exec'ing a small POSIX sh script
 *   in the probed container that runs the image's own `wget`/`curl` (httpGet) or `nc`
 *   (tcpSocket) against 127.0.0.1 (see in-pod.ts for the script and its limits).
 */
import type { ProbeOutcome } from './decide.js';
import type { ProbeSpec } from './spec.js';
import type { ProbeTarget } from './types.js';

export type { ProbeOutcome, ProbeResult } from './decide.js';

export interface ProbeRunner {
  /**
   * Runs the probe once. Resolves (never rejects, though the manager copes) with `success`,
   * `failure` or `unknown` (could not probe at all). Gives up when `signal` aborts; runners
   * also keep to `probe.timeoutSeconds` on their own.
   */
  run(probe: ProbeSpec, target: ProbeTarget, signal: AbortSignal): Promise<ProbeOutcome>;
}

/** True when an http/tcp probe of this target can go straight from the agent. */
export function probesFromAgent(target: ProbeTarget): boolean {
  return target.hostNetwork || (target.podIP !== undefined && target.podIP !== '');
}

/** The address a probe without `host` goes to from the agent. */
export function agentSideHost(target: ProbeTarget): string {
  return target.hostNetwork ? '127.0.0.1' : (target.podIP ?? '127.0.0.1');
}

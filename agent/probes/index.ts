/** Liveness, readiness and startup probes run on the device. See manager.ts and runner.ts. */
export type { ProbeManager, ProbeState, ProbeTarget } from './types.js';
export { createProbeManager, RUNNER_GRACE_MS, UNKNOWN_CONTAINER_STATE, type ProbeManagerDeps } from './manager.js';
export { probesFromAgent, agentSideHost, type ProbeRunner, type ProbeOutcome, type ProbeResult } from './runner.js';
export { createProbeRunner } from './default-runner.js';
export { createExecRunner } from './exec-runner.js';
export { createHttpRunner, createTcpRunner } from './net-runners.js';
export { createInPodRunner, inPodCommand, inPodOutcome } from './in-pod.js';
export {
  PROBE_DEFAULTS,
  PROBE_KINDS,
  containerProbes,
  parseProbe,
  type ParsedProbe,
  type ProbeHandler,
  type ProbeKind,
  type ProbeSpec,
} from './spec.js';

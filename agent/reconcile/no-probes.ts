/**
 * A ProbeManager that runs no probes: every container is started and ready as soon as it
 * runs, as in a pod without probes. For wiring before `createProbeManager` exists, and for
 * tests of everything but probes. It is the agent's own seam, not a stand-in for Docker.
 */
import type { ProbeManager, ProbeState } from '../probes/types.js';

const READY: ProbeState = { started: true, ready: true, mustRestart: false };

export function noProbes(): ProbeManager {
  return {
    sync: () => undefined,
    state: () => READY,
    onChange: () => () => undefined,
    stop: () => undefined,
  };
}

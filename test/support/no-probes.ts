/**
 * A ProbeManager that runs no probes: every container is started and ready as soon as it
 * runs, as in a pod without probes. For tests of everything but probes; it replaces the
 * agent's own seam, not Docker.
 */
import type { ProbeManager, ProbeState } from '../../agent/probes/types.js';

const READY: ProbeState = { started: true, ready: true, mustRestart: false };

export function noProbes(): ProbeManager {
  return {
    sync: () => undefined,
    state: () => READY,
    onChange: () => () => undefined,
    stop: () => undefined,
  };
}

/**
 * What the reconcile loop needs from probing. `agent/probes/` runs liveness, readiness and
 * startup probes on the device; reconcile tells it which containers run and reads the results.
 */
import type { KubeObject } from '../../shared/api/meta.js';
import type { ProbeKind } from './spec.js';

export interface ProbeTarget {
  pod: KubeObject;
  podUid: string;
  container: string;
  containerId: string;
  /** The pod runs in the host's network namespace (probes reach 127.0.0.1). */
  hostNetwork: boolean;
  /** When the container last started (probe initialDelaySeconds counts from here). */
  startedAt: Date;
  /**
   * The pod's address when the agent can reach it (a Docker network with a route from the
   * host). Unset with the default `--network none` sandboxes: http/tcp probes then run inside
   * the pod (see runner.ts). Ignored for hostNetwork pods (127.0.0.1).
   */
  podIP?: string;
}

export interface ProbeState {
  /** Startup probe passed, or there is none. Liveness and readiness wait for it. */
  started: boolean;
  /** Readiness probe passing, or there is none (then: ready once started). */
  ready: boolean;
  /** Liveness (or startup) failed failureThreshold times: the container must be restarted. */
  mustRestart: boolean;
  /** Why, for the pod event and status (e.g. `Liveness probe failed: HTTP probe failed with statuscode: 500`). */
  message?: string;
  /**
   * The probe `message` is about: with `mustRestart`, the one that forces the restart (startup
   * or liveness). Set exactly when `message` is, so nobody reads the kind out of the text.
   */
  probe?: ProbeKind;
}

export interface ProbeManager {
  /** The containers that are running now; probers start/stop to match. Idempotent. */
  sync(targets: ProbeTarget[]): void;
  /** A container not in the last sync counts as neither started nor ready. */
  state(podUid: string, container: string): ProbeState;
  /**
   * Called when any probe result changes, so reconcile and status can run again. Not called for
   * what `sync` itself changes (a new container starts with a clean state): `state()` shows it.
   */
  onChange(listener: (podUid: string) => void): () => void;
  stop(): void;
}

/**
 * The node's pod infrastructure, planned like pods: desired (the pod network's settings, the
 * locally built pause image) against observed (the Docker network of that name, whether the
 * image is there) → steps, and what blocks sandboxes meanwhile. Level-based: a missing network
 * is created; one that exists with other settings is never changed or removed (pods of other
 * agents or the user's containers may use it), it is reported and no sandbox joins it. Pure.
 */
import type { NetworkCreateSpec, ObservedNetwork } from '../engine/types.js';
import { LABELS } from '../engine/types.js';
import type { PodNetworkSettings } from './settings.js';

export interface InfraDesired {
  network?: PodNetworkSettings;
  /** Build this image from the host binary when it is missing. */
  pauseImage?: { ref: string; binaryPath: string };
}

export interface InfraObserved {
  /** The network named by the settings; undefined: there is none. */
  network?: ObservedNetwork;
  pauseImagePresent: boolean;
}

/** The last failure of a step kind, and when to try again. */
export interface InfraFailure {
  error: string;
  failures: number;
  retryAt: number;
}

export type InfraStep = { kind: 'createNetwork'; spec: NetworkCreateSpec } | { kind: 'buildPauseImage'; ref: string; binaryPath: string };
export type InfraStepKind = InfraStep['kind'];

export interface InfraPlan {
  steps: InfraStep[];
  /** Why no sandbox can be created now (undefined: go ahead). */
  blocked?: string;
  /** Worth a log line, not a stop. */
  warnings: string[];
  /** Plan again at this time (a backoff ends). */
  wakeAt?: number;
}

export function networkSpec(s: PodNetworkSettings): NetworkCreateSpec {
  return { name: s.name, subnet: s.subnet, bridgeName: s.name, masquerade: true, labels: { [LABELS.managed]: 'true' } };
}

export function planInfra(desired: InfraDesired, observed: InfraObserved, failures: ReadonlyMap<InfraStepKind, InfraFailure>, now: number): InfraPlan {
  const out: InfraPlan = { steps: [], warnings: [] };
  const blockedBy: string[] = [];
  const retry = (kind: InfraStepKind, what: string): boolean => {
    const f = failures.get(kind);
    if (f && now < f.retryAt) {
      blockedBy.push(`${what} failed: ${f.error}`);
      out.wakeAt = Math.min(out.wakeAt ?? f.retryAt, f.retryAt);
      return false;
    }
    return true;
  };

  const want = desired.network;
  if (want) {
    const have = observed.network;
    if (!have) {
      if (retry('createNetwork', `creating network ${want.name}`)) {
        out.steps.push({ kind: 'createNetwork', spec: networkSpec(want) });
        blockedBy.push(`network ${want.name} does not exist yet`);
      }
    } else if (have.driver !== 'bridge') {
      blockedBy.push(`network ${want.name} exists with driver "${have.driver}", not bridge: remove it (docker network rm ${want.name}) or set another podNetwork.name`);
    } else if (!have.subnets.includes(want.subnet)) {
      const subnets = have.subnets.length > 0 ? have.subnets.join(', ') : 'no subnet';
      blockedBy.push(`network ${want.name} exists with ${subnets}, but podNetwork.subnet is ${want.subnet}: remove it (docker network rm ${want.name}) or change podNetwork.subnet`);
    } else if (have.masquerade === false) {
      out.warnings.push(`network ${want.name} exists without IP masquerade: pods may have no outbound access`);
    }
  }

  const pause = desired.pauseImage;
  if (pause && !observed.pauseImagePresent) {
    if (retry('buildPauseImage', `building the pause image ${pause.ref} from ${pause.binaryPath}`)) {
      out.steps.push({ kind: 'buildPauseImage', ref: pause.ref, binaryPath: pause.binaryPath });
      blockedBy.push(`the pause image ${pause.ref} is not built yet`);
    }
  }
  if (blockedBy.length > 0) out.blocked = blockedBy.join('; ');
  return out;
}

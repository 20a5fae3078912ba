/**
 * Is the container runtime there? A `RuntimeProbe` answers for the Ready condition. The engine's
 * one asks the engine for its version (GET /version) with a short time limit; any failure means
 * unreachable, with the engine's error text.
 */
import type { RuntimeState } from '../conditions/index.js';
import type { ContainerEngine } from '../engine/types.js';
import { errorMessage } from '../../shared/util/guards.js';

export interface RuntimeProbe {
  probe(): Promise<RuntimeState>;
}

export function engineRuntimeProbe(engine: Pick<ContainerEngine, 'version'>, timeoutMs = 3000): RuntimeProbe {
  return {
    probe: async () => {
      try {
        const version = await engine.version(timeoutMs);
        return version !== '' ? { reachable: true, version } : { reachable: true };
      } catch (e) {
        return { reachable: false, error: errorMessage(e) };
      }
    },
  };
}

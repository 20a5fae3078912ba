/**
 * The reads a pass makes besides `listManaged`: which images the containers that may start
 * need (and whether the device has them), which running containers the probes watch, and which
 * pod directories exist (to clean up after pods that are gone).
 */
import { readdir } from 'node:fs/promises';
import type { ContainerEngine } from '../engine/types.js';
import type { ProbeTarget } from '../probes/types.js';
import { errnoCode, errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { DesiredPods } from './desired.js';
import { isRunning, timeMs, type PodInstances } from './instances.js';
import { SANDBOX_CONTAINER } from './naming.js';

/** Pod uids with a directory under `podsDir`. */
export async function listPodDirs(podsDir: string): Promise<Set<string>> {
  try {
    return new Set(await readdir(podsDir));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return new Set();
    throw e;
  }
}

/** Images of the containers (and sandboxes) of running pods that do not run now. */
export function imagesToCheck(desired: DesiredPods, byPod: ReadonlyMap<string, PodInstances>): Set<string> {
  const refs = new Set<string>();
  for (const p of desired.pods) {
    if (p.model.deletion) continue;
    const inst = byPod.get(p.model.ref.uid);
    const runs = (role: 'init' | 'app' | 'sandbox', name: string): boolean => inst?.of(role, name).some(isRunning) ?? false;
    if (p.sandbox && !runs('sandbox', SANDBOX_CONTAINER)) refs.add(p.sandbox.image);
    for (const c of [...p.init, ...p.app]) if (!runs(c.role, c.name)) refs.add(c.image);
  }
  return refs;
}

/** The references among `refs` the device has (an inspect error counts as absent). */
export async function presentImages(engine: ContainerEngine, refs: ReadonlySet<string>, log: Logger): Promise<Set<string>> {
  const present = new Set<string>();
  await Promise.all(
    [...refs].map(async (ref) => {
      try {
        if (await engine.inspectImage(ref)) present.add(ref);
      } catch (e) {
        log.debug('image inspect failed', { image: ref, error: errorMessage(e) });
      }
    }),
  );
  return present;
}

/** The running app containers of pods that are not being deleted, with their current spec. */
export function probeTargets(desired: DesiredPods, byPod: ReadonlyMap<string, PodInstances>, now: Date): ProbeTarget[] {
  const targets: ProbeTarget[] = [];
  for (const p of desired.pods) {
    if (p.model.deletion) continue;
    const inst = byPod.get(p.model.ref.uid);
    for (const c of p.app) {
      const cur = inst?.of('app', c.name)[0];
      if (!cur || !isRunning(cur) || cur.specHash !== c.specHash) continue;
      targets.push({
        pod: p.model.obj,
        podUid: p.model.ref.uid,
        container: c.name,
        containerId: cur.id,
        hostNetwork: p.model.hostNetwork,
        startedAt: new Date(timeMs(cur.startedAt) ?? now.getTime()),
      });
    }
  }
  return targets;
}

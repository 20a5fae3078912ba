/**
 * Carrying out a PodVolumePlan on the disk: emptyDir directories (mode 0777, as the kubelet
 * makes them), hostPath checks, AtomicWriter projections for configMap and secret volumes,
 * subPath directories; and removing a pod's directory when the pod is gone.
 */
import { chmod, mkdir, realpath, rm, statfs } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { errnoCode, errorMessage } from '../../shared/util/guards.js';
import { writeAtomic } from './atomic-writer.js';
import { checkHostPath } from './host-path.js';
import { podDir, type PodVolumePlan, type VolumeProblem } from './plan.js';
import { hostPathRefusal, type HostPathPolicy } from './host-path-policy.js';
import { resolveSubPath } from './subpath.js';

export interface SetUpResult {
  /** Volumes that could not be set up, with the reason (the pod's containers must wait). */
  problems: VolumeProblem[];
  /** Names of configMap/secret volumes whose files changed. */
  updated: string[];
}

async function subDirs(root: string, subPaths: readonly string[]): Promise<void> {
  for (const s of subPaths) await resolveSubPath(root, s, true);
}

/** Sets up every volume of the plan; one volume's failure does not stop the others. */
export async function setUpPodVolumes(plan: PodVolumePlan, now: Date, hostPaths?: HostPathPolicy): Promise<SetUpResult> {
  const problems: VolumeProblem[] = [...plan.problems];
  const updated: string[] = [];
  await mkdir(plan.podDir, { recursive: true, mode: 0o750 });
  for (const v of plan.volumes) {
    try {
      if ('memory' in v && v.memory) await requireTmpfs(v.dir);
      switch (v.kind) {
        case 'emptyDir':
          await mkdir(v.dir, { recursive: true });
          await chmod(v.dir, 0o777);
          await subDirs(v.dir, v.subPaths);
          break;
        case 'hostPath':
          if (hostPaths) await checkResolved(v.path, hostPaths);
          await checkHostPath(v.path, v.type);
          if (hostPaths) await checkResolved(v.path, hostPaths);
          await subDirs(v.path, v.subPaths);
          break;
        case 'configMap':
        case 'secret': {
          const r = await writeAtomic(v.dir, v.files, now);
          if (r.changed) updated.push(v.name);
          break;
        }
      }
    } catch (e) {
      problems.push({ volume: v.name, message: errorMessage(e) });
    }
  }
  return { problems, updated };
}

/**
 * The device's host path policy on the path as the kernel will resolve it: a symlink planted
 * inside an allowed directory must not lead a bind (or a *OrCreate) elsewhere. Checked on the
 * deepest existing ancestor before anything is created, and on the path itself after.
 */
async function checkResolved(path: string, policy: HostPathPolicy): Promise<void> {
  let existing = path;
  for (;;) {
    try {
      const real = await realpath(existing);
      const rest = relative(existing, path);
      const why = hostPathRefusal(rest === '' ? real : join(real, rest), policy);
      if (why !== undefined) throw new Error(`${path} resolves outside what this device allows: ${why}`);
      return;
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT' || existing === '/') throw e;
      existing = dirname(existing);
    }
  }
}

/** statfs(2)'s f_type of tmpfs. */
const TMPFS_MAGIC = 0x01021994;

/** Makes `dir`'s parents (0700) and fails unless they are on tmpfs: Secret data never goes to disk. */
async function requireTmpfs(dir: string): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const fs = await statfs(parent);
  if (fs.type !== TMPFS_MAGIC) throw new Error(`${parent} is not on tmpfs: Secret and medium Memory volumes are kept in memory only (agent setting runDir must be a tmpfs directory)`);
}

/** Removes `PODS_DIR/UID` and everything in it (emptyDirs, projections); never hostPaths. */
export async function tearDownPodVolumes(podsDir: string, uid: string, memoryDir?: string): Promise<void> {
  for (const base of memoryDir !== undefined ? [podsDir, memoryDir] : [podsDir]) {
    const dir = resolve(podDir(base, uid));
    const rel = relative(resolve(base), dir);
    if (rel === '' || rel.startsWith('..') || rel.includes(sep)) throw new Error(`refusing to remove ${dir}: not a pod directory under ${base}`);
    await rm(dir, { recursive: true, force: true });
  }
}

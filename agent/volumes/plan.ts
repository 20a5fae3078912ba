/**
 * What a pod's volumes are on this device, decided without touching the disk: where each lives
 * (under `PODS_DIR/UID/volumes/KIND/NAME`), the files a configMap or secret volume projects
 * (items, defaultMode, optional, with the kubelet's messages for what is missing), the mounts of
 * a container, and a hash that changes exactly when something must be written again.
 */
import { createHash } from 'node:crypto';
import { join, posix } from 'node:path';
import type { Mount } from '../engine/types.js';
import { canonicalJson } from '../../shared/protocol/canonical-json.js';
import type { ConfigMapVolumeSource, SecretVolumeSource, Volume } from '../../shared/api/types/index.js';
import { checkProjectedPath, type ProjectedFile } from './atomic-writer.js';
import type { HostPathType } from './host-path.js';

/** ConfigMap / Secret data by namespace and name (the desired document's). */
export interface VolumeSources {
  configMap(namespace: string, name: string): { data: ReadonlyMap<string, Buffer> } | undefined;
  secret(namespace: string, name: string): { data: ReadonlyMap<string, Buffer> } | undefined;
}

/** `memory`: the directory must be on tmpfs (Secret data and medium Memory never touch the disk). */
export type VolumeSetup =
  | { name: string; kind: 'emptyDir'; dir: string; subPaths: string[]; memory?: true }
  | { name: string; kind: 'hostPath'; path: string; type: HostPathType; subPaths: string[] }
  | { name: string; kind: 'configMap' | 'secret'; dir: string; files: ProjectedFile[]; memory?: true };

export interface VolumeProblem {
  volume: string;
  message: string;
}

export interface PodVolumePlan {
  podDir: string;
  volumes: VolumeSetup[];
  /** Volumes that cannot be set up from the document alone (a missing ConfigMap, …). */
  problems: VolumeProblem[];
  /** Worth an event, not a failure (e.g. emptyDir medium Memory runs on disk). */
  warnings: string[];
  /** Changes when anything to write or check changes. */
  hash: string;
}

export interface MountInput {
  name: string;
  mountPath: string;
  readOnly: boolean;
  subPath?: string;
}

export const DEFAULT_VOLUME_MODE = 0o644;
const KIND_DIR = { emptyDir: 'empty-dir', configMap: 'configmap', secret: 'secret' } as const;

export function podDir(podsDir: string, uid: string): string {
  return join(podsDir, uid);
}

type ProjectionSource = { kind: 'configMap'; src: ConfigMapVolumeSource } | { kind: 'secret'; src: SecretVolumeSource };

function sourceName(p: ProjectionSource): string {
  return p.kind === 'configMap' ? p.src.name : p.src.secretName;
}

function project({ kind, src }: ProjectionSource, name: string, obj: { data: ReadonlyMap<string, Buffer> } | undefined): { files: ProjectedFile[] } | { error: string } {
  const optional = src.optional === true;
  const defaultMode = src.defaultMode ?? DEFAULT_VOLUME_MODE;
  if (!obj) {
    if (optional) return { files: [] };
    return { error: `${kind === 'configMap' ? 'configmap' : 'secret'} "${name}" not found` };
  }
  const files: ProjectedFile[] = [];
  if (src.items && src.items.length > 0) {
    for (const it of src.items) {
      const data = obj.data.get(it.key);
      if (data === undefined) {
        if (optional) continue;
        return { error: kind === 'configMap' ? `configmap references non-existent config key: ${it.key}` : `references non-existent secret key: ${it.key}` };
      }
      files.push({ path: it.path || it.key, data, mode: it.mode ?? defaultMode });
    }
  } else {
    for (const [key, data] of obj.data) files.push({ path: key, data, mode: defaultMode });
  }
  for (const f of files) {
    try {
      checkProjectedPath(f.path);
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files };
}

function digest(plan: Omit<PodVolumePlan, 'hash'>): string {
  const view = plan.volumes.map((v) =>
    v.kind === 'configMap' || v.kind === 'secret'
      ? { ...v, files: v.files.map((f) => ({ path: f.path, mode: f.mode, sha: createHash('sha256').update(f.data).digest('hex') })) }
      : v,
  );
  return createHash('sha256').update(canonicalJson({ volumes: view, problems: plan.problems })).digest('hex').slice(0, 16);
}

/**
 * Plans the pod's volumes. `subPaths` lists, per volume name, the subPaths containers mount
 * (created inside emptyDir and hostPath volumes, as the kubelet does).
 */
export function planPodVolumes(
  podsDir: string,
  uid: string,
  namespace: string,
  volumes: readonly Volume[],
  sources: VolumeSources,
  subPaths: ReadonlyMap<string, string[]> = new Map(),
  /** `RUN_DIR/pods` on tmpfs: where Secret volumes and medium Memory emptyDirs live. */
  memoryDir?: string,
): PodVolumePlan {
  const base = join(podDir(podsDir, uid), 'volumes');
  const memBase = memoryDir !== undefined ? join(podDir(memoryDir, uid), 'volumes') : undefined;
  const out: VolumeSetup[] = [];
  const problems: VolumeProblem[] = [];
  const warnings: string[] = [];
  for (const v of volumes) {
    const name = v.name;
    const subs = [...new Set(subPaths.get(name) ?? [])].sort();
    const projection: ProjectionSource | undefined = v.configMap
      ? { kind: 'configMap', src: v.configMap }
      : v.secret
        ? { kind: 'secret', src: v.secret }
        : undefined;
    if (v.emptyDir) {
      if (v.emptyDir.medium === 'Memory' && memBase !== undefined) {
        out.push({ name, kind: 'emptyDir', dir: join(memBase, KIND_DIR.emptyDir, name), subPaths: subs, memory: true });
        continue;
      }
      if (v.emptyDir.medium === 'Memory') warnings.push(`volume "${name}": emptyDir medium Memory is not supported on this device; the volume is on disk`);
      out.push({ name, kind: 'emptyDir', dir: join(base, KIND_DIR.emptyDir, name), subPaths: subs });
    } else if (v.hostPath) {
      const { path } = v.hostPath;
      const type: HostPathType = v.hostPath.type ?? '';
      if (!path.startsWith('/')) problems.push({ volume: name, message: `hostPath path ${JSON.stringify(path)} is not absolute` });
      else out.push({ name, kind: 'hostPath', path: posix.normalize(path), type, subPaths: subs });
    } else if (projection) {
      const { kind } = projection;
      const objName = sourceName(projection);
      const obj = kind === 'configMap' ? sources.configMap(namespace, objName) : sources.secret(namespace, objName);
      const p = project(projection, objName, obj);
      if ('error' in p) problems.push({ volume: name, message: p.error });
      else if (kind === 'secret' && memBase !== undefined) out.push({ name, kind, dir: join(memBase, KIND_DIR[kind], name), files: p.files, memory: true });
      else out.push({ name, kind, dir: join(base, KIND_DIR[kind], name), files: p.files });
    } else {
      problems.push({ volume: name, message: 'volume type not supported on this device (Flotilla runs emptyDir, hostPath, configMap and secret volumes)' });
    }
  }
  const plan = { podDir: podDir(podsDir, uid), volumes: out, problems, warnings };
  return { ...plan, hash: digest(plan) };
}

export function checkSubPath(subPath: string): string | undefined {
  if (subPath.startsWith('/')) return `subPath ${JSON.stringify(subPath)} must be relative`;
  if (subPath.split('/').includes('..')) return `subPath ${JSON.stringify(subPath)} must not contain '..'`;
  return undefined;
}

/** A container's mounts; throws an Error naming the first mount that cannot be made. */
export function containerMounts(plan: PodVolumePlan, mounts: readonly MountInput[]): Mount[] {
  const byName = new Map(plan.volumes.map((v) => [v.name, v]));
  return mounts.map((m) => {
    const v = byName.get(m.name);
    if (!v) {
      const problem = plan.problems.find((p) => p.volume === m.name);
      throw new Error(problem ? `volume "${m.name}": ${problem.message}` : `volumeMount "${m.mountPath}" names volume "${m.name}", which the pod does not have`);
    }
    const root = v.kind === 'hostPath' ? v.path : v.dir;
    // configMap and secret volumes are always read-only, as in Kubernetes.
    const readOnly = m.readOnly || v.kind === 'configMap' || v.kind === 'secret';
    if (m.subPath === undefined) return { hostPath: root, containerPath: m.mountPath, readOnly };
    const bad = checkSubPath(m.subPath);
    if (bad) throw new Error(bad);
    return { hostPath: join(root, m.subPath), containerPath: m.mountPath, readOnly, volumeRoot: root };
  });
}

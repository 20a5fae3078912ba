/**
 * A typed, defensive view of a Pod from the desired document. The hub validated and defaulted
 * it, but the agent may hold a document from an older hub, so every field is read with a guard
 * and Kubernetes' defaults are filled in again where they matter. Pure: no I/O.
 */
import type { KubeObject } from '../../shared/api/meta.js';
import { defaultPullPolicy } from '../../shared/api/defaults.js';
import { isRecord, type JsonObject } from '../../shared/util/guards.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';
export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface PodRef {
  uid: string;
  namespace: string;
  name: string;
}

export interface PortSpec {
  name?: string;
  containerPort: number;
  hostPort?: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  hostIP?: string;
}

export interface VolumeMountSpec {
  name: string;
  mountPath: string;
  readOnly: boolean;
  subPath?: string;
}

export interface ContainerModel {
  name: string;
  image: string;
  pullPolicy: PullPolicy;
  command?: string[];
  args?: string[];
  workingDir?: string;
  /** `env` entries as written (resolved by env.ts). */
  env: JsonObject[];
  /** `envFrom` entries as written. */
  envFrom: JsonObject[];
  ports: PortSpec[];
  volumeMounts: VolumeMountSpec[];
  limits: JsonObject;
  requests: JsonObject;
  privileged: boolean;
  /** The container as the pod spec holds it: hashed, and handed to probes. */
  raw: JsonObject;
}

export interface PodModel {
  ref: PodRef;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  nodeName: string;
  serviceAccountName: string;
  hostNetwork: boolean;
  restartPolicy: RestartPolicy;
  terminationGracePeriodSeconds: number;
  /** Set when the hub is deleting the pod (graceful deletion or eviction). */
  deletion?: { timestamp: string; graceSeconds: number };
  initContainers: ContainerModel[];
  containers: ContainerModel[];
  /** `volumes` entries as written (resolved by volumes.ts). */
  volumes: JsonObject[];
  imagePullSecrets: string[];
  obj: KubeObject;
}

export const DEFAULT_GRACE_SECONDS = 30;
const SAFE_UID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function records(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function strings(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter((x): x is string => typeof x === 'string');
}

function str(o: JsonObject, k: string): string | undefined {
  const v = o[k];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function nonNegInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(v)) return out;
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

function pullPolicy(c: JsonObject, image: string): PullPolicy {
  const p = c['imagePullPolicy'];
  return p === 'Always' || p === 'IfNotPresent' || p === 'Never' ? p : defaultPullPolicy(image);
}

function port(p: JsonObject, hostNetwork: boolean): PortSpec | undefined {
  const containerPort = nonNegInt(p['containerPort']);
  if (containerPort === undefined || containerPort === 0) return undefined;
  const proto = p['protocol'];
  const out: PortSpec = { containerPort, protocol: proto === 'UDP' || proto === 'SCTP' ? proto : 'TCP' };
  const hostPort = nonNegInt(p['hostPort']);
  if (hostPort !== undefined && hostPort > 0) out.hostPort = hostPort;
  else if (hostNetwork) out.hostPort = containerPort;
  const name = str(p, 'name');
  if (name !== undefined) out.name = name;
  const hostIP = str(p, 'hostIP');
  if (hostIP !== undefined) out.hostIP = hostIP;
  return out;
}

function volumeMount(m: JsonObject): VolumeMountSpec | undefined {
  const name = str(m, 'name');
  const mountPath = str(m, 'mountPath');
  if (name === undefined || mountPath === undefined) return undefined;
  const out: VolumeMountSpec = { name, mountPath, readOnly: m['readOnly'] === true };
  const subPath = str(m, 'subPath');
  if (subPath !== undefined) out.subPath = subPath;
  return out;
}

function container(c: JsonObject, hostNetwork: boolean): ContainerModel | undefined {
  const name = str(c, 'name');
  const image = str(c, 'image');
  if (name === undefined || image === undefined) return undefined;
  const resources = isRecord(c['resources']) ? c['resources'] : {};
  const sc = isRecord(c['securityContext']) ? c['securityContext'] : {};
  const out: ContainerModel = {
    name,
    image,
    pullPolicy: pullPolicy(c, image),
    env: records(c['env']),
    envFrom: records(c['envFrom']),
    ports: records(c['ports'])
      .map((p) => port(p, hostNetwork))
      .filter((p): p is PortSpec => p !== undefined),
    volumeMounts: records(c['volumeMounts'])
      .map(volumeMount)
      .filter((m): m is VolumeMountSpec => m !== undefined),
    limits: isRecord(resources['limits']) ? resources['limits'] : {},
    requests: isRecord(resources['requests']) ? resources['requests'] : {},
    privileged: sc['privileged'] === true,
    raw: c,
  };
  const command = strings(c['command']);
  if (command && command.length > 0) out.command = command;
  const args = strings(c['args']);
  if (args && args.length > 0) out.args = args;
  const workingDir = str(c, 'workingDir');
  if (workingDir !== undefined) out.workingDir = workingDir;
  return out;
}

export type PodModelResult = { ok: true; pod: PodModel } | { ok: false; error: string };

/** Reads a Pod; fails only when it cannot be identified (no uid or name). */
export function podModel(obj: KubeObject): PodModelResult {
  const m = obj.metadata;
  const uid = m.uid;
  const name = m.name;
  if (typeof uid !== 'string' || uid === '' || typeof name !== 'string' || name === '') {
    return { ok: false, error: 'pod without metadata.uid or metadata.name' };
  }
  // The uid names directories and containers: refuse anything that is not a plain token.
  if (!SAFE_UID_RE.test(uid)) return { ok: false, error: `pod uid ${JSON.stringify(uid)} is not [A-Za-z0-9_.-]` };
  const spec = isRecord(obj['spec']) ? obj['spec'] : {};
  const hostNetwork = spec['hostNetwork'] === true;
  const rp = spec['restartPolicy'];
  const grace = nonNegInt(spec['terminationGracePeriodSeconds']) ?? DEFAULT_GRACE_SECONDS;
  const pod: PodModel = {
    ref: { uid, namespace: typeof m.namespace === 'string' && m.namespace !== '' ? m.namespace : 'default', name },
    labels: stringMap(m.labels),
    annotations: stringMap(m.annotations),
    nodeName: str(spec, 'nodeName') ?? '',
    serviceAccountName: str(spec, 'serviceAccountName') ?? 'default',
    hostNetwork,
    restartPolicy: rp === 'OnFailure' || rp === 'Never' ? rp : 'Always',
    terminationGracePeriodSeconds: grace,
    initContainers: records(spec['initContainers'])
      .map((c) => container(c, hostNetwork))
      .filter((c): c is ContainerModel => c !== undefined),
    containers: records(spec['containers'])
      .map((c) => container(c, hostNetwork))
      .filter((c): c is ContainerModel => c !== undefined),
    volumes: records(spec['volumes']),
    imagePullSecrets: records(spec['imagePullSecrets'])
      .map((s) => str(s, 'name'))
      .filter((s): s is string => s !== undefined),
    obj,
  };
  if (typeof m.deletionTimestamp === 'string' && m.deletionTimestamp !== '') {
    pod.deletion = { timestamp: m.deletionTimestamp, graceSeconds: nonNegInt(m.deletionGracePeriodSeconds) ?? grace };
  }
  return { ok: true, pod };
}

/** `name_namespace(uid)`, as the kubelet names a pod in messages. */
export function podDisplay(ref: PodRef): string {
  return `${ref.name}_${ref.namespace}(${ref.uid})`;
}

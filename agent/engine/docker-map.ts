/**
 * Pure translations between the engine's types and Docker's API objects: a ContainerCreateSpec
 * to a create body, an inspected container to an ObservedContainer, an inspected image to an
 * ImageInfo, image references, and Docker's error answers to readable parts.
 */
import type Dockerode from 'dockerode';
import { errnoCode, errorMessage, isRecord } from '../../shared/util/guards.js';
import { formatPlatform } from './platform.js';
import { LABELS, type ContainerCreateSpec, type ContainerRole, type ImageInfo, type ObservedContainer } from './types.js';

// ---- create -------------------------------------------------------------------------------------

/**
 * The body of `POST /containers/create` for a spec. Decisions:
 * - No restart policy (the agent restarts, with CrashLoopBackOff) and no init process.
 * - `container:<id>` network mode shares the sandbox's namespaces: Docker refuses a hostname,
 *   exposed or published ports there, so they are left out (the sandbox carries them).
 * - Published ports only with a network that can publish (not `host`, where Docker discards
 *   them, and not `none`); exposed ports are kept as metadata except in `container:` mode.
 * - Memory swap = memory unless told otherwise: no swap beyond the limit. Without a memory limit
 *   no swap limit is sent (Docker refuses a swap limit alone).
 */
export function toCreateOptions(spec: ContainerCreateSpec): Dockerode.ContainerCreateOptions {
  const mode = spec.networkMode;
  const sharesNetwork = mode.startsWith('container:');
  const canPublish = !sharesNetwork && mode !== 'host' && mode !== 'none';

  const exposed: NonNullable<Dockerode.ContainerCreateOptions['ExposedPorts']> = {};
  const published: Dockerode.PortMap = {};
  for (const p of spec.ports) {
    const key = `${p.containerPort}/${p.protocol.toLowerCase()}`;
    exposed[key] = {};
    if (canPublish && p.hostPort !== undefined) {
      const list = published[key] ?? [];
      list.push({ HostPort: String(p.hostPort), HostIp: p.hostIP ?? '' });
      published[key] = list;
    }
  }

  const hostConfig: Dockerode.HostConfig = {
    NetworkMode: mode,
    Binds: spec.mounts.map(bindOf),
    Privileged: spec.privileged,
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    Init: false,
    AutoRemove: false,
    // Bounded logs: a chatty container must not fill a device's SD card (Docker's default is unbounded).
    LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
  };
  if (Object.keys(published).length > 0) hostConfig.PortBindings = published;
  if (spec.memoryBytes !== undefined) {
    hostConfig.Memory = spec.memoryBytes;
    hostConfig.MemorySwap = spec.memorySwapBytes ?? spec.memoryBytes;
  }
  if (spec.cpuQuota !== undefined) hostConfig.CpuQuota = spec.cpuQuota;
  if (spec.cpuPeriod !== undefined) hostConfig.CpuPeriod = spec.cpuPeriod;
  if (spec.cpuShares !== undefined) hostConfig.CpuShares = spec.cpuShares;
  if (spec.pidsLimit !== undefined) hostConfig.PidsLimit = spec.pidsLimit;
  applySecurity(spec, hostConfig);

  const opts: Dockerode.ContainerCreateOptions = {
    name: spec.name,
    Image: spec.image,
    Env: spec.env,
    Labels: spec.labels,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    HostConfig: hostConfig,
  };
  if (spec.entrypoint !== undefined) opts.Entrypoint = spec.entrypoint;
  if (spec.cmd !== undefined) opts.Cmd = spec.cmd;
  if (spec.workingDir !== undefined && spec.workingDir !== '') opts.WorkingDir = spec.workingDir;
  if (spec.hostname !== undefined && spec.hostname !== '' && !sharesNetwork) opts.Hostname = spec.hostname;
  if (!sharesNetwork && Object.keys(exposed).length > 0) opts.ExposedPorts = exposed;
  if (spec.stopSignal !== undefined && spec.stopSignal !== '') opts.StopSignal = spec.stopSignal;
  if (spec.user !== undefined && spec.user !== '') opts.User = spec.user;
  return opts;
}

/** The securityContext part of HostConfig; nothing set means Docker's defaults. */
function applySecurity(spec: ContainerCreateSpec, hc: Dockerode.HostConfig): void {
  if (spec.groupAdd && spec.groupAdd.length > 0) hc.GroupAdd = spec.groupAdd;
  if (spec.readOnlyRootfs) hc.ReadonlyRootfs = true;
  if (spec.capAdd && spec.capAdd.length > 0) hc.CapAdd = spec.capAdd;
  if (spec.capDrop && spec.capDrop.length > 0) hc.CapDrop = spec.capDrop;
  if (spec.securityOpt && spec.securityOpt.length > 0) hc.SecurityOpt = spec.securityOpt;
  if (spec.pidMode !== undefined) hc.PidMode = spec.pidMode;
  if (spec.ipcMode !== undefined) hc.IpcMode = spec.ipcMode;
  if (spec.sysctls && Object.keys(spec.sysctls).length > 0) hc.Sysctls = spec.sysctls;
  if (spec.unmaskedProc) {
    hc.MaskedPaths = [];
    hc.ReadonlyPaths = [];
  }
  if (spec.tmpfs && Object.keys(spec.tmpfs).length > 0) hc.Tmpfs = spec.tmpfs;
}

function bindOf(m: ContainerCreateSpec['mounts'][number]): string {
  for (const p of [m.hostPath, m.containerPath]) {
    if (p.includes(':') || p === '') throw new Error(`mount path ${JSON.stringify(p)} cannot be bound: empty or contains ':'`);
  }
  return `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`;
}

// ---- observe ------------------------------------------------------------------------------------

const STATES: ReadonlySet<string> = new Set<ObservedContainer['state']>([
  'created',
  'running',
  'exited',
  'paused',
  'restarting',
  'dead',
  'removing',
]);

function isState(s: string): s is ObservedContainer['state'] {
  return STATES.has(s);
}

function isRole(s: string | undefined): s is ContainerRole {
  return s === 'sandbox' || s === 'init' || s === 'app';
}

/** Docker's "never" time. */
const ZERO_TIME = /^0001-01-01T/;

/** An RFC 3339 time from Docker (nanoseconds, any zone) as an ISO string; undefined for "never". */
export function dockerTime(t: string | undefined | null): string | undefined {
  if (t === undefined || t === null || t === '' || ZERO_TIME.test(t)) return undefined;
  // JavaScript dates carry milliseconds: cut longer fractions before parsing.
  const ms = Date.parse(t.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * An inspected container as the reconciler sees it, or undefined when it does not carry the
 * managed label (never report what the agent did not create). Missing or malformed Flotilla
 * labels on a managed container become empty values (role `app`, attempt 0) so that the planner
 * sees a container that belongs to no pod and removes it.
 */
export function toObserved(info: Dockerode.ContainerInspectInfo): ObservedContainer | undefined {
  // Docker sends `"Labels": null` for a container without labels, whatever the typings say.
  const labels: Record<string, string | undefined> = info.Config.Labels ?? {};
  if (labels[LABELS.managed] !== 'true') return undefined;
  const st = info.State;
  const status = st.Status;
  const state: ObservedContainer['state'] = isState(status) ? status : st.Running ? 'running' : 'exited';
  const role = labels[LABELS.role];
  const attempt = Number.parseInt(labels[LABELS.attempt] ?? '', 10);
  const o: ObservedContainer = {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    podUid: labels[LABELS.podUid] ?? '',
    podNamespace: labels[LABELS.podNamespace] ?? '',
    podName: labels[LABELS.podName] ?? '',
    container: labels[LABELS.container] ?? '',
    role: isRole(role) ? role : 'app',
    specHash: labels[LABELS.specHash] ?? '',
    attempt: Number.isFinite(attempt) && attempt >= 0 ? attempt : 0,
    image: info.Config.Image,
    imageId: info.Image,
    state,
    createdAt: dockerTime(info.Created) ?? info.Created,
  };
  const error = st.Error ?? '';
  if (error !== '') o.error = error;
  // Docker sends `"Networks": null` for a container in another's namespace, whatever the typings say.
  const networks: Record<string, { IPAddress?: string }> | null | undefined = info.NetworkSettings.Networks;
  const ip = Object.values(networks ?? {}).find((n) => typeof n.IPAddress === 'string' && n.IPAddress !== '')?.IPAddress;
  if (ip !== undefined) o.ip = ip;
  if (state === 'exited' || state === 'dead' || error !== '') o.exitCode = st.ExitCode;
  if (state === 'exited' || state === 'dead') o.oomKilled = st.OOMKilled;
  let startedAt = dockerTime(st.StartedAt);
  const finishedAt = state === 'running' || state === 'paused' ? undefined : dockerTime(st.FinishedAt);
  // Docker records StartedAt after the start returns: a process that exits at once can show a
  // StartedAt a fraction of a millisecond after its FinishedAt. Never report a negative run.
  if (startedAt !== undefined && finishedAt !== undefined && finishedAt < startedAt) startedAt = finishedAt;
  if (startedAt !== undefined) o.startedAt = startedAt;
  if (finishedAt !== undefined) o.finishedAt = finishedAt;
  return o;
}

export function toImageInfo(info: Dockerode.ImageInspectInfo): ImageInfo {
  const out: ImageInfo = {
    id: info.Id,
    repoTags: info.RepoTags ?? [],
    repoDigests: info.RepoDigests ?? [],
  };
  if (info.Architecture) out.platform = formatPlatform(info.Os, info.Architecture, info.Variant);
  // Docker sends `"Config": null` for some imported images, whatever the typings say.
  const config: { User?: string } | null | undefined = info.Config;
  if (typeof config?.User === 'string') out.user = config.User;
  return out;
}

// ---- image references ---------------------------------------------------------------------------

/**
 * The reference with an explicit tag: `busybox` → `busybox:latest`, while `repo:tag`,
 * `host:5000/repo` (→ `:latest`) and `repo@sha256:…` keep theirs. Docker pulls every tag of a
 * repository when asked for one without a tag; the engine never wants that.
 */
export function withTag(ref: string): string {
  if (ref.includes('@')) return ref;
  const lastSlash = ref.lastIndexOf('/');
  return ref.slice(lastSlash + 1).includes(':') ? ref : `${ref}:latest`;
}

// ---- errors -------------------------------------------------------------------------------------

export interface DockerErrorParts {
  /** Docker's HTTP status, when the error is an API answer. */
  statusCode?: number;
  /** Docker's own message (`{"message": …}`), else the error's message. */
  message: string;
  /** errno code of a socket-level failure (ENOENT, ECONNREFUSED, EACCES, …). */
  errno?: string;
  aborted: boolean;
}

/** Reads docker-modem's errors: `statusCode` and `json` (`{message}` or the raw body). */
export function dockerErrorParts(e: unknown): DockerErrorParts {
  const parts: DockerErrorParts = { message: errorMessage(e), aborted: false };
  const errno = errnoCode(e);
  if (errno !== undefined) parts.errno = errno;
  if (e instanceof Error && (e.name === 'AbortError' || errno === 'ABORT_ERR')) parts.aborted = true;
  if (!isRecord(e)) return parts;
  if (typeof e.statusCode === 'number') parts.statusCode = e.statusCode;
  const json = e.json;
  let body: string | undefined;
  if (isRecord(json) && typeof json.message === 'string') body = json.message;
  else if (Buffer.isBuffer(json)) body = json.toString('utf8');
  else if (typeof json === 'string') body = json;
  if (body !== undefined && body.trim() !== '') {
    parts.message = parseMessage(body.trim());
  } else if (parts.statusCode !== undefined) {
    // Streamed answers carry no `json`; docker-modem put the body into its message instead.
    parts.message = stripModemPrefix(parts.message);
  }
  return parts;
}

/** `(HTTP code 404) unexpected - manifest … not found ` → `manifest … not found`. */
function stripModemPrefix(message: string): string {
  const m = /^\(HTTP code \d+\) [^-]*- ([\s\S]*)$/.exec(message);
  return m?.[1] !== undefined && m[1].trim() !== '' ? parseMessage(m[1].trim()) : message;
}

function parseMessage(body: string): string {
  if (!body.startsWith('{')) return body;
  try {
    const v: unknown = JSON.parse(body);
    if (isRecord(v) && typeof v.message === 'string') return v.message;
  } catch {
    // not JSON after all
  }
  return body;
}

/** errno codes that mean "the Docker socket does not answer". */
export const UNREACHABLE_ERRNO: ReadonlySet<string> = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'EPIPE',
  'ENOTSOCK',
  'ETIMEDOUT',
]);

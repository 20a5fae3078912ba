/**
 * Probe specs as the agent runs them: the pod's `livenessProbe` / `readinessProbe` /
 * `startupProbe` read defensively (the hub validated them, but the agent may hold a document
 * from an older hub or a hand-written desired state), Kubernetes' defaults filled in and named
 * ports resolved against the container's `ports`. Pure: no I/O.
 */
import type { KubeObject } from '../../shared/api/meta.js';
import { isRecord } from '../../shared/util/guards.js';
import type { JsonObject } from '../../shared/util/guards.js';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

export const PROBE_KINDS: readonly ProbeKind[] = ['startup', 'liveness', 'readiness'];

/** The pod spec field for each kind. */
export const PROBE_FIELD: Readonly<Record<ProbeKind, string>> = {
  startup: 'startupProbe',
  liveness: 'livenessProbe',
  readiness: 'readinessProbe',
};

/** `Liveness`, … : how messages and events name a probe. */
export const PROBE_TITLE: Readonly<Record<ProbeKind, string>> = {
  startup: 'Startup',
  liveness: 'Liveness',
  readiness: 'Readiness',
};

export interface HttpHeader {
  name: string;
  value: string;
}

export type ProbeHandler =
  | { type: 'exec'; command: string[] }
  | {
      type: 'httpGet';
      scheme: 'HTTP' | 'HTTPS';
      /** Unset: the pod's address (127.0.0.1 on the host network or inside the pod). */
      host?: string;
      port: number;
      /** Always starts with `/`; may carry a query. */
      path: string;
      headers: HttpHeader[];
    }
  | { type: 'tcpSocket'; host?: string; port: number };

export interface ProbeSpec {
  kind: ProbeKind;
  handler: ProbeHandler;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

export type ParsedProbe = { ok: true; probe: ProbeSpec } | { ok: false; error: string };

/** Kubernetes' defaults; a 0 means "unset" for all but initialDelaySeconds, as in Kubernetes. */
export const PROBE_DEFAULTS = {
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
} as const;

const HANDLERS = ['exec', 'httpGet', 'tcpSocket'] as const;
/** Handlers Kubernetes has that Flotilla does not run. */
const UNSUPPORTED_HANDLERS = ['grpc'] as const;

class SpecError extends Error {}

/** A container port by name (`ports[].name` → `containerPort`). */
export interface NamedPort {
  name: string;
  containerPort: number;
}

function intField(o: JsonObject, key: string, fallback: number, zeroIsUnset: boolean): number {
  const v = o[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new SpecError(`${key} must be an integer, got ${JSON.stringify(v)}`);
  if (v < 0) throw new SpecError(`${key} must not be negative, got ${v}`);
  if (v === 0 && zeroIsUnset) return fallback;
  return v;
}

function optionalString(o: JsonObject, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new SpecError(`${key} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * A port given as a number, or as a string naming one of the container's ports; like the
 * kubelet, a string that names no port but is all digits is taken as the number.
 */
export function resolvePort(v: unknown, ports: readonly NamedPort[], where: string): number {
  let port: number | undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new SpecError(`${where}.port must be an integer or a port name, got ${v}`);
    port = v;
  } else if (typeof v === 'string' && v !== '') {
    const named = ports.find((p) => p.name === v);
    if (named) port = named.containerPort;
    else if (/^\d+$/.test(v)) port = Number(v);
    else {
      const known = ports.map((p) => p.name).filter((n) => n !== '');
      throw new SpecError(
        `${where}.port: the container has no port named "${v}"` + (known.length > 0 ? ` (named ports: ${known.join(', ')})` : ' (it has no named ports)'),
      );
    }
  } else if (v === undefined || v === null || v === '') {
    throw new SpecError(`${where}.port is required`);
  } else {
    throw new SpecError(`${where}.port must be an integer or a port name, got ${JSON.stringify(v)}`);
  }
  if (port < 1 || port > 65535) throw new SpecError(`${where}.port must be between 1 and 65535, got ${port}`);
  return port;
}

function parseHandler(raw: JsonObject, ports: readonly NamedPort[]): ProbeHandler {
  for (const h of UNSUPPORTED_HANDLERS) {
    if (raw[h] !== undefined && raw[h] !== null) throw new SpecError(`${h} probes are not supported by Flotilla (use exec, httpGet or tcpSocket)`);
  }
  const present = HANDLERS.filter((h) => raw[h] !== undefined && raw[h] !== null);
  if (present.length === 0) throw new SpecError('must specify a handler type (exec, httpGet or tcpSocket)');
  if (present.length > 1) throw new SpecError(`may not specify more than 1 handler type, got ${present.join(' and ')}`);
  const type = present[0];
  const body = type === undefined ? undefined : raw[type];
  if (!isRecord(body)) throw new SpecError(`${type ?? 'handler'} must be an object`);
  switch (type) {
    case 'exec': {
      const command = body['command'];
      if (!Array.isArray(command) || command.length === 0) throw new SpecError('exec.command is required');
      if (!command.every((c): c is string => typeof c === 'string')) throw new SpecError('exec.command must be a list of strings');
      return { type: 'exec', command: [...command] };
    }
    case 'httpGet': {
      const scheme = (optionalString(body, 'scheme') ?? 'HTTP').toUpperCase();
      if (scheme !== 'HTTP' && scheme !== 'HTTPS') throw new SpecError(`httpGet.scheme must be HTTP or HTTPS, got ${JSON.stringify(scheme)}`);
      let path = optionalString(body, 'path') ?? '/';
      if (!path.startsWith('/')) path = `/${path}`;
      const headers: HttpHeader[] = [];
      const rawHeaders = body['httpHeaders'];
      if (rawHeaders !== undefined && rawHeaders !== null) {
        if (!Array.isArray(rawHeaders)) throw new SpecError('httpGet.httpHeaders must be a list');
        for (const h of rawHeaders) {
          if (!isRecord(h) || typeof h['name'] !== 'string' || h['name'] === '') throw new SpecError('httpGet.httpHeaders[].name is required');
          const value = h['value'] ?? '';
          if (typeof value !== 'string') throw new SpecError(`httpGet.httpHeaders[${h['name']}].value must be a string`);
          if (/[\r\n]/.test(h['name']) || /[\r\n]/.test(value)) throw new SpecError('httpGet.httpHeaders must not contain line breaks');
          headers.push({ name: h['name'], value });
        }
      }
      const host = optionalString(body, 'host');
      return { type: 'httpGet', scheme, port: resolvePort(body['port'], ports, 'httpGet'), path, headers, ...(host !== undefined ? { host } : {}) };
    }
    case 'tcpSocket': {
      const host = optionalString(body, 'host');
      return { type: 'tcpSocket', port: resolvePort(body['port'], ports, 'tcpSocket'), ...(host !== undefined ? { host } : {}) };
    }
    default:
      throw new SpecError('must specify a handler type (exec, httpGet or tcpSocket)');
  }
}

/** Reads one probe; never throws: a bad spec comes back as `{ok: false, error}`. */
export function parseProbe(kind: ProbeKind, raw: unknown, ports: readonly NamedPort[] = []): ParsedProbe {
  try {
    if (!isRecord(raw)) throw new SpecError('must be an object');
    const handler = parseHandler(raw, ports);
    const probe: ProbeSpec = {
      kind,
      handler,
      initialDelaySeconds: intField(raw, 'initialDelaySeconds', PROBE_DEFAULTS.initialDelaySeconds, false),
      periodSeconds: intField(raw, 'periodSeconds', PROBE_DEFAULTS.periodSeconds, true),
      timeoutSeconds: intField(raw, 'timeoutSeconds', PROBE_DEFAULTS.timeoutSeconds, true),
      successThreshold: intField(raw, 'successThreshold', PROBE_DEFAULTS.successThreshold, true),
      failureThreshold: intField(raw, 'failureThreshold', PROBE_DEFAULTS.failureThreshold, true),
    };
    if (kind !== 'readiness' && probe.successThreshold !== 1) {
      throw new SpecError(`successThreshold must be 1 for ${kind} probes, got ${probe.successThreshold}`);
    }
    return { ok: true, probe };
  } catch (e) {
    if (e instanceof SpecError) return { ok: false, error: e.message };
    throw e;
  }
}

/** The container's named ports; entries without a name or a numeric containerPort are skipped. */
export function namedPorts(container: JsonObject): NamedPort[] {
  const ports = container['ports'];
  if (!Array.isArray(ports)) return [];
  const out: NamedPort[] = [];
  for (const p of ports) {
    if (isRecord(p) && typeof p['name'] === 'string' && p['name'] !== '' && typeof p['containerPort'] === 'number') {
      out.push({ name: p['name'], containerPort: p['containerPort'] });
    }
  }
  return out;
}

/** The container's spec in the pod: `spec.containers`, then `spec.initContainers` (sidecars). */
export function findContainer(pod: KubeObject, name: string): JsonObject | undefined {
  const spec = pod['spec'];
  if (!isRecord(spec)) return undefined;
  for (const list of ['containers', 'initContainers']) {
    const items = spec[list];
    if (!Array.isArray(items)) continue;
    const c = items.find((x): x is JsonObject => isRecord(x) && x['name'] === name);
    if (c) return c;
  }
  return undefined;
}

export interface ContainerProbes {
  /** False when the pod spec has no container of that name (then nothing is probed). */
  found: boolean;
  /** Only the probes the container declares. */
  probes: Partial<Record<ProbeKind, ParsedProbe>>;
}

/** Every probe the named container of the pod declares, parsed. */
export function containerProbes(pod: KubeObject, container: string): ContainerProbes {
  const c = findContainer(pod, container);
  if (!c) return { found: false, probes: {} };
  const ports = namedPorts(c);
  const probes: Partial<Record<ProbeKind, ParsedProbe>> = {};
  for (const kind of PROBE_KINDS) {
    const raw = c[PROBE_FIELD[kind]];
    if (raw !== undefined && raw !== null) probes[kind] = parseProbe(kind, raw, ports);
  }
  return { found: true, probes };
}

/** `exec [cat /tmp/healthy]`, `http-get http://:8080/healthz`, … as kubectl describe shows them. */
export function describeHandler(h: ProbeHandler): string {
  switch (h.type) {
    case 'exec':
      return `exec [${h.command.join(' ')}]`;
    case 'httpGet':
      return `http-get ${h.scheme.toLowerCase()}://${h.host ?? ''}:${h.port}${h.path}`;
    case 'tcpSocket':
      return `tcp-socket ${h.host ?? ''}:${h.port}`;
  }
}

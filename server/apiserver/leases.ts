/**
 * coordination.k8s.io/v1 Leases in `kube-node-lease`, one per device, read-only: a view of the
 * hub's in-memory heartbeat table (DESIGN §4: heartbeats never write the store), so
 * `kubectl get leases -n kube-node-lease` and `kubectl describe node` show each device's last
 * heartbeat. get, list and watch are served; every write is a 405 saying why.
 *
 * A lease's resourceVersion is its renew time in milliseconds: it changes with every heartbeat
 * and needs no store. A watch sends the leases as ADDED (unless it gives a resourceVersion),
 * then a MODIFIED at every heartbeat.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../../shared/api/errors.js';
import type { KindInfo } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { Clock } from '../../shared/util/clock.js';
import type { JsonObject } from '../../shared/util/guards.js';
import { sendObject } from './respond.js';

export const LEASE_GROUP_VERSION = 'coordination.k8s.io/v1';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const PREFIX = `/apis/${LEASE_GROUP_VERSION}/`;

/** The heartbeat table (the fleet's LeaseTracker). */
export interface HeartbeatSource {
  /** Every node heard from since the hub started, with its last heartbeat. */
  heartbeats(): Iterable<[string, Date]>;
  lastHeartbeat(node: string): Date | undefined;
  /** Called at every heartbeat; returns its unsubscribe. */
  onRenew(listener: (node: string) => void): () => void;
}

export interface LeaseViewDeps {
  heartbeats: HeartbeatSource;
  /** The Node's uid, for the lease's ownerReference (as the kubelet sets it); undefined: no such Node. */
  nodeUid(name: string): Promise<string | undefined>;
  /** How long a node may be silent before it is Unknown: the lease's duration. */
  leaseDurationSeconds: number;
  clock: Clock;
  defaultWatchTimeoutSeconds: number;
}

/** Lease as the OpenAPI documents describe it (not a stored kind: not in SERVED_KINDS). */
export const LEASE_KIND: KindInfo = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  listKind: 'LeaseList',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  shortNames: [],
  hasStatus: false,
  hasSpec: true,
  categories: [],
};

export const LEASE_DISCOVERY = {
  name: 'leases',
  singularName: 'lease',
  namespaced: true,
  kind: 'Lease',
  verbs: ['get', 'list', 'watch'],
  storageVersionHash: '',
};

interface LeasePath {
  namespace?: string;
  name?: string;
}

/** `/apis/coordination.k8s.io/v1/[namespaces/NS/]leases[/NAME]`, or undefined for other paths. */
export function parseLeasePath(pathname: string): LeasePath | undefined {
  if (!pathname.startsWith(PREFIX)) return undefined;
  const parts = pathname.slice(PREFIX.length).split('/').filter((p) => p !== '').map(decodeURIComponent);
  const [a, b, c, d, ...rest] = parts;
  if (rest.length > 0) return undefined;
  if (a === 'leases' && c === undefined) return b === undefined ? {} : undefined;
  if (a === 'namespaces' && b !== undefined && c === 'leases') return { namespace: b, ...(d !== undefined ? { name: d } : {}) };
  return undefined;
}

/** RFC 3339 with microseconds, as Kubernetes writes a MicroTime. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function nodeLease(node: string, renewed: Date, uid: string | undefined, leaseDurationSeconds: number): KubeObject {
  return {
    apiVersion: LEASE_GROUP_VERSION,
    kind: 'Lease',
    metadata: {
      name: node,
      namespace: NODE_LEASE_NAMESPACE,
      resourceVersion: String(renewed.getTime()),
      ...(uid ? { uid: `lease-${uid}`, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node, uid }] } : {}),
    },
    spec: { holderIdentity: node, leaseDurationSeconds, renewTime: microTime(renewed) },
  };
}

/** A field selector on `metadata.name` / `metadata.namespace` (what clients use on leases). */
function nameFilter(params: URLSearchParams): (name: string) => boolean {
  const selector = params.get('fieldSelector') ?? '';
  const wanted: string[] = [];
  for (const term of selector.split(',').filter((t) => t !== '')) {
    const m = /^metadata\.(name|namespace)(==?)(.*)$/.exec(term);
    if (!m) throw ApiError.badRequest(`"${term}" is not a known field selector: only "metadata.name" and "metadata.namespace" are supported on leases`, 'fieldSelector');
    if (m[1] === 'name') wanted.push(m[3] ?? '');
    else if (m[3] !== NODE_LEASE_NAMESPACE) return () => false;
  }
  return (name) => wanted.every((w) => w === name);
}

/** A lease with what its table row shows. */
interface LeaseEntry {
  node: string;
  renewed: Date;
  lease: KubeObject;
}

function table(entries: LeaseEntry[], now: Date, rv: string): JsonObject {
  const age = (renewed: Date): string => {
    const s = Math.max(0, Math.floor((now.getTime() - renewed.getTime()) / 1000));
    return s < 120 ? `${s}s` : s < 7200 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h`;
  };
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: rv },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the lease: the node', priority: 0 },
      { name: 'Holder', type: 'string', format: '', description: 'The node that holds the lease', priority: 0 },
      { name: 'Renewed', type: 'string', format: '', description: 'How long ago the node last sent a heartbeat', priority: 0 },
    ],
    rows: entries.map((e) => ({
      cells: [e.node, e.node, age(e.renewed)],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: e.lease.metadata },
    })),
  };
}

function wantsTable(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').replace(/\s/g, '').includes('as=Table');
}

function watchTimeoutSeconds(params: URLSearchParams, fallback: number): number {
  const v = params.get('timeoutSeconds');
  if (v === null) return fallback;
  if (!/^\d+$/.test(v)) throw ApiError.badRequest(`Invalid value: ${JSON.stringify(v.slice(0, 20))}: must be a whole number of seconds`, 'timeoutSeconds');
  return Math.max(1, Number(v));
}

export class LeaseView {
  constructor(private readonly deps: LeaseViewDeps) {}

  private async entry(node: string, renewed: Date): Promise<LeaseEntry> {
    return { node, renewed, lease: nodeLease(node, renewed, await this.deps.nodeUid(node), this.deps.leaseDurationSeconds) };
  }

  private async entries(path: LeasePath, params: URLSearchParams): Promise<LeaseEntry[]> {
    if (path.namespace !== undefined && path.namespace !== NODE_LEASE_NAMESPACE) return [];
    const keep = nameFilter(params);
    const heard = [...this.deps.heartbeats.heartbeats()].filter(([node]) => keep(node)).sort(([a], [b]) => a.localeCompare(b));
    return Promise.all(heard.map(([node, at]) => this.entry(node, at)));
  }

  /** Answers a request under the lease paths; false when `pathname` is not one. */
  async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = parseLeasePath(url.pathname);
    if (!path) return false;
    const method = req.method ?? 'GET';
    if (method !== 'GET') {
      throw new ApiError(
        405,
        'MethodNotAllowed',
        `leases are read-only on Flotilla: ${method} is not allowed. The hub keeps each device's heartbeat in memory; Lease objects in ${NODE_LEASE_NAMESPACE} are a view of it`,
      );
    }
    const params = url.searchParams;
    const now = this.deps.clock.now();
    if (path.name !== undefined) {
      const at = path.namespace === NODE_LEASE_NAMESPACE ? this.deps.heartbeats.lastHeartbeat(path.name) : undefined;
      if (!at) throw ApiError.notFound('leases.coordination.k8s.io', path.name);
      const e = await this.entry(path.name, at);
      sendObject(req, res, 200, wantsTable(req) ? table([e], now, e.lease.metadata.resourceVersion ?? '') : e.lease);
      return true;
    }
    const entries = await this.entries(path, params);
    const rv = String(Math.max(0, ...entries.map((e) => e.renewed.getTime())));
    if (params.get('watch') === 'true' || params.get('watch') === '1') {
      this.watch(req, res, path, params, entries);
      return true;
    }
    const items = entries.map((e) => e.lease);
    sendObject(req, res, 200, wantsTable(req) ? table(entries, now, rv) : { apiVersion: LEASE_GROUP_VERSION, kind: 'LeaseList', metadata: { resourceVersion: rv }, items });
    return true;
  }

  private watch(req: IncomingMessage, res: ServerResponse, path: LeasePath, params: URLSearchParams, initial: LeaseEntry[]): void {
    const timeoutSeconds = watchTimeoutSeconds(params, this.deps.defaultWatchTimeoutSeconds);
    const asTable = wantsTable(req);
    const keep = nameFilter(params);
    const inNamespace = path.namespace === undefined || path.namespace === NODE_LEASE_NAMESPACE;
    const known = new Set(initial.map((e) => e.node));
    const send = (type: 'ADDED' | 'MODIFIED', e: LeaseEntry): void => {
      const object = asTable ? table([e], this.deps.clock.now(), e.lease.metadata.resourceVersion ?? '') : e.lease;
      res.write(`${JSON.stringify({ type, object })}\n`);
    };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const rv = params.get('resourceVersion');
    if (rv === null || rv === '' || rv === '0') for (const e of initial) send('ADDED', e);
    const unsubscribe = this.deps.heartbeats.onRenew((node) => {
      const at = this.deps.heartbeats.lastHeartbeat(node);
      // A client that does not read is not buffered for: it misses heartbeats, not the latest one's next.
      if (!inNamespace || !keep(node) || !at || res.writableLength > 1024 * 1024) return;
      void this.entry(node, at).then((e) => {
        if (res.writableEnded) return;
        send(known.has(node) ? 'MODIFIED' : 'ADDED', e);
        known.add(node);
      });
    });
    let cancelTimer: () => void = () => undefined;
    const end = (): void => {
      unsubscribe();
      cancelTimer();
      if (!res.writableEnded) res.end();
    };
    cancelTimer = this.deps.clock.setTimer(end, timeoutSeconds * 1000);
    res.on('close', end);
  }
}

/**
 * metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics, as metrics-server serves them, from the
 * usage the devices report (server/link/node-metrics.ts keeps the latest sample per node in
 * memory). Read-only: get and list, with labelSelector (and fieldSelector on pods), so that
 * `kubectl top node` and `kubectl top pod` work. Nodes or pods without a recent sample are
 * left out of lists, and a get of one answers 404, as metrics-server does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../../shared/api/errors.js';
import { kindByName, type KindInfo } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { MetricsMessage, Usage } from '../../shared/protocol/index.js';
import { rfc3339, type Clock } from '../../shared/util/clock.js';
import type { JsonObject } from '../../shared/util/guards.js';
import { parseListOptions } from './list-options.js';
import type { ResourceService } from './resource-service.js';
import { sendObject } from './respond.js';

export const METRICS_GROUP_VERSION = 'metrics.k8s.io/v1beta1';
const PREFIX = `/apis/${METRICS_GROUP_VERSION}/`;

export const METRICS_DISCOVERY = [
  { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
  { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
];

/** The latest samples of the given nodes (refreshed when stale). */
export interface UsageSource {
  current(nodes: Iterable<string>): Promise<Map<string, { receivedAt: Date; report: MetricsMessage }>>;
}

export interface MetricsApiDeps {
  usage: UsageSource;
  service: ResourceService;
  clock: Clock;
}

interface MetricsPath {
  resource: 'nodes' | 'pods';
  namespace?: string;
  name?: string;
}

/** `/apis/metrics.k8s.io/v1beta1/nodes[/NAME]`, `.../[namespaces/NS/]pods[/NAME]`, or undefined. */
export function parseMetricsPath(pathname: string): MetricsPath | undefined {
  if (!pathname.startsWith(PREFIX)) return undefined;
  const [a, b, c, d, ...rest] = pathname.slice(PREFIX.length).split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (rest.length > 0) return undefined;
  if ((a === 'nodes' || a === 'pods') && c === undefined) return { resource: a, ...(b !== undefined && a === 'nodes' ? { name: b } : {}) };
  if (a === 'namespaces' && b !== undefined && c === 'pods') return { resource: 'pods', namespace: b, ...(d !== undefined ? { name: d } : {}) };
  return undefined;
}

/** Quantities as metrics-server writes them: nanocores and kibibytes. */
function quantities(u: Usage): { cpu: string; memory: string } {
  return { cpu: `${u.cpuNanoCores}n`, memory: `${Math.round(u.memoryBytes / 1024)}Ki` };
}

function window(report: MetricsMessage): string {
  return `${report.windowMs / 1000}s`;
}

function info(kind: string): KindInfo {
  const i = kindByName(kind);
  if (!i) throw new TypeError(`${kind} is not served`);
  return i;
}

export class MetricsApi {
  constructor(private readonly deps: MetricsApiDeps) {}

  /** Answers a metrics.k8s.io request; false when the path is not one. */
  async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = parseMetricsPath(url.pathname);
    if (!path) return false;
    if ((req.method ?? 'GET') !== 'GET') throw new ApiError(405, 'MethodNotAllowed', `the Metrics API is read-only: ${req.method ?? ''} is not allowed`);
    if (url.searchParams.get('watch') === 'true') throw new ApiError(405, 'MethodNotAllowed', 'the Metrics API does not serve watch');
    const items = path.resource === 'nodes' ? await this.nodes(path, url.searchParams) : await this.pods(path, url.searchParams);
    if (path.name !== undefined) {
      const one = items[0];
      if (!one) throw ApiError.notFound(`${path.resource}.metrics.k8s.io`, path.name);
      sendObject(req, res, 200, one);
      return true;
    }
    const kind = path.resource === 'nodes' ? 'NodeMetricsList' : 'PodMetricsList';
    sendObject(req, res, 200, { apiVersion: METRICS_GROUP_VERSION, kind, metadata: {}, items });
    return true;
  }

  private async objects(kind: string, namespace: string | undefined, name: string | undefined, params: URLSearchParams): Promise<KubeObject[]> {
    const i = info(kind);
    if (name !== undefined) {
      try {
        return [await this.deps.service.get({ info: i, ...(namespace ? { namespace } : {}), name })];
      } catch (e: unknown) {
        if (e instanceof ApiError && e.code === 404) return [];
        throw e;
      }
    }
    const path = { info: i, ...(namespace ? { namespace } : {}) };
    return (await this.deps.service.list(path, parseListOptions(params, i, namespace))).items;
  }

  private async nodes(path: MetricsPath, params: URLSearchParams): Promise<JsonObject[]> {
    const nodes = await this.objects('Node', undefined, path.name, params);
    const samples = await this.deps.usage.current(nodes.map((n) => n.metadata.name ?? ''));
    return nodes.flatMap((n) => {
      const name = n.metadata.name ?? '';
      const s = samples.get(name);
      if (!s) return [];
      const meta = { name, creationTimestamp: rfc3339(this.deps.clock.now()), ...(n.metadata.labels ? { labels: n.metadata.labels } : {}) };
      return [{ apiVersion: METRICS_GROUP_VERSION, kind: 'NodeMetrics', metadata: meta, timestamp: rfc3339(s.receivedAt), window: window(s.report), usage: quantities(s.report.node) }];
    });
  }

  private async pods(path: MetricsPath, params: URLSearchParams): Promise<JsonObject[]> {
    const pods = (await this.objects('Pod', path.namespace, path.name, params)).filter((p) => typeof (p['spec'] as { nodeName?: unknown } | undefined)?.nodeName === 'string');
    const nodeOf = (p: KubeObject): string => String((p['spec'] as { nodeName?: string }).nodeName);
    const samples = await this.deps.usage.current(pods.map(nodeOf));
    return pods.flatMap((p) => {
      const s = samples.get(nodeOf(p));
      const reported = s?.report.pods.find((r) => r.namespace === p.metadata.namespace && r.name === p.metadata.name && (r.uid === undefined || r.uid === p.metadata.uid));
      if (!s || !reported) return [];
      const meta = { name: p.metadata.name ?? '', namespace: p.metadata.namespace ?? '', creationTimestamp: rfc3339(this.deps.clock.now()), ...(p.metadata.labels ? { labels: p.metadata.labels } : {}) };
      const containers = reported.containers.map((c) => ({ name: c.name, usage: quantities(c) }));
      return [{ apiVersion: METRICS_GROUP_VERSION, kind: 'PodMetrics', metadata: meta, timestamp: rfc3339(s.receivedAt), window: window(s.report), containers }];
    });
  }
}

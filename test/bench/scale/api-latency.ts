/** API latencies as kubectl sees them: `get nodes` (pages of 500, as kubectl asks) and a pod list. */
import { apiClient, type Api } from '../../support/http.js';
import type { HubHandle } from '../../support/hub.js';

export function hubApi(hub: HubHandle): Api {
  return apiClient({ url: () => hub.apiUrl, token: hub.token, ca: hub.ca });
}

/** What `kubectl get` asks for: a server-side Table (rows), not the objects. */
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

/**
 * Every node in pages of 500 until no continue token: full Node objects (as client-go lists) or,
 * with `table`, the rows `kubectl get nodes` asks for. Returns ms and items.
 */
export async function getAllNodes(api: Api, table = false): Promise<{ ms: number; items: number; pageMs: number[] }> {
  const t0 = performance.now();
  let items = 0;
  let cont = '';
  const pageMs: number[] = [];
  for (;;) {
    const p0 = performance.now();
    const res = await api<{ items?: unknown[]; rows?: unknown[]; metadata?: { continue?: string } }>(`/api/v1/nodes?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`, table ? { accept: TABLE } : {});
    pageMs.push(performance.now() - p0);
    if (res.status !== 200) throw new Error(`GET nodes: ${res.status} ${res.text.slice(0, 200)}`);
    items += (table ? res.body.rows : res.body.items)?.length ?? 0;
    cont = res.body.metadata?.continue ?? '';
    if (!cont) break;
  }
  return { ms: performance.now() - t0, items, pageMs };
}

export async function listPods(api: Api, namespace: string): Promise<number> {
  const t0 = performance.now();
  const res = await api(`/api/v1/namespaces/${namespace}/pods?limit=500`);
  if (res.status !== 200) throw new Error(`GET pods: ${res.status} ${res.text.slice(0, 200)}`);
  return performance.now() - t0;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export interface Latencies {
  nodes: number[];
  table: number[];
  pods: number[];
  /** Each request of a `get nodes` Table listing (a page of 500): the per-call latency Kubernetes' API SLOs count. */
  tablePages: number[];
}

export const p50p99 = (v: number[]): string => `p50 ${percentile(v, 50).toFixed(0)} ms / p99 ${percentile(v, 99).toFixed(0)} ms (${v.length})`;

export function summarize(l: Latencies): string {
  return `get nodes, objects ${p50p99(l.nodes)}; as a Table (kubectl get nodes) ${p50p99(l.table)}, per request (page of 500) ${p50p99(l.tablePages)}; pod list ${p50p99(l.pods)}`;
}

/**
 * Runs `get nodes` (objects, then a Table) and a pod list, `rounds` times (or until `stop()` says
 * so), a round at most every `everyMs` (0: back to back). Back to back, listing every Node object
 * is itself a good part of the hub's load (about a quarter of its CPU at 5,000 nodes).
 */
export async function sampleApi(api: Api, namespace: string, until: { rounds?: number; stop?: () => boolean; everyMs?: number }): Promise<Latencies> {
  const out: Latencies = { nodes: [], table: [], pods: [], tablePages: [] };
  for (let i = 0; until.rounds === undefined || i < until.rounds; i++) {
    if (until.stop?.()) break;
    const next = performance.now() + (until.everyMs ?? 0);
    try {
      out.nodes.push((await getAllNodes(api)).ms);
      const table = await getAllNodes(api, true);
      out.table.push(table.ms);
      out.tablePages.push(...table.pageMs);
      out.pods.push(await listPods(api, namespace));
    } catch {
      // a refused or failed request during a storm counts as the time it took
      out.nodes.push(15_000);
    }
    const wait = next - performance.now();
    if (wait > 0 && !until.stop?.()) await new Promise((r) => setTimeout(r, wait));
  }
  return out;
}

/**
 * A DaemonSet rollout across the hollow devices: a DaemonSet (namespace bench, nodeSelector
 * hollow=true, which every simulated device carries) runs ROLLOUT_IMAGES[0] everywhere; then its
 * image changes to ROLLOUT_IMAGES[1] (whose pull the simulators make take ROLLOUT_PULL_MS) with
 * RollingUpdate maxUnavailable 10%. Wall time: from the PATCH until the DaemonSet's status shows
 * every pod updated and available (updatedNumberScheduled == numberAvailable ==
 * desiredNumberScheduled, observedGeneration current).
 *
 * The ideal it is compared with: the rollout done as back-to-back batches with no orchestration
 * cost, each as long as its slowest pod start. A pod's start is measured from its creation (its
 * ADDED event on a pod watch) to Ready seen on that watch, so it holds the hub → device → hub
 * round trip and the pull; the batches are the replacement pods in creation order,
 * maxUnavailable at a time (10 batches of 100 on 1,000 devices). What the wall time has beyond
 * that is the rollout's overhead: deleting the old pod and waiting for the device to confirm it,
 * and the controller's turn-around between one pod becoming available and the next deletion.
 * Never asserts: a wait that runs out is reported as "did not converge".
 */
import { request } from 'node:https';
import type { ClientRequest } from 'node:http';
import type { HubHandle } from '../../support/hub.js';
import type { Api } from '../../support/http.js';
import { sleep } from '../../support/wait.js';
import { percentile } from './api-latency.js';

const NAMESPACE = 'bench';
const NAME = 'rollout';
const PATH = `/apis/apps/v1/namespaces/${NAMESPACE}/daemonsets/${NAME}`;
export const ROLLOUT_IMAGES = ['bench.invalid/rollout:1', 'bench.invalid/rollout:2'] as const;
/** How long the new image's pull takes on each simulated device (the first image starts at once). */
export const ROLLOUT_PULL_MS = 2000;
const MAX_UNAVAILABLE_PERCENT = 10;

interface PodSeen {
  node: string;
  /** When this bench first saw the pod (its ADDED event). */
  seenAt: number;
  readyAt?: number;
  /** When it was first seen being deleted (deletionTimestamp set) or gone. */
  deletingAt?: number;
}

interface WatchedPod {
  type?: string;
  object?: { metadata?: { name?: string; resourceVersion?: string; deletionTimestamp?: string }; spec?: { nodeName?: string }; status?: { conditions?: { type?: string; status?: string }[] } };
}

interface DaemonSetState {
  metadata?: { generation?: number };
  status?: { observedGeneration?: number; desiredNumberScheduled?: number; updatedNumberScheduled?: number; numberAvailable?: number };
}

/** Watches the DaemonSet's pods, recording when each was first seen, Ready and deleting; resumes after a dropped stream. */
class PodWatch {
  readonly pods = new Map<string, PodSeen>();
  private req?: ClientRequest;
  private rv = '';
  private closed = false;

  constructor(private readonly hub: HubHandle) {
    this.open();
  }

  close(): void {
    this.closed = true;
    this.req?.destroy();
  }

  private open(): void {
    const q = `watch=true&labelSelector=${encodeURIComponent(`app=${NAME}`)}${this.rv ? `&resourceVersion=${this.rv}` : ''}`;
    const url = new URL(`/api/v1/namespaces/${NAMESPACE}/pods?${q}`, this.hub.apiUrl);
    const req = request(url, { ca: this.hub.ca, headers: { Authorization: `Bearer ${this.hub.token}` } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          this.record(buf.slice(0, nl), Date.now());
          buf = buf.slice(nl + 1);
        }
      });
      res.on('end', () => this.reopen());
    });
    req.on('error', () => this.reopen());
    req.end();
    this.req = req;
  }

  private reopen(): void {
    if (!this.closed) setTimeout(() => this.closed || this.open(), 500);
  }

  private record(line: string, at: number): void {
    let e: WatchedPod;
    try {
      e = JSON.parse(line) as WatchedPod;
    } catch {
      return;
    }
    const m = e.object?.metadata;
    if (!m?.name) return;
    if (m.resourceVersion) this.rv = m.resourceVersion;
    let p = this.pods.get(m.name);
    if (!p) {
      p = { node: e.object?.spec?.nodeName ?? '', seenAt: at };
      this.pods.set(m.name, p);
    }
    if (p.readyAt === undefined && (e.object?.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')) p.readyAt = at;
    if (p.deletingAt === undefined && (e.type === 'DELETED' || m.deletionTimestamp)) p.deletingAt = at;
  }
}

async function daemonSet(api: Api): Promise<DaemonSetState | undefined> {
  try {
    const res = await api<DaemonSetState>(PATH);
    return res.status === 200 ? res.body : undefined;
  } catch {
    return undefined; // a slow answer is polled again
  }
}

/** Every desired pod runs the current generation's template and is available. */
function rolledOut(ds: DaemonSetState | undefined, generation: number, devices: number): boolean {
  const s = ds?.status;
  return (
    s !== undefined && (s.observedGeneration ?? 0) >= generation && s.desiredNumberScheduled === devices &&
    s.updatedNumberScheduled === devices && s.numberAvailable === devices
  );
}

/** Polls the DaemonSet twice a second until it is rolled out; ms from `t0`, or undefined after `timeoutMs`. */
async function untilRolledOut(api: Api, generation: number, devices: number, t0: number, timeoutMs: number): Promise<number | undefined> {
  while (Date.now() - t0 < timeoutMs) {
    if (rolledOut(await daemonSet(api), generation, devices)) return Date.now() - t0;
    await sleep(500);
  }
  return undefined;
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The batches' pod start times (ms): replacement pods in creation order, `batch` at a time, each batch its slowest. */
export function batchStartTimes(starts: readonly { createdAt: number; startMs: number }[], batch: number): number[] {
  const ordered = [...starts].sort((a, b) => a.createdAt - b.createdAt);
  const out: number[] = [];
  for (let i = 0; i < ordered.length; i += batch) out.push(Math.max(...ordered.slice(i, i + batch).map((s) => s.startMs)));
  return out;
}

/** Runs the rollout on `devices` hollow devices; returns the lines to print. */
export async function daemonSetRollout(hub: HubHandle, api: Api, devices: number): Promise<string[]> {
  const label = `DaemonSet rollout across ${devices.toLocaleString('en')} devices (maxUnavailable ${MAX_UNAVAILABLE_PERCENT}%):`;
  await api('/api/v1/namespaces', { method: 'POST', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } } });
  const watch = new PodWatch(hub);
  try {
    const template = (image: string): unknown => ({ metadata: { labels: { app: NAME } }, spec: { nodeSelector: { hollow: 'true' }, containers: [{ name: 'app', image }] } });
    const ds = {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: NAME, namespace: NAMESPACE },
      spec: { selector: { matchLabels: { app: NAME } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: `${MAX_UNAVAILABLE_PERCENT}%` } }, template: template(ROLLOUT_IMAGES[0]) },
    };
    const created = await api<DaemonSetState>(`/apis/apps/v1/namespaces/${NAMESPACE}/daemonsets`, { method: 'POST', body: ds });
    if (created.status !== 201) return [`${label} not measured: create answered ${created.status} ${created.text.slice(0, 200)}`];
    const first = await untilRolledOut(api, created.body.metadata?.generation ?? 1, devices, Date.now(), 300_000);
    if (first === undefined) return [`${label} did not converge (the first revision was not available on every device within 300 s)`];

    const t0 = Date.now();
    const patch = { spec: { template: { spec: { containers: [{ name: 'app', image: ROLLOUT_IMAGES[1] }] } } } };
    const patched = await api<DaemonSetState>(PATH, { method: 'PATCH', body: patch, contentType: 'application/merge-patch+json' });
    if (patched.status !== 200) return [`${label} not measured: PATCH answered ${patched.status} ${patched.text.slice(0, 200)}`];
    const wall = await untilRolledOut(api, patched.body.metadata?.generation ?? 2, devices, t0, 600_000);
    await sleep(1000); // the last Ready events reach the watch
    if (wall === undefined) return [`${label} did not converge within 600 s of the PATCH`];

    const all = [...watch.pods.values()];
    const fresh = all.filter((p) => p.seenAt >= t0);
    const starts = fresh.flatMap((p) => (p.readyAt === undefined ? [] : [{ createdAt: p.seenAt, startMs: p.readyAt - p.seenAt }]));
    if (starts.length === 0) return [`${label} ${secs(wall)} wall; no replacement pod was seen going Ready on the pod watch, so no batch times`];
    const batches = batchStartTimes(starts, Math.max(1, Math.floor((devices * MAX_UNAVAILABLE_PERCENT) / 100)));
    const ideal = batches.reduce((a, b) => a + b, 0);
    const oldDeletingAt = new Map(all.filter((p) => p.seenAt < t0 && p.deletingAt !== undefined).map((p) => [p.node, p.deletingAt ?? 0]));
    const gaps = fresh.flatMap((p) => {
      const d = oldDeletingAt.get(p.node);
      return d === undefined ? [] : [p.seenAt - d];
    });
    const pct = (v: number[]): string => `p50 ${secs(percentile(v, 50))} / p99 ${secs(percentile(v, 99))}`;
    return [
      `${label} ${secs(wall)} wall (PATCH → status all updated and available); sum of ${batches.length} batches' pod start times ${secs(ideal)}; overhead ${(wall / ideal).toFixed(1)}×`,
      `  (pod start = replacement created → Ready seen on a pod watch, image pull ${secs(ROLLOUT_PULL_MS)}: ${pct(starts.map((s) => s.startMs))}; old pod deleting → replacement created: ${pct(gaps)}; ${starts.length} of ${devices} replacements timed; the pulls alone ${batches.length} × ${secs(ROLLOUT_PULL_MS)} = ${secs(batches.length * ROLLOUT_PULL_MS)}; first revision everywhere in ${secs(first)})`,
    ];
  } finally {
    watch.close();
  }
}

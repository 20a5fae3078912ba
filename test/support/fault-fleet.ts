/**
 * The fault suite's world: one real hub process (short node-monitor timings) and real agent
 * processes, each behind its own fault relay, on the shared Docker engine. Node names must be
 * unique to the test file (tests share one engine); leftovers of an earlier run are removed.
 */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.js';
import { dockerAvailable, registryAvailable, requireService, testImageAvailable } from './env.js';
import { deviceContainers, FaultAgent, type FaultAgentOptions } from './fault-agent.js';
import { flotctl } from './flotctl.js';
import { endpoint, startHub, type HubHandle } from './hub.js';
import { apiClient, type Api } from './http.js';
import { run } from './run.js';
import { until } from './wait.js';
import { worldDiff } from './world.js';

export interface FaultFleet {
  hub: HubHandle;
  api: Api;
  agents: FaultAgent[];
  agent(node: string): FaultAgent;
  /** Waits until the hub and Docker agree on every node; fails listing what still differs. */
  converged(ms?: number): Promise<void>;
  dispose(): Promise<void>;
}

export const FAULT_HUB_ARGS = ['--node-monitor-grace-period', '4s', '--node-monitor-period', '1s'];

async function removeLeftovers(node: string): Promise<void> {
  const ids = (await deviceContainers(node)).map((c) => c.id);
  if (ids.length > 0) await run('docker', ['rm', '-f', ...ids]);
}

/**
 * Checks the services (in a test, with its context: fails on CI, skips elsewhere), starts the
 * hub and the agents, waits for every node Ready.
 */
export async function startFaultFleet(ctx: Mocha.Context | undefined, nodes: readonly string[], opts: { hubArgs?: string[]; agent?: FaultAgentOptions } = {}): Promise<FaultFleet> {
  if (ctx) {
    await requireService('docker', dockerAvailable, ctx);
    await requireService('registry', registryAvailable, ctx);
    await requireService('test image', testImageAvailable, ctx);
  }
  for (const n of nodes) await removeLeftovers(n);
  const hub = await startHub({ extraArgs: [...FAULT_HUB_ARGS, ...(opts.hubArgs ?? [])] });
  const api = apiClient(endpoint(hub));
  const t = await flotctl(hub, ['token', 'create', '--max-uses', String(nodes.length), '--ttl', '1h']);
  assert.equal(t.code, 0, t.stderr);
  const token = t.stdout.trim();
  const agents = await Promise.all(nodes.map((n) => FaultAgent.create(hub, n, token, opts.agent)));
  for (const a of agents) a.start();
  const fleet: FaultFleet = {
    hub,
    api,
    agents,
    agent(node) {
      const a = agents.find((x) => x.node === node);
      assert.ok(a, `no agent ${node}`);
      return a;
    },
    async converged(ms = 60_000) {
      let last: string[] = [];
      try {
        await until('hub and Docker to agree', async () => {
          last = await worldDiff(api, nodes);
          return last.length === 0;
        }, ms, 500);
      } catch (e) {
        throw new Error(`${e instanceof Error ? e.message : String(e)}:\n  ${last.join('\n  ')}`, { cause: e });
      }
    },
    async dispose() {
      await Promise.all(agents.map((a) => a.dispose()));
      await hub.dispose();
    },
  };
  try {
    for (const n of nodes) await until(`node ${n} Ready`, async () => nodeReady(await getNode(api, n)), 60_000, 250);
  } catch (e) {
    for (const a of agents) console.log(`--- ${a.node}\n${a.tail()}`);
    await fleet.dispose();
    throw e;
  }
  return fleet;
}

export async function getNode(api: Api, node: string): Promise<KubeObject | undefined> {
  const r = await api<KubeObject>(`/api/v1/nodes/${node}`);
  return r.status === 200 ? r.body : undefined;
}

export function nodeReady(n: KubeObject | undefined): boolean {
  const conds = (n?.['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Creates an object; the API must answer 201. */
export async function create(api: Api, path: string, body: KubeObject): Promise<KubeObject> {
  const r = await api<KubeObject>(path, { method: 'POST', body });
  assert.equal(r.status, 201, `POST ${path}: ${r.text}`);
  return r.body;
}

/** A pod bound to `node` that runs `sh -c script`, mounting ConfigMap `cm` at /etc/cfg when given. */
export function boundPod(name: string, node: string, opts: { script?: string; configMap?: string; labels?: Record<string, string>; image?: string } = {}): KubeObject {
  const container: Record<string, unknown> = { name: 'main', image: opts.image ?? '127.0.0.1:5000/flotilla/busybox:1.0', command: ['sh', '-c', opts.script ?? 'exec sleep 3600'] };
  const spec: Record<string, unknown> = { nodeName: node, terminationGracePeriodSeconds: 1, containers: [container] };
  if (opts.configMap !== undefined) {
    container['volumeMounts'] = [{ name: 'cfg', mountPath: '/etc/cfg' }];
    spec['volumes'] = [{ name: 'cfg', configMap: { name: opts.configMap } }];
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}) }, spec };
}

/** Deletes a pod with a 1 s grace period (the device carries it out). */
export async function deletePod(api: Api, name: string): Promise<void> {
  const r = await api(`/api/v1/namespaces/default/pods/${name}`, { method: 'DELETE', body: { gracePeriodSeconds: 1 } });
  assert.ok(r.status === 200 || r.status === 202, `DELETE pod ${name}: ${r.status} ${r.text}`);
}

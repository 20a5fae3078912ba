/**
 * The state of the world for the fault suite: what the hub holds (pods bound to a node, their
 * reported status) against what Docker runs for that node. `worldDiff` lists every way the two
 * disagree; a converged fleet has none.
 */
import type { KubeObject } from '../../shared/api/meta.js';
import { isRecord } from '../../shared/util/guards.js';
import { deviceContainers } from './fault-agent.js';
import type { Api } from './http.js';

interface ContainerStatus {
  name: string;
  containerID?: string;
  restartCount?: number;
}

export function podPhase(p: KubeObject): string | undefined {
  return isRecord(p['status']) && typeof p['status']['phase'] === 'string' ? p['status']['phase'] : undefined;
}

export function containerStatuses(p: KubeObject): ContainerStatus[] {
  const cs = isRecord(p['status']) ? p['status']['containerStatuses'] : undefined;
  return Array.isArray(cs) ? cs.filter(isRecord).map((c) => ({ ...c, name: String(c['name']) })) : [];
}

function specContainers(p: KubeObject): string[] {
  const spec = isRecord(p['spec']) ? p['spec'] : {};
  return Array.isArray(spec['containers']) ? spec['containers'].filter(isRecord).map((c) => String(c['name'])) : [];
}

/** The pods bound to `node` on the hub. */
export async function hubPods(api: Api, node: string): Promise<KubeObject[]> {
  const r = await api<{ items: KubeObject[] }>(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`);
  if (r.status !== 200) throw new Error(`listing pods on ${node}: ${r.status} ${r.text}`);
  return r.body.items;
}

/** Differences between the hub's pods on `node` and the containers Docker runs for it (empty: converged). */
export async function nodeDiff(api: Api, node: string): Promise<string[]> {
  const [pods, containers] = await Promise.all([hubPods(api, node), deviceContainers(node)]);
  const out: string[] = [];
  const running = containers.filter((c) => c.state === 'running');
  const wanted = new Set<string>();
  for (const p of pods) {
    const name = p.metadata.name ?? '';
    const uid = p.metadata.uid ?? '';
    if (p.metadata.deletionTimestamp) {
      out.push(`${node}: pod ${name} is still terminating on the hub`);
      continue;
    }
    wanted.add(uid);
    const mine = running.filter((c) => c.podUid === uid);
    if (!mine.some((c) => c.role === 'sandbox')) out.push(`${node}: pod ${name} has no running sandbox`);
    const statuses = containerStatuses(p);
    for (const cname of specContainers(p)) {
      const c = mine.find((x) => x.container === cname && x.role !== 'sandbox');
      if (!c) {
        out.push(`${node}: ${name}/${cname} is not running on Docker`);
        continue;
      }
      const s = statuses.find((x) => x.name === cname);
      if (s?.containerID !== `docker://${c.id}`) out.push(`${node}: ${name}/${cname} hub shows ${s?.containerID ?? 'no container'}, Docker runs ${c.id.slice(0, 12)}`);
      else if (s.restartCount !== c.attempt) out.push(`${node}: ${name}/${cname} hub restartCount ${s.restartCount}, Docker attempt ${c.attempt}`);
    }
    if (podPhase(p) !== 'Running') out.push(`${node}: pod ${name} is ${podPhase(p) ?? 'without phase'} on the hub`);
  }
  for (const c of running) if (!wanted.has(c.podUid)) out.push(`${node}: container ${c.podName}/${c.container} runs but the hub has no such pod`);
  return out;
}

export async function worldDiff(api: Api, nodes: readonly string[]): Promise<string[]> {
  return (await Promise.all(nodes.map((n) => nodeDiff(api, n)))).flat();
}

/** Running container ids per pod name and container name: a fingerprint that changes on any restart or recreation. */
export async function runningFingerprint(node: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const c of await deviceContainers(node)) if (c.state === 'running') out.set(`${c.podName}/${c.container}`, `${c.id}#${c.attempt}`);
  return out;
}


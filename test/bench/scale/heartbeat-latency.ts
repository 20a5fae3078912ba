/**
 * Heartbeat sent → visible through the API: the traced hollow devices stamp each heartbeat as it
 * goes out (`--trace-heartbeats`); the bench watches their Leases (kube-node-lease, one watch per
 * device, as a controller would) and takes, for each heartbeat, the first Lease change that
 * arrived after it was sent. Sender and watcher share this machine's clock.
 */
import type { ClientRequest } from 'node:http';
import { request } from 'node:https';
import type { HubHandle } from '../../support/hub.js';
import type { SimProc } from './sim-procs.js';

function watchLease(hub: HubHandle, node: string, seen: number[]): ClientRequest {
  const url = new URL(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases?watch=true&fieldSelector=${encodeURIComponent(`metadata.name=${node}`)}`, hub.apiUrl);
  const req = request(url, { ca: hub.ca, headers: { Authorization: `Bearer ${hub.token}` } }, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const at = Date.now();
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.includes('"MODIFIED"')) seen.push(at);
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return req;
}

/** Latencies (ms) of the traced heartbeats sent during `windowMs`, and how many never showed. */
export async function heartbeatLatencies(hub: HubHandle, sims: readonly SimProc[], nodesPerSim: number, windowMs: number): Promise<{ ms: number[]; missing: number }> {
  const nodes = sims.flatMap((s) => Array.from({ length: Math.min(nodesPerSim, s.nodes) }, (_, i) => `${s.prefix}-${i}`));
  const seen = new Map(nodes.map((n) => [n, [] as number[]]));
  const watches = nodes.map((n) => watchLease(hub, n, seen.get(n) ?? []));
  // Let every watch start (their initial ADDED events are not counted) before heartbeats count.
  await new Promise((r) => setTimeout(r, 2000));
  const from = Date.now();
  await new Promise((r) => setTimeout(r, windowMs));
  const to = Date.now();
  // Heartbeats sent late in the window get a few seconds to show up.
  await new Promise((r) => setTimeout(r, 5000));
  for (const w of watches) w.destroy();
  const out = { ms: [] as number[], missing: 0 };
  for (const s of sims) {
    for (const hb of s.heartbeats) {
      if (hb.at < from || hb.at > to) continue;
      const next = seen.get(hb.node)?.find((t) => t >= hb.at);
      if (next === undefined) out.missing += 1;
      else out.ms.push(next - hb.at);
    }
  }
  return out;
}

/** Pod created through the API → Running visible on the hub, for pods bound to hollow devices. */
import type { Api } from '../../support/http.js';

const NAMESPACE = 'bench';

export async function podStartLatencies(api: Api, nodes: string[]): Promise<{ count: number; ms: number[]; allMs: number | undefined }> {
  await api('/api/v1/namespaces', { method: 'POST', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } } });
  const createdAt = new Map<string, number>();
  const t0 = performance.now();
  let creating = true;
  // Created one after another (as a script would), watched meanwhile by polling the list.
  const create = (async (): Promise<void> => {
    try {
      for (const [i, node] of nodes.entries()) {
        const name = `p-${i}`;
        const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NAMESPACE }, spec: { nodeName: node, containers: [{ name: 'app', image: 'example.invalid/app:1' }] } };
        createdAt.set(name, performance.now());
        const res = await api(`/api/v1/namespaces/${NAMESPACE}/pods`, { method: 'POST', body });
        if (res.status !== 201) throw new Error(`POST pod: ${res.status} ${res.text.slice(0, 200)}`);
      }
    } finally {
      creating = false;
    }
  })();
  const ms: number[] = [];
  const deadline = performance.now() + 300_000;
  while ((creating || createdAt.size > 0) && performance.now() < deadline) {
    let cont = '';
    do {
      const res = await api<{ items?: { metadata: { name: string }; status?: { phase?: string } }[]; metadata?: { continue?: string } }>(
        `/api/v1/namespaces/${NAMESPACE}/pods?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`,
      );
      const now = performance.now();
      for (const p of res.body.items ?? []) {
        const at = createdAt.get(p.metadata.name);
        if (at !== undefined && p.status?.phase === 'Running') {
          ms.push(now - at);
          createdAt.delete(p.metadata.name);
        }
      }
      cont = res.body.metadata?.continue ?? '';
    } while (cont);
    await new Promise((r) => setTimeout(r, 200));
  }
  await create;
  return { count: nodes.length, ms, allMs: createdAt.size === 0 ? performance.now() - t0 : undefined };
}

/**
 * DaemonSet helpers for the end-to-end tests against a real hub: a manifest, reading pods and
 * the DaemonSet's conditions, patching its image and annotations, labelling nodes, waiting for
 * a settled fleet, the container ids Docker runs for a pod.
 */
import assert from 'node:assert/strict';
import { LABELS } from '../../agent/engine/types.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { isRecord } from '../../shared/util/guards.js';
import type { Api } from './http.js';
import { run } from './run.js';

export const BROKEN_IMAGE = '127.0.0.1:5000/flotilla/busybox:no-such-tag';

export const nodeOf = (p: KubeObject): string => (isRecord(p['spec']) && typeof p['spec']['nodeName'] === 'string' ? p['spec']['nodeName'] : '');
export const imageOf = (p: KubeObject): string => {
  const c = isRecord(p['spec']) && Array.isArray(p['spec']['containers']) ? (p['spec']['containers'] as unknown[])[0] : undefined;
  return isRecord(c) && typeof c['image'] === 'string' ? c['image'] : '';
};
const conditions = (o: KubeObject): unknown[] => (isRecord(o['status']) && Array.isArray(o['status']['conditions']) ? (o['status']['conditions'] as unknown[]) : []);
export const isReady = (p: KubeObject): boolean => conditions(p).some((c) => isRecord(c) && c['type'] === 'Ready' && c['status'] === 'True');
/** The object's condition of `type`, if any. */
export const conditionOf = (o: KubeObject, type: string): Record<string, unknown> | undefined => {
  const c = conditions(o).find((x) => isRecord(x) && x['type'] === type);
  return isRecord(c) ? c : undefined;
};

/** A DaemonSet of one `sleep` container with `image` on the nodes labelled `label=relay`. */
export function relayDaemonSet(name: string, label: string, image: string, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: { name, annotations },
    spec: {
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          nodeSelector: { [label]: 'relay' },
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image, command: ['sleep', '3600'] }],
        },
      },
    },
  };
}

export async function containerIds(pod: string): Promise<string[]> {
  const r = await run('docker', ['ps', '-q', '--no-trunc', '--filter', `label=${LABELS.podName}=${pod}`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).sort();
}

export interface DaemonSetDriver {
  /** The DaemonSet's pods that are not being deleted. */
  live(): Promise<KubeObject[]>;
  get(): Promise<KubeObject>;
  patch(patch: unknown): Promise<void>;
  setImage(image: string): Promise<void>;
  label(node: string, key: string, value: string | null): Promise<void>;
  /** One live pod per node of `nodes` (none elsewhere), each Running + Ready with `image`; else undefined. */
  settledOn(nodes: readonly string[], image: string): Promise<Map<string, KubeObject> | undefined>;
}

export function daemonSetDriver(api: Api, name: string, namespace = 'default'): DaemonSetDriver {
  const path = `/apis/apps/v1/namespaces/${namespace}/daemonsets/${name}`;
  const merge = async (p: string, body: unknown): Promise<void> => {
    const r = await api(p, { method: 'PATCH', body, contentType: 'application/merge-patch+json' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  const live = async (): Promise<KubeObject[]> =>
    (await api<{ items: KubeObject[] }>(`/api/v1/namespaces/${namespace}/pods?labelSelector=app%3D${name}`)).body.items.filter((p) => !p.metadata.deletionTimestamp);
  return {
    live,
    get: async () => (await api<KubeObject>(path)).body,
    patch: (patch) => merge(path, patch),
    setImage: (image) => merge(path, { spec: { template: { spec: { containers: [{ name: 'main', image, command: ['sleep', '3600'] }] } } } }),
    label: (node, key, value) => merge(`/api/v1/nodes/${node}`, { metadata: { labels: { [key]: value } } }),
    async settledOn(nodes, image) {
      const pods = await live();
      const byNode = new Map(pods.map((p) => [nodeOf(p), p]));
      if (pods.length !== nodes.length || !nodes.every((n) => byNode.has(n))) return undefined;
      return pods.every((p) => isReady(p) && imageOf(p) === image) ? byNode : undefined;
    },
  };
}

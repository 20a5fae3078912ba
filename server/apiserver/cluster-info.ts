/**
 * `kubectl cluster-info` prints the control plane, then lists kube-system Services labelled
 * `kubernetes.io/cluster-service=true`. The hub serves no Services; it answers that one list
 * (always empty) so the command works, and every other Service request keeps its clear 404.
 */
import type { IncomingMessage } from 'node:http';

const PATH = '/api/v1/namespaces/kube-system/services';

export function isClusterInfoServiceList(req: IncomingMessage, pathname: string, params: URLSearchParams): boolean {
  return (req.method ?? 'GET') === 'GET' && pathname === PATH && params.get('watch') !== 'true' && (params.get('labelSelector') ?? '').includes('kubernetes.io/cluster-service');
}

export function emptyServiceList(): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ServiceList', metadata: { resourceVersion: '0' }, items: [] };
}

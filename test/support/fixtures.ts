/** Objects the API tests create: small, valid, Kubernetes-shaped. */
import type { BuildContext } from '../../agent/reconcile/desired.js';
import type { KubeObject } from '../../shared/api/meta.js';

export const TEST_IMAGE = '127.0.0.1:5000/flotilla/busybox:1.0';

export function configMap(name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data };
}

export function pod(name: string, opts: { nodeName?: string; labels?: Record<string, string>; image?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}) },
    spec: {
      ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
      containers: [{ name: 'main', image: opts.image ?? TEST_IMAGE, command: ['sleep', '3600'] }],
    },
  };
}

export function daemonSet(name: string, image = TEST_IMAGE): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, labels: { app: name } },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image, command: ['sleep', '3600'] }] },
      },
    },
  };
}

export function node(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: {} };
}

/** How the agent's pure reconcile tests see the device: a 4-core, 4 GiB Pi with every cgroup limit. */
export const PI_BUILD_CONTEXT: BuildContext = {
  podsDir: '/var/lib/flotilla-agent/pods',
  node: { hostIP: '192.168.1.10', cpuCores: 4, memoryBytes: 4 * 2 ** 30 },
  runtime: { memoryLimitSupported: true, cpuCfsQuotaSupported: true, pidsLimitSupported: true },
  podPidsLimit: 1024,
  allowPrivileged: false,
  podInfraImage: 'registry.k8s.io/pause:3.10',
  // The planner tables use hostNetwork and hostPaths; the device policy has its own tests.
  podSecurity: { level: 'privileged', hostPaths: { allowed: ['/nonexistent', '/srv'], protected: [{ path: '/', what: 'the root file system' }] } },
};

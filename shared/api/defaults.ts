/**
 * Server-side defaults, as Kubernetes fills them in: only what is missing, so applying them
 * twice changes nothing. Ill-typed fields are left alone for validation to report.
 */
import type { KubeObject } from './meta.js';
import { isRecord } from '../util/guards.js';
import type { JsonObject } from '../util/guards.js';
import { quantityValue } from './quantity.js';

/** Sets a string field that is absent, null or '' (Kubernetes defaults the zero value). */
function fillString(o: JsonObject, key: string, value: string): void {
  const v = o[key];
  if (v === undefined || v === null || v === '') o[key] = value;
}

/** Sets a field that is absent or null. */
function fill(o: JsonObject, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/** Sets a numeric field that is absent, null or 0 (non-pointer ints in Kubernetes' types). */
function fillNonZero(o: JsonObject, key: string, value: number): void {
  const v = o[key];
  if (v === undefined || v === null || v === 0) o[key] = value;
}

function records(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

/**
 * `latest` (or no tag and no digest, which means latest) is pulled every time; a pinned tag or
 * digest only when absent from the device.
 */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.indexOf(':', name.lastIndexOf('/') + 1);
  const tag = colon >= 0 ? name.slice(colon + 1) : at >= 0 ? '' : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHTTPGet(handler: JsonObject): void {
  const get = handler['httpGet'];
  if (!isRecord(get)) return;
  fillString(get, 'path', '/');
  fillString(get, 'scheme', 'HTTP');
}

function defaultProbe(probe: unknown): void {
  if (!isRecord(probe)) return;
  fillNonZero(probe, 'timeoutSeconds', 1);
  fillNonZero(probe, 'periodSeconds', 10);
  fillNonZero(probe, 'successThreshold', 1);
  fillNonZero(probe, 'failureThreshold', 3);
  defaultHTTPGet(probe);
}

function defaultContainer(c: JsonObject, hostNetwork: boolean): void {
  const image = c['image'];
  if (typeof image === 'string' && image !== '') fillString(c, 'imagePullPolicy', defaultPullPolicy(image));
  fillString(c, 'terminationMessagePath', '/dev/termination-log');
  fillString(c, 'terminationMessagePolicy', 'File');
  for (const port of records(c['ports'])) {
    fillString(port, 'protocol', 'TCP');
    // On the host network the container listens on the host's port.
    if (hostNetwork && typeof port['containerPort'] === 'number') fillNonZero(port, 'hostPort', port['containerPort']);
  }
  for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(c[p]);
  const lifecycle = c['lifecycle'];
  if (isRecord(lifecycle)) {
    for (const hook of ['postStart', 'preStop']) {
      const h = lifecycle[hook];
      if (isRecord(h)) defaultHTTPGet(h);
    }
  }
}

function defaultVolume(v: JsonObject): void {
  for (const src of ['configMap', 'secret']) {
    const s = v[src];
    if (isRecord(s)) fill(s, 'defaultMode', 0o644);
  }
  const hostPath = v['hostPath'];
  if (isRecord(hostPath)) fill(hostPath, 'type', '');
}

/** Defaults of a pod spec, in a Pod or a pod template. */
function defaultPodSpec(spec: JsonObject): void {
  fillString(spec, 'restartPolicy', 'Always');
  fill(spec, 'terminationGracePeriodSeconds', 30);
  fillString(spec, 'dnsPolicy', 'ClusterFirst');
  fillString(spec, 'schedulerName', 'default-scheduler');
  fill(spec, 'securityContext', {});
  const hostNetwork = spec['hostNetwork'] === true;
  for (const c of [...records(spec['containers']), ...records(spec['initContainers'])]) defaultContainer(c, hostNetwork);
  for (const v of records(spec['volumes'])) defaultVolume(v);
}

/** A container with limits but no request for a resource requests its limit. */
function defaultRequestsFromLimits(c: JsonObject): void {
  const resources = c['resources'];
  if (!isRecord(resources)) return;
  const limits = resources['limits'];
  if (!isRecord(limits) || Object.keys(limits).length === 0) return;
  fill(resources, 'requests', {});
  const requests = resources['requests'];
  if (!isRecord(requests)) return;
  for (const [name, q] of Object.entries(limits)) fill(requests, name, q);
}

/** Kubernetes' QoS class, from the cpu and memory requests and limits of all containers. */
export function podQOSClass(spec: JsonObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const c of [...records(spec['containers']), ...records(spec['initContainers'])]) {
    const resources = isRecord(c['resources']) ? c['resources'] : {};
    const sum = (list: unknown, into: Map<string, number>): Set<string> => {
      const found = new Set<string>();
      if (!isRecord(list)) return found;
      for (const name of ['cpu', 'memory']) {
        const q = quantityValue(list[name]);
        if (q === undefined || q === 0) continue;
        found.add(name);
        into.set(name, (into.get(name) ?? 0) + q);
      }
      return found;
    };
    sum(resources['requests'], requests);
    const limited = sum(resources['limits'], limits);
    if (!limited.has('cpu') || !limited.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, q] of requests) if (limits.get(name) !== q) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

function defaultPod(obj: KubeObject): void {
  const spec = obj['spec'];
  if (isRecord(spec)) {
    for (const c of [...records(spec['containers']), ...records(spec['initContainers'])]) defaultRequestsFromLimits(c);
    defaultPodSpec(spec);
  }
  fill(obj, 'status', {});
  const status = obj['status'];
  if (!isRecord(status)) return;
  fillString(status, 'phase', 'Pending');
  if (isRecord(spec)) fillString(status, 'qosClass', podQOSClass(spec));
}

function defaultDaemonSet(obj: KubeObject): void {
  const spec = obj['spec'];
  if (!isRecord(spec)) return;
  fill(spec, 'updateStrategy', {});
  const strategy = spec['updateStrategy'];
  if (isRecord(strategy)) {
    fillString(strategy, 'type', 'RollingUpdate');
    if (strategy['type'] === 'RollingUpdate') {
      fill(strategy, 'rollingUpdate', {});
      const rolling = strategy['rollingUpdate'];
      if (isRecord(rolling)) {
        fill(rolling, 'maxUnavailable', 1);
        fill(rolling, 'maxSurge', 0);
      }
    }
  }
  fill(spec, 'revisionHistoryLimit', 10);
  const template = spec['template'];
  if (isRecord(template) && isRecord(template['spec'])) defaultPodSpec(template['spec']);
}

/** Secrets store `stringData` as base64 `data` (stringData wins), as Kubernetes converts it. */
function defaultSecret(obj: KubeObject): void {
  fillString(obj, 'type', 'Opaque');
  const stringData = obj['stringData'];
  if (stringData === null) delete obj['stringData'];
  if (!isRecord(stringData)) return;
  const entries = Object.entries(stringData);
  if (!entries.every(([, v]) => typeof v === 'string')) return;
  if (obj['data'] !== undefined && obj['data'] !== null && !isRecord(obj['data'])) return;
  const data: JsonObject = isRecord(obj['data']) ? obj['data'] : {};
  for (const [k, v] of entries) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  obj['data'] = data;
  delete obj['stringData'];
}

function defaultNamespace(obj: KubeObject): void {
  const name = obj.metadata.name;
  // Kubernetes labels every namespace with its own name, so selectors can pick namespaces by name.
  const labels: unknown = obj.metadata.labels;
  if (name && (labels === undefined || isRecord(labels))) {
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': name };
  }
  fill(obj, 'spec', {});
  const spec = obj['spec'];
  if (isRecord(spec)) fill(spec, 'finalizers', ['kubernetes']);
  fill(obj, 'status', {});
  const status = obj['status'];
  if (isRecord(status)) fillString(status, 'phase', 'Active');
}

/** A node that reports no allocatable resources can allocate its whole capacity. */
function defaultNode(obj: KubeObject): void {
  const status = obj['status'];
  if (isRecord(status) && isRecord(status['capacity'])) fill(status, 'allocatable', { ...status['capacity'] });
}

/** Fills in what Kubernetes would default on `obj`, in place. */
export function applyDefaults(obj: KubeObject): void {
  switch (obj.kind) {
    case 'Pod':
      defaultPod(obj);
      break;
    case 'DaemonSet':
      defaultDaemonSet(obj);
      break;
    case 'Secret':
      defaultSecret(obj);
      break;
    case 'Namespace':
      defaultNamespace(obj);
      break;
    case 'Node':
      defaultNode(obj);
      break;
  }
}

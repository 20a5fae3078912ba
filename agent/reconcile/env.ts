/**
 * A container's environment as the kubelet makes it: `envFrom` sources first, then `env` in
 * order (later names win), `$(VAR)` references expanded in values and in command/args, and
 * values from ConfigMaps, Secrets, the downward API (fieldRef) and resources (resourceFieldRef).
 * A reference that cannot be resolved and is not `optional` is a CreateContainerConfigError
 * with the kubelet's message. Pure.
 */
import { quantityValue } from '../../shared/api/quantity.js';
import type { ResourceFieldSelector } from '../../shared/api/types/index.js';
import type { ConfigObject, ConfigObjects } from './config-objects.js';
import type { ContainerModel, PodModel } from './pod-model.js';

/** What the downward API and resource references need to know about the node. */
export interface NodeFacts {
  hostIP: string;
  /** Node allocatable, for limits a container does not set. */
  cpuCores: number;
  memoryBytes: number;
  /** Pods get an address on a pod network: status.podIP stands as POD_IP_TOKEN until the sandbox has it. */
  podNetwork?: boolean;
}

/**
 * The pod IP in a resolved value, replaced by the sandbox's address when a container is created
 * (container-spec.ts finalSpec). NUL can be in no real environment value or argument, so the
 * token never stands for anything else, and Docker would refuse one left over.
 */
export const POD_IP_TOKEN = '\u0000podIP\u0000';

export type EnvResult = { ok: true; env: [string, string][] } | { ok: false; error: string };

class EnvError extends Error {}

/**
 * Kubernetes' `$(VAR)` expansion: `$$` is a literal `$`, `$(NAME)` the value of NAME when it is
 * defined and left as written when not.
 */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') {
      out += '$';
    } else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close < 0) {
        out += '$(';
      } else {
        const name = rest.slice(1, close);
        out += lookup(name) ?? `$(${name})`;
        advance = close + 1;
      }
    } else {
      out += `$${rest[0] ?? ''}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

function downwardMap(m: Record<string, string>): string {
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${JSON.stringify(m[k])}`)
    .join('\n');
}

/** The value of a fieldRef path (`metadata.labels['app']`, `status.hostIP`, …). */
export function fieldRefValue(pod: PodModel, path: string, node: NodeFacts): string {
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (sub) {
    const map = sub[1] === 'labels' ? pod.labels : pod.annotations;
    return map[sub[2] ?? ''] ?? '';
  }
  const podIP = pod.hostNetwork ? node.hostIP : node.podNetwork === true ? POD_IP_TOKEN : '';
  switch (path) {
    case 'metadata.name':
      return pod.ref.name;
    case 'metadata.namespace':
      return pod.ref.namespace;
    case 'metadata.uid':
      return pod.ref.uid;
    case 'metadata.labels':
      return downwardMap(pod.labels);
    case 'metadata.annotations':
      return downwardMap(pod.annotations);
    case 'spec.nodeName':
      return pod.nodeName;
    case 'spec.serviceAccountName':
      return pod.serviceAccountName;
    case 'status.hostIP':
    case 'status.hostIPs':
      return node.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return podIP;
    default:
      throw new EnvError(`unsupported fieldRef path "${path}"`);
  }
}

/** The value of a resourceFieldRef: the quantity divided by the divisor, rounded up. */
export function resourceFieldValue(pod: PodModel, self: ContainerModel, ref: ResourceFieldSelector, node: NodeFacts): string {
  const { containerName, resource } = ref;
  const c = containerName ? [...pod.containers, ...pod.initContainers].find((x) => x.name === containerName) : self;
  if (!c) throw new EnvError(`resourceFieldRef: no container "${containerName ?? ''}" in the pod`);
  const [kind, name] = resource.split('.', 2) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || name === undefined) throw new EnvError(`unsupported resourceFieldRef resource "${resource}"`);
  const list = kind === 'limits' ? c.limits : c.requests;
  let value = quantityValue(list[name]);
  if (value === undefined) {
    // An unset limit is the node's allocatable, as the kubelet reports it; an unset request is 0.
    if (kind === 'limits' && name === 'cpu') value = node.cpuCores;
    else if (kind === 'limits' && name === 'memory') value = node.memoryBytes;
    else value = 0;
  }
  const divisor = ref.divisor === undefined ? 1 : quantityValue(ref.divisor);
  if (divisor === undefined || divisor <= 0) throw new EnvError(`resourceFieldRef: invalid divisor ${JSON.stringify(ref.divisor)}`);
  // Scale to avoid binary fractions (0.1 / 0.001) rounding up past the exact quotient.
  return String(Math.ceil(Math.round((value / divisor) * 1e6) / 1e6));
}

function lookupKey(
  obj: ConfigObject | undefined,
  kind: 'ConfigMap' | 'Secret',
  ns: string,
  name: string,
  key: string,
  optional: boolean,
): string | undefined {
  if (!obj) {
    if (optional) return undefined;
    throw new EnvError(`${kind === 'ConfigMap' ? 'configmap' : 'secret'} "${name}" not found`);
  }
  const v = obj.data.get(key);
  if (v === undefined) {
    if (optional) return undefined;
    throw new EnvError(`couldn't find key ${key} in ${kind} ${ns}/${name}`);
  }
  return v.toString('utf8');
}

/** Resolves the container's environment; `objects` holds the document's ConfigMaps and Secrets. */
export function resolveEnv(pod: PodModel, c: ContainerModel, objects: ConfigObjects, node: NodeFacts): EnvResult {
  const env = new Map<string, string>();
  const ns = pod.ref.namespace;
  try {
    for (const from of c.envFrom) {
      const prefix = from.prefix ?? '';
      for (const kind of ['configMapRef', 'secretRef'] as const) {
        const ref = from[kind];
        if (!ref) continue;
        const obj = kind === 'configMapRef' ? objects.configMap(ns, ref.name) : objects.secret(ns, ref.name);
        if (!obj) {
          if (ref.optional === true) continue;
          throw new EnvError(`${kind === 'configMapRef' ? 'configmap' : 'secret'} "${ref.name}" not found`);
        }
        // Config keys and the prefix are valid variable names (decoding checked them).
        for (const [k, v] of obj.data) env.set(prefix + k, v.toString('utf8'));
      }
    }
    for (const e of c.env) {
      const from = e.valueFrom;
      if (!from) {
        env.set(e.name, expand(e.value ?? '', (n) => env.get(n)));
        continue;
      }
      let value: string | undefined;
      if (from.configMapKeyRef) {
        const r = from.configMapKeyRef;
        value = lookupKey(objects.configMap(ns, r.name), 'ConfigMap', ns, r.name, r.key, r.optional === true);
      } else if (from.secretKeyRef) {
        const r = from.secretKeyRef;
        value = lookupKey(objects.secret(ns, r.name), 'Secret', ns, r.name, r.key, r.optional === true);
      } else if (from.fieldRef) {
        value = fieldRefValue(pod, from.fieldRef.fieldPath, node);
      } else if (from.resourceFieldRef) {
        value = resourceFieldValue(pod, c, from.resourceFieldRef, node);
      } else {
        throw new EnvError(`env ${e.name}: unsupported valueFrom`);
      }
      if (value !== undefined) env.set(e.name, value);
    }
  } catch (e) {
    if (e instanceof EnvError) return { ok: false, error: e.message };
    throw e;
  }
  return { ok: true, env: [...env.entries()] };
}

/** Expands `$(VAR)` in command and args with the container's final environment. */
export function expandArgs(list: string[] | undefined, env: [string, string][]): string[] | undefined {
  if (!list) return undefined;
  const map = new Map(env);
  return list.map((s) => expand(s, (n) => map.get(n)));
}

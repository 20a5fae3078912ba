/** Which ConfigMaps and Secrets a pod reads: what its node's desired document must carry. */
import type { KubeObject } from '../../../shared/api/meta.js';
import { isRecord } from '../../../shared/util/guards.js';

export interface References {
  configMaps: Set<string>;
  secrets: Set<string>;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function nameAt(v: unknown, ...path: string[]): string | undefined {
  let cur = v;
  for (const p of path) cur = isRecord(cur) ? cur[p] : undefined;
  return typeof cur === 'string' && cur !== '' ? cur : undefined;
}

/** ConfigMaps and Secrets (names in the pod's namespace): volumes, env valueFrom, envFrom, imagePullSecrets. */
export function podReferences(pod: KubeObject): References {
  const refs: References = { configMaps: new Set(), secrets: new Set() };
  const add = (set: Set<string>, name: string | undefined): void => {
    if (name) set.add(name);
  };
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  for (const v of arr(spec['volumes'])) {
    add(refs.configMaps, nameAt(v, 'configMap', 'name'));
    add(refs.secrets, nameAt(v, 'secret', 'secretName'));
  }
  for (const c of [...arr(spec['containers']), ...arr(spec['initContainers'])]) {
    const container = isRecord(c) ? c : {};
    for (const e of arr(container['env'])) {
      add(refs.configMaps, nameAt(e, 'valueFrom', 'configMapKeyRef', 'name'));
      add(refs.secrets, nameAt(e, 'valueFrom', 'secretKeyRef', 'name'));
    }
    for (const e of arr(container['envFrom'])) {
      add(refs.configMaps, nameAt(e, 'configMapRef', 'name'));
      add(refs.secrets, nameAt(e, 'secretRef', 'name'));
    }
  }
  for (const s of arr(spec['imagePullSecrets'])) add(refs.secrets, nameAt(s, 'name'));
  return refs;
}

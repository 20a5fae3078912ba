/** Which ConfigMaps and Secrets a pod reads: what its node's desired document must carry. */
import type { Pod } from '../../../shared/api/types/index.js';

export interface References {
  configMaps: Set<string>;
  secrets: Set<string>;
}

/** ConfigMaps and Secrets (names in the pod's namespace): volumes, env valueFrom, envFrom, imagePullSecrets. */
export function podReferences(pod: Pod): References {
  const refs: References = { configMaps: new Set(), secrets: new Set() };
  const add = (set: Set<string>, name: string | undefined): void => {
    if (name) set.add(name);
  };
  const { spec } = pod;
  for (const v of spec.volumes ?? []) {
    add(refs.configMaps, v.configMap?.name);
    add(refs.secrets, v.secret?.secretName);
  }
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      add(refs.configMaps, e.valueFrom?.configMapKeyRef?.name);
      add(refs.secrets, e.valueFrom?.secretKeyRef?.name);
    }
    for (const e of c.envFrom ?? []) {
      add(refs.configMaps, e.configMapRef?.name);
      add(refs.secrets, e.secretRef?.name);
    }
  }
  for (const s of spec.imagePullSecrets ?? []) add(refs.secrets, s.name);
  return refs;
}

/**
 * What a node must run, as a pure function of the store: the pods bound to it and the
 * ConfigMaps and Secrets they reference, stripped of fields that change without changing what
 * the device must do (status, resourceVersion, managedFields), so unrelated writes do not
 * cause a republish.
 */
import type { KubeObject, ObjectMeta } from '../../../shared/api/meta.js';
import type { ConfigMap, Pod, Secret } from '../../../shared/api/types/index.js';
import { podReferences } from '../runtime/index.js';

export interface DesiredContent {
  pods: KubeObject[];
  configMaps: KubeObject[];
  secrets: KubeObject[];
}

const KEPT_META: (keyof ObjectMeta)[] = ['name', 'namespace', 'uid', 'labels', 'annotations', 'ownerReferences', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

function slimMeta(m: ObjectMeta): ObjectMeta {
  const out: Record<string, unknown> = {};
  for (const k of KEPT_META) if (m[k] !== undefined) out[k] = m[k];
  return out;
}

function slim(obj: KubeObject, fields: string[]): KubeObject {
  const out: KubeObject = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: slimMeta(obj.metadata) };
  for (const f of fields) if (obj[f] !== undefined) out[f] = obj[f];
  return out;
}

const key = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

/**
 * The desired content for one node. `lookup` finds ConfigMaps/Secrets by namespace and name;
 * references to missing ones are left out (the agent reports the pod as unable to start).
 */
export function desiredContent(
  pods: Pod[],
  lookup: { configMap(ns: string, name: string): ConfigMap | undefined; secret(ns: string, name: string): Secret | undefined },
): DesiredContent {
  const configMaps = new Map<string, KubeObject>();
  const secrets = new Map<string, KubeObject>();
  for (const pod of pods) {
    const ns = pod.metadata.namespace ?? 'default';
    const refs = podReferences(pod);
    for (const name of refs.configMaps) {
      const cm = lookup.configMap(ns, name);
      if (cm) configMaps.set(key(cm), slim(cm, ['data', 'binaryData']));
    }
    for (const name of refs.secrets) {
      const s = lookup.secret(ns, name);
      if (s) secrets.set(key(s), slim(s, ['type', 'data']));
    }
  }
  const byKey = (a: KubeObject, b: KubeObject): number => key(a).localeCompare(key(b));
  return {
    pods: pods.map((p) => slim(p, ['spec'])).sort(byKey),
    configMaps: [...configMaps.values()].sort(byKey),
    secrets: [...secrets.values()].sort(byKey),
  };
}

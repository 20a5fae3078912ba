/**
 * The ConfigMaps and Secrets of a desired document, by namespace and name, with their data
 * decoded to bytes (ConfigMap `data` is UTF-8 text, `binaryData` and Secret `data` base64).
 */
import type { KubeObject } from '../../shared/api/meta.js';
import type { DesiredState } from '../../shared/protocol/desired.js';
import { isRecord } from '../../shared/util/guards.js';

export interface ConfigObject {
  namespace: string;
  name: string;
  /** Secret `type` (`Opaque`, `kubernetes.io/dockerconfigjson`, …); undefined for ConfigMaps. */
  type?: string;
  data: ReadonlyMap<string, Buffer>;
}

export interface ConfigObjects {
  configMap(namespace: string, name: string): ConfigObject | undefined;
  secret(namespace: string, name: string): ConfigObject | undefined;
}

function decode(obj: KubeObject, kind: 'ConfigMap' | 'Secret'): ConfigObject {
  const data = new Map<string, Buffer>();
  const text = obj['data'];
  if (isRecord(text)) {
    for (const [k, v] of Object.entries(text)) {
      if (typeof v !== 'string') continue;
      data.set(k, kind === 'ConfigMap' ? Buffer.from(v, 'utf8') : Buffer.from(v, 'base64'));
    }
  }
  const binary = obj['binaryData'];
  if (kind === 'ConfigMap' && isRecord(binary)) {
    for (const [k, v] of Object.entries(binary)) if (typeof v === 'string') data.set(k, Buffer.from(v, 'base64'));
  }
  const out: ConfigObject = { namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name ?? '', data };
  if (kind === 'Secret') out.type = typeof obj['type'] === 'string' ? obj['type'] : 'Opaque';
  return out;
}

export function configObjects(state: Pick<DesiredState, 'configMaps' | 'secrets'>): ConfigObjects {
  const key = (ns: string, name: string): string => `${ns}/${name}`;
  const cms = new Map<string, ConfigObject>();
  const secrets = new Map<string, ConfigObject>();
  for (const o of state.configMaps) {
    const d = decode(o, 'ConfigMap');
    cms.set(key(d.namespace, d.name), d);
  }
  for (const o of state.secrets) {
    const d = decode(o, 'Secret');
    secrets.set(key(d.namespace, d.name), d);
  }
  return {
    configMap: (ns, name) => cms.get(key(ns, name)),
    secret: (ns, name) => secrets.get(key(ns, name)),
  };
}

/**
 * The ConfigMaps and Secrets of a desired document, by namespace and name, with their data
 * decoded to bytes (ConfigMap `data` is UTF-8 text, `binaryData` and Secret `data` base64).
 * One that does not decode is left out: pods that read it see it as missing.
 */
import type { KubeObject } from '../../shared/api/meta.js';
import { decodeConfigMap, decodeSecret, isDecodeError, type ConfigMap, type Secret } from '../../shared/api/types/index.js';
import type { DesiredState } from '../../shared/protocol/desired.js';

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

function bytes(map: Record<string, string> | undefined, encoding: 'utf8' | 'base64', into: Map<string, Buffer>): void {
  for (const [k, v] of Object.entries(map ?? {})) into.set(k, Buffer.from(v, encoding));
}

function fromConfigMap(cm: ConfigMap): ConfigObject {
  const data = new Map<string, Buffer>();
  bytes(cm.data, 'utf8', data);
  bytes(cm.binaryData, 'base64', data);
  return { namespace: cm.metadata.namespace ?? 'default', name: cm.metadata.name ?? '', data };
}

function fromSecret(s: Secret): ConfigObject {
  const data = new Map<string, Buffer>();
  bytes(s.data, 'base64', data);
  return { namespace: s.metadata.namespace ?? 'default', name: s.metadata.name ?? '', type: s.type ?? 'Opaque', data };
}

function decodeEach<T>(objs: readonly KubeObject[], decode: (o: KubeObject) => T): T[] {
  const out: T[] = [];
  for (const o of objs) {
    try {
      out.push(decode(o));
    } catch (e) {
      if (!isDecodeError(e)) throw e;
    }
  }
  return out;
}

/** Turns a Secret as the document carries it (sealed) into one with `data`; undefined: unusable. */
export type UnsealSecret = (obj: KubeObject) => KubeObject | undefined;

/** `unseal` opens sealed Secrets (in memory only); without it, Secrets are read as they are. */
export function configObjects(state: Pick<DesiredState, 'configMaps' | 'secrets'>, unseal?: UnsealSecret): ConfigObjects {
  const key = (ns: string, name: string): string => `${ns}/${name}`;
  const cms = new Map<string, ConfigObject>();
  const secrets = new Map<string, ConfigObject>();
  for (const d of decodeEach(state.configMaps, decodeConfigMap).map(fromConfigMap)) cms.set(key(d.namespace, d.name), d);
  const opened = unseal ? state.secrets.flatMap((o) => unseal(o) ?? []) : state.secrets;
  for (const d of decodeEach(opened, decodeSecret).map(fromSecret)) secrets.set(key(d.namespace, d.name), d);
  return {
    configMap: (ns, name) => cms.get(key(ns, name)),
    secret: (ns, name) => secrets.get(key(ns, name)),
  };
}

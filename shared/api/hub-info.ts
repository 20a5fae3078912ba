/**
 * What a device needs to find and trust the hub, published by the hub as the ConfigMap
 * `kube-system/flotilla-hub-info` (as kubeadm publishes `kube-public/cluster-info`): the MQTT
 * URLs devices should dial and the pins of the hub's CA and signing key. `flotctl token create`
 * reads it to print a join string; it holds nothing secret.
 */
import { isRecord } from '../util/guards.js';
import type { KubeObject } from './meta.js';
import { FLEET_NAMESPACE } from './fleet-secrets.js';

export const HUB_INFO_NAME = 'flotilla-hub-info';

export interface HubInfo {
  /** `mqtts://HOST:PORT` devices dial, when the hub serves MQTT over TLS. */
  mqttsUrl?: string;
  /** `mqtt://HOST:PORT`, when the hub also serves plain MQTT. */
  mqttUrl?: string;
  /** `sha256:<hex>` of the CA's SubjectPublicKeyInfo. */
  caPin: string;
  /** `sha256:<hex>` of the hub's Ed25519 signing key. */
  keyPin: string;
}

export function hubInfoConfigMap(info: HubInfo): KubeObject {
  const data: Record<string, string> = { 'ca-pin': info.caPin, 'hub-key': info.keyPin };
  if (info.mqttsUrl !== undefined) data['mqtts-url'] = info.mqttsUrl;
  if (info.mqttUrl !== undefined) data['mqtt-url'] = info.mqttUrl;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: HUB_INFO_NAME, namespace: FLEET_NAMESPACE }, data };
}

export function hubInfoFrom(cm: Record<string, unknown>): HubInfo | undefined {
  const d = cm['data'];
  if (!isRecord(d)) return undefined;
  const caPin = d['ca-pin'];
  const keyPin = d['hub-key'];
  if (typeof caPin !== 'string' || typeof keyPin !== 'string') return undefined;
  const info: HubInfo = { caPin, keyPin };
  if (typeof d['mqtts-url'] === 'string') info.mqttsUrl = d['mqtts-url'];
  if (typeof d['mqtt-url'] === 'string') info.mqttUrl = d['mqtt-url'];
  return info;
}

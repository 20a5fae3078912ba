/**
 * A scripted device for fleet tests: enrolls with a bootstrap token and connects as a node over
 * real MQTT, using the same shared protocol code as the agent. Tests drive it step by step.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { createSigner, generateIdentity, toBase64, type Identity } from '../../shared/crypto/index.js';
import {
  decodeHubMessage,
  encode,
  enrollTopic,
  generateEnrollClientId,
  makeConnectPassword,
  nodeClientId,
  type EnrollResponseMessage,
} from '../../shared/protocol/index.js';

export interface Device {
  name: string;
  identity: Identity;
  counter: number;
}

export function newDevice(name: string): Device {
  return { name, identity: generateIdentity(), counter: 0 };
}

/** The next CONNECT password (counter +1), as the agent makes it. */
export function nextPassword(d: Device): string {
  d.counter += 1;
  return makeConnectPassword(createSigner(d.identity.signingSecretKey), nodeClientId(d.name), d.name, d.counter);
}

function connect(url: string, opts: mqtt.IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, keepalive: 30, protocolVersion: 4, ...opts });
    c.once('connect', () => resolve(c));
    c.once('error', (e) => {
      c.end(true);
      reject(e);
    });
  });
}

export async function enroll(mqttUrl: string, token: string, d: Device, opts: { arch?: string } = {}): Promise<EnrollResponseMessage> {
  const clientId = generateEnrollClientId();
  const c = await connect(mqttUrl, { clientId, username: 'bootstrap', password: token, clean: true });
  try {
    const answer = new Promise<EnrollResponseMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no enrollment answer in 5 s')), 5000);
      c.on('message', (_topic, payload) => {
        clearTimeout(timer);
        resolve(decodeHubMessage('enroll-res', payload));
      });
    });
    await c.subscribeAsync(enrollTopic(clientId, 'res'), { qos: 1 });
    const req = {
      v: 1 as const,
      t: 'enrollReq' as const,
      token,
      nodeName: d.name,
      signingKey: toBase64(d.identity.signingPublicKey),
      boxKey: toBase64(d.identity.boxPublicKey),
      agentVersion: 'test',
      ...(opts.arch ? { arch: opts.arch } : {}),
    };
    await c.publishAsync(enrollTopic(clientId, 'req'), encode(req), { qos: 1 });
    return await answer;
  } finally {
    await c.endAsync();
  }
}

/** Connects as an enrolled node; rejects with the broker's refusal when it refuses. */
export function connectNode(mqttUrl: string, d: Device, password = nextPassword(d)): Promise<MqttClient> {
  return connect(mqttUrl, { clientId: nodeClientId(d.name), username: d.name, password, clean: true });
}

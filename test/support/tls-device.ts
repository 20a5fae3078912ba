/**
 * A scripted device over MQTT/TLS, as the agent connects: the TLS handshake first, then a
 * CONNECT whose password is bound to that session's exported keying material. Attack tests
 * use it to hold back a CONNECT made for one session and present it on another.
 */
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { MqttClient, type IClientOptions } from 'mqtt';
import { createSigner } from '../../shared/crypto/index.js';
import { CONNECT_BINDING_BYTES, CONNECT_EXPORTER_LABEL, makeConnectPassword, nodeClientId } from '../../shared/protocol/index.js';
import type { Device } from './device.js';

export function openTls(mqttsUrl: string, ca: string): Promise<TLSSocket> {
  const u = new URL(mqttsUrl);
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: u.hostname, port: Number(u.port), ca, rejectUnauthorized: true });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

export function bindingOf(socket: TLSSocket): Buffer {
  return socket.exportKeyingMaterial(CONNECT_BINDING_BYTES, CONNECT_EXPORTER_LABEL, Buffer.alloc(0));
}

/** The next password of `d`, bound to `socket`'s session (counter +1). */
export function boundPassword(d: Device, socket: TLSSocket): string {
  d.counter += 1;
  return makeConnectPassword(createSigner(d.identity.signingSecretKey), nodeClientId(d.name), d.name, d.counter, bindingOf(socket));
}

/** CONNECTs over an open TLS socket; rejects with the broker's refusal. */
export function connectOver(socket: TLSSocket, d: Device, password: string, extra: Partial<IClientOptions> = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = new MqttClient(() => socket, { clientId: nodeClientId(d.name), username: d.name, password, clean: true, protocolVersion: 4, reconnectPeriod: 0, keepalive: 30, connectTimeout: 5000, ...extra });
    c.once('connect', () => resolve(c));
    c.once('error', (e) => {
      c.end(true);
      reject(e);
    });
    c.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/** A node connected over TLS the way the agent connects. */
export async function connectNodeTls(mqttsUrl: string, ca: string, d: Device, extra: Partial<IClientOptions> = {}): Promise<MqttClient> {
  const socket = await openTls(mqttsUrl, ca);
  return connectOver(socket, d, boundPassword(d, socket), extra);
}

/**
 * Hub CPU time per 1,000 heartbeats: enrolled devices (real MQTT connections, the shared
 * protocol code) send heartbeats to a real hub process; the hub's CPU time is read from /proc
 * before and after.
 */
import { encode, nodeTopic, statusHash } from '../../shared/protocol/index.js';
import { connectNode, enroll, newDevice } from '../support/device.js';
import { startHub, tsEntry } from '../support/hub.js';
import { run } from '../support/run.js';
import { cpuMs } from './proc-stats.js';

export interface HeartbeatCpuResult {
  devices: number;
  heartbeats: number;
  hubCpuMsPer1000: number;
  hubCpuMs: number;
  wallMs: number;
}

export async function benchHeartbeatCpu(devices = 20, heartbeats = 20_000): Promise<HeartbeatCpuResult> {
  const hub = await startHub();
  try {
    const { cmd, args } = tsEntry('server/flotctl/main.ts');
    const token = (await run(cmd, [...args, '--kubeconfig', hub.kubeconfig, 'token', 'create'])).stdout.trim();
    const clients = [];
    for (let i = 0; i < devices; i++) {
      const d = newDevice(`bench-${i}`);
      const res = await enroll(hub.mqttUrl, token, d);
      if (!res.ok) throw new Error(`enrollment failed: ${res.message}`);
      clients.push({ d, c: await connectNode(hub.mqttUrl, d) });
    }
    // A heartbeat whose hash the hub does not know makes it ask for status; realistic steady
    // state is "hash known", so send one status first.
    const h = statusHash({ status: { conditions: [], addresses: [], capacity: {}, allocatable: {}, nodeInfo: emptyInfo() }, labels: {} });
    for (const { d, c } of clients) {
      const status = { v: 1, t: 'status', hash: h, status: { conditions: [], addresses: [], capacity: {}, allocatable: {}, nodeInfo: emptyInfo() }, labels: {} };
      await c.publishAsync(nodeTopic(d.name, 'status'), encode(status as never), { qos: 1 });
    }
    await new Promise((r) => setTimeout(r, 500));
    const pid = hub.pid();
    const before = await cpuMs(pid);
    const started = Date.now();
    const per = Math.ceil(heartbeats / devices);
    for (let s = 0; s < per; s++) {
      for (const { d, c } of clients) c.publish(nodeTopic(d.name, 'hb'), encode({ v: 1, t: 'hb', s, h }), { qos: 0 });
      if (s % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    // A QoS 1 message after the burst: its PUBACK means the hub has read everything before it.
    for (const { d, c } of clients) await c.publishAsync(nodeTopic(d.name, 'presence'), encode({ v: 1, t: 'presence', state: 'online' }), { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    const wallMs = Date.now() - started;
    const hubCpuMs = (await cpuMs(pid)) - before;
    for (const { c } of clients) await c.endAsync();
    return { devices, heartbeats: per * devices, hubCpuMs, hubCpuMsPer1000: (hubCpuMs / (per * devices)) * 1000, wallMs };
  } finally {
    await hub.dispose();
  }
}

function emptyInfo(): Record<string, string> {
  return {
    machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: '', containerRuntimeVersion: '',
    kubeletVersion: '', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'arm64',
  };
}

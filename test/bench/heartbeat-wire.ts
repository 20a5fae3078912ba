/**
 * Heartbeat bytes on the wire per node per minute, steady state: a real agent process talks to a
 * real hub through a counting TCP proxy on 127.0.0.1; MQTT bytes in both directions are counted
 * over a window after the agent has connected and sent its first full status.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distEntry, startHub, tsEntry } from '../support/hub.js';
import { run } from '../support/run.js';

export interface HeartbeatWireResult {
  windowMs: number;
  intervalMs: number;
  upBytes: number;
  downBytes: number;
  bytesPerMinute: number;
}

export async function benchHeartbeatWire(windowMs = 60_000, interval = '10s'): Promise<HeartbeatWireResult> {
  const hub = await startHub();
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-agent-'));
  const counts = { up: 0, down: 0 };
  const target = new URL(hub.mqttUrl);
  const proxy = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    client.on('data', (d: Buffer) => {
      counts.up += d.length;
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      counts.down += d.length;
      client.write(d);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const proxyUrl = `mqtt://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const { cmd, args } = tsEntry('server/flotctl/main.ts');
  const token = (await run(cmd, [...args, '--kubeconfig', hub.kubeconfig, 'token', 'create'])).stdout.trim();
  const agentCmd = distEntry('agent/main.js');
  const agent = spawn(agentCmd.cmd, [...agentCmd.args, '--hub', proxyUrl, '--data-dir', dir, '--node-name', 'bench-wire', '--token', token, '--heartbeat-interval', interval], { stdio: 'ignore' });
  try {
    // Let enrollment, connect, subscriptions and the first full status pass.
    await new Promise((r) => setTimeout(r, 8000));
    counts.up = 0;
    counts.down = 0;
    await new Promise((r) => setTimeout(r, windowMs));
    const { up, down } = counts;
    const intervalMs = interval.endsWith('ms') ? Number(interval.slice(0, -2)) : Number(interval.slice(0, -1)) * 1000;
    return { windowMs, intervalMs, upBytes: up, downBytes: down, bytesPerMinute: ((up + down) * 60_000) / windowMs };
  } finally {
    agent.kill('SIGKILL');
    proxy.close();
    await hub.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The dashboard at fleet scale: a real hub holding 10,000 Node objects, 1,000 of them hollow
 * devices (real MQTT connections, real enrollment) heartbeating every 10 s; a real headless
 * Chromium opens the fleet page. Measures the time to the first full render, the page's
 * main-thread busy share over 30 s (CDP Performance.TaskDuration) and the hub's CPU over 30 s
 * with and without the dashboard open.
 */
import type { MqttClient } from 'mqtt';
import { encode, nodeTopic, statusHash } from '../../shared/protocol/index.js';
import { launchBrowser } from '../support/browser.js';
import { connectNode, enroll, newDevice } from '../support/device.js';
import { endpoint, startHub, tsEntry } from '../support/hub.js';
import { apiClient } from '../support/http.js';
import { run } from '../support/run.js';
import { cpuMs } from './proc-stats.js';

export interface DashboardBenchResult {
  nodes: number;
  heartbeating: number;
  firstRenderMs: number;
  mainThreadBusyShare: number;
  hubCpuIdleShare: number;
  hubCpuDashboardShare: number;
  windowMs: number;
}

const HEARTBEAT_MS = 10_000;

function nodeObject(i: number): Record<string, unknown> {
  const name = `static-${String(i).padStart(5, '0')}`;
  const now = new Date().toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/arch': i % 3 === 0 ? 'arm' : 'arm64', ring: i % 10 === 0 ? 'canary' : 'main', site: `site-${i % 40}` } },
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'agent is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
      capacity: { cpu: '4', memory: '3906Mi', pods: '110' },
      allocatable: { cpu: '4', memory: '3806Mi', pods: '110' },
      nodeInfo: { architecture: 'arm64', kubeletVersion: 'v1.32.0-flotilla.0.1.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.6.51-v8+', operatingSystem: 'linux' },
    },
  };
}

async function inParallel<T>(items: T[], width: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await f(items[next++] as T);
  }));
}

async function cpuShare(pid: number, windowMs: number): Promise<number> {
  const before = await cpuMs(pid);
  await new Promise((r) => setTimeout(r, windowMs));
  return ((await cpuMs(pid)) - before) / windowMs;
}

export async function benchDashboard(opts: { nodes?: number; heartbeating?: number; windowMs?: number } = {}): Promise<DashboardBenchResult> {
  const total = opts.nodes ?? 10_000;
  const live = opts.heartbeating ?? 1_000;
  const windowMs = opts.windowMs ?? 30_000;
  const hub = await startHub({ startTimeoutMs: 60_000 });
  const clients: MqttClient[] = [];
  const timers: ReturnType<typeof setInterval>[] = [];
  try {
    const api = apiClient(endpoint(hub));
    const statics = Array.from({ length: total - live }, (_, i) => i);
    await inParallel(statics, 16, async (i) => {
      const r = await api('/api/v1/nodes', { method: 'POST', body: nodeObject(i) });
      if (r.status !== 201) throw new Error(`creating node ${i}: ${r.status} ${r.text}`);
    });

    const { cmd, args } = tsEntry('server/flotctl/main.ts');
    const token = (await run(cmd, [...args, '--kubeconfig', hub.kubeconfig, 'token', 'create'])).stdout.trim();
    const info = { machineID: '', systemUUID: '', bootID: '', kernelVersion: '6.6.51-v8+', osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: 'docker://24', kubeletVersion: 'v1.32.0-flotilla.0.1.0', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'arm64' };
    const body = { conditions: [{ type: 'Ready', status: 'True' as const, reason: 'KubeletReady', message: 'agent is posting ready status' }], addresses: [], capacity: { cpu: '4' }, allocatable: { cpu: '4' }, nodeInfo: info };
    const h = statusHash({ status: body, labels: {} });
    await inParallel(Array.from({ length: live }, (_, i) => i), 8, async (i) => {
      const d = newDevice(`hollow-${String(i).padStart(4, '0')}`);
      // One token for all: concurrent uses of it conflict, and the hub says to try again.
      for (let attempt = 0; ; attempt++) {
        const res = await enroll(hub.mqttUrl, token, d);
        if (res.ok) break;
        if (attempt > 20 || !/concurrently/.test(res.message)) throw new Error(`enrollment failed: ${res.message}`);
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
      }
      const c = await connectNode(hub.mqttUrl, d);
      clients.push(c);
      await c.publishAsync(nodeTopic(d.name, 'status'), encode({ v: 1, t: 'status', hash: h, status: body, labels: {} } as never), { qos: 1 });
      let s = 0;
      // Spread over the interval, as a real fleet's heartbeats are.
      setTimeout(() => {
        timers.push(setInterval(() => c.publish(nodeTopic(d.name, 'hb'), encode({ v: 1, t: 'hb', s: s++, h }), { qos: 0 }), HEARTBEAT_MS));
      }, Math.random() * HEARTBEAT_MS);
    });
    // Steady state: the silent nodes have gone Unknown (after the 40 s grace period), so the
    // lifecycle controller's burst of writes is over before anything is measured.
    const silent = total - live;
    for (const deadline = Date.now() + 300_000; ; ) {
      const list = await api<{ items: { status?: { conditions?: { type: string; status: string }[] } }[] }>('/api/v1/nodes');
      const unknown = list.body.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'Unknown')).length;
      if (unknown >= silent) break;
      if (Date.now() > deadline) throw new Error(`only ${unknown} of ${silent} silent nodes went Unknown`);
      await new Promise((r) => setTimeout(r, 5000));
    }
    await new Promise((r) => setTimeout(r, HEARTBEAT_MS));

    const pid = hub.pid();
    const hubCpuIdleShare = await cpuShare(pid, windowMs);

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${hub.apiUrl}/ui/`);
      await page.evaluate(`sessionStorage.setItem('flotilla.token', ${JSON.stringify(hub.token)})`);
      const started = Date.now();
      await page.reload();
      await page.locator('.shown', { hasText: `${total} of ${total} nodes` }).waitFor({ timeout: 120_000 });
      await page.locator('.vt-row').first().waitFor();
      await page.locator('[data-count="Ready"] .n', { hasText: /^[1-9]/ }).waitFor({ timeout: 30_000 });
      const firstRenderMs = Date.now() - started;

      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      const taskSeconds = async (): Promise<number> => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
      const t0 = await taskSeconds();
      const hubCpuDashboardShare = await cpuShare(pid, windowMs);
      const mainThreadBusyShare = ((await taskSeconds()) - t0) / (windowMs / 1000);
      await browser.screenshot(page, `fleet-${total}`);
      if (browser.errors.length > 0) throw new Error(`console errors: ${browser.errors.join('; ')}`);
      return { nodes: total, heartbeating: live, firstRenderMs, mainThreadBusyShare, hubCpuIdleShare, hubCpuDashboardShare, windowMs };
    } finally {
      await browser.close();
    }
  } finally {
    for (const t of timers) clearInterval(t);
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await hub.dispose();
  }
}

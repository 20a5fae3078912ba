/** `npm run bench`: prints Flotilla's speed and size figures. Never asserts timings. */
import { benchDashboard } from './dashboard.js';
import { benchSign } from './sign.js';
import { benchAgentFootprint, FOOTPRINT_VARIANTS, versionLoadMs } from './agent-footprint.js';
import { benchHeartbeatCpu } from './heartbeat-cpu.js';
import { benchHeartbeatWire } from './heartbeat-wire.js';
import { benchDaemonSetRollout } from './daemonset-rollout.js';
import { benchReconnect } from './reconnect.js';
import { benchWorkload, median } from './workload.js';
import { benchStreams, describeStreams } from './streams.js';

function line(name: string, value: string): void {
  process.stdout.write(`${name.padEnd(52)} ${value}\n`);
}

async function main(): Promise<void> {
  process.stdout.write('Flotilla benchmarks\n\n');
  const sign = benchSign(500, 1024);
  line('desired-document signing, node:crypto Ed25519', `${Math.round(sign.nodeCrypto)} signatures/s (1 KiB)`);
  line('desired-document signing, tweetnacl', `${Math.round(sign.tweetnacl)} signatures/s (1 KiB)`);

  const wire = await benchHeartbeatWire();
  line(
    'heartbeat bytes on the wire per node per minute',
    `${Math.round(wire.bytesPerMinute)} B/min (MQTT bytes both ways, steady state, ${wire.intervalMs / 1000} s interval; ${wire.upBytes} up + ${wire.downBytes} down in ${wire.windowMs / 1000} s)`,
  );

  const hb = await benchHeartbeatCpu();
  const wl = await benchWorkload();
  const agent = median(wl.agentMs);
  const plain = median(wl.plainMs);
  line('pod start: desired document received → running', `${agent} ms median (${wl.agentMs.join(', ')} ms; hostNetwork pod, image present)`);
  line('plain docker create + start, same image, same run', `${plain} ms median (${wl.plainMs.join(', ')} ms)`);
  line('agent overhead (ratio)', `${(agent / plain).toFixed(2)}x`);
  line('agent RSS with 5 pods running', `${(wl.agentRssBytes / 1024 / 1024).toFixed(1)} MiB (node dist/agent/main.js)`);
  const ro = await benchDaemonSetRollout();
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(1)}x`;
  line(`DaemonSet rollout, ${ro.devices} agents, one at a time`, `${ro.rolloutOneAtATimeMs} ms (same containers replaced directly with Docker: ${ro.dockerOneAtATimeMs} ms; ratio ${ratio(ro.rolloutOneAtATimeMs, ro.dockerOneAtATimeMs)})`);
  line(`DaemonSet rollout, ${ro.devices} agents, all at once`, `${ro.rolloutAllAtOnceMs} ms (directly with Docker: ${ro.dockerAllAtOnceMs} ms; ratio ${ratio(ro.rolloutAllAtOnceMs, ro.dockerAllAtOnceMs)})`);
  const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  for (const f of await benchAgentFootprint()) {
    line(`agent ${f.label}`, `RSS idle ${mib(f.idleRssBytes)}, with 5 pods ${mib(f.fivePodsRssBytes)}, start-up ${f.startupMs} ms (spawn → enrolled and connected)`);
  }
  for (const v of FOOTPRINT_VARIANTS) line(`agent load time, ${v.label}`, `${await versionLoadMs(v)} ms median (node … --version)`);
  line('hub CPU time per 1,000 heartbeats', `${hb.hubCpuMsPer1000.toFixed(1)} ms (${hb.heartbeats} heartbeats from ${hb.devices} devices, ${hb.hubCpuMs} ms CPU in ${hb.wallMs} ms wall)`);

  const rc = await benchReconnect();
  line('offline device: link restored → reconnected', `${median(rc.connectMs)} ms median (${rc.connectMs.join(', ')} ms; backoff capped at 2 s)`);
  line('offline device: link restored → node converged', `${median(rc.convergedMs)} ms median (${rc.convergedMs.join(', ')} ms; fault scenario 1: a DaemonSet updated twice, a ConfigMap change, a DaemonSet deleted; includes the rollout reaching the device)`);
  line('offline device: link restored → hub shows it Current', `${median(rc.currentMs)} ms median (${rc.currentMs.join(', ')} ms; applied revision reported with a 1 s heartbeat)`);
  try {
    for (const [name, value] of describeStreams(await benchStreams())) line(name, value);
  } catch (e: unknown) {
    line('kubectl exec / port-forward through the hub', `not measured: ${e instanceof Error ? e.message : String(e)}`);
  }
  const d = await benchDashboard();
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const fleet = `${d.nodes} nodes, ${d.heartbeating} heartbeating every 10 s`;
  line('dashboard: fleet page first full render', `${d.firstRenderMs} ms (${fleet}; headless Chromium)`);
  line('dashboard: page main-thread busy share', `${pct(d.mainThreadBusyShare)} of ${d.windowMs / 1000} s (CDP TaskDuration, fleet page open)`);
  line('dashboard: hub CPU without / with one dashboard', `${pct(d.hubCpuIdleShare)} / ${pct(d.hubCpuDashboardShare)} of one core (${d.windowMs / 1000} s each)`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});

/**
 * Fault scenario 1 as a benchmark: a device offline (the hub shows it unreachable) while a
 * DaemonSet on it is updated twice, a mounted ConfigMap changes and another DaemonSet is deleted;
 * then the link comes back. Measures link restored → agent connected (its reconnect backoff,
 * capped at 2 s here by config.json reconnectMaxDelay) → node converged (the rollout reached the
 * device: Docker runs exactly the latest revision, the hub shows its status) → the hub shows the
 * node Current (applied revision reported).
 */
import { startFaultFleet } from '../support/fault-fleet.js';
import { changeWhileOffline, cleanUpOffline, prepareOffline, reconverged } from '../support/offline-changes.js';
import { until } from '../support/wait.js';

export interface ReconnectResult {
  connectMs: number[];
  convergedMs: number[];
  currentMs: number[];
}

const NODE = 'ff-bench-reconnect';

export async function benchReconnect(rounds = 3): Promise<ReconnectResult> {
  const fleet = await startFaultFleet(undefined, [NODE]);
  const out: ReconnectResult = { connectMs: [], convergedMs: [], currentMs: [] };
  const annotations = async (): Promise<Record<string, string>> => (await fleet.api<{ metadata: { annotations?: Record<string, string> } }>(`/api/v1/nodes/${NODE}`)).body.metadata.annotations ?? {};
  try {
    for (let r = 0; r < rounds; r++) {
      const prefix = `ffb${r}`;
      await prepareOffline(fleet, NODE, prefix);
      await fleet.converged(90_000);
      const agent = fleet.agent(NODE);
      const want = await changeWhileOffline(fleet, NODE, prefix);
      await until('the hub to issue the last document', async () => {
        const a = await annotations();
        return a['flotilla.io/desired-revision'] !== a['flotilla.io/applied-revision'];
      }, 20_000, 100);
      // Let the device's backoff grow as over a real outage (capped by reconnectMaxDelay).
      await new Promise((res) => setTimeout(res, 5000));
      const accepted = agent.relay.accepted;
      const t0 = Date.now();
      agent.relay.setLink(true);
      await until('reconnect', () => agent.relay.accepted > accepted, 60_000, 20);
      out.connectMs.push(Date.now() - t0);
      await reconverged(fleet, NODE, want, 120_000);
      out.convergedMs.push(Date.now() - t0);
      await until('Current', async () => {
        const a = await annotations();
        return a['flotilla.io/desired-revision'] === a['flotilla.io/applied-revision'];
      }, 60_000, 100);
      out.currentMs.push(Date.now() - t0);
      await cleanUpOffline(fleet, prefix);
      await fleet.converged(60_000);
    }
  } finally {
    await fleet.dispose();
  }
  return out;
}

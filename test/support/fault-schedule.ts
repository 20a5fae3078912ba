/**
 * A seeded random schedule of faults interleaved with user writes, for fault scenario 7. The
 * schedule is a pure function of the seed (generated up front), so a failing seed replays the
 * same steps; the executor carries them out against a FaultFleet.
 */
import { boundPod, create, deletePod, type FaultFleet } from './fault-fleet.js';
import { prng } from './prng.js';
import { sleep } from './wait.js';

export type Step =
  | { op: 'linkDown' | 'linkUp' | 'pause' | 'resume' | 'agentKill' | 'agentStart' | 'reboot'; node: string }
  | { op: 'slowLink'; node: string; delayMs: number }
  | { op: 'hubKill' | 'hubStart' }
  | { op: 'createPod'; name: string; node: string; mountsConfig: boolean }
  | { op: 'deletePod'; name: string }
  | { op: 'setConfig'; value: string }
  | { op: 'sleep'; ms: number };

export const CONFIG_NAME = 'ffz-cfg';
const MAX_PODS = 6;

/**
 * Roughly `seconds` of steps: each round picks a fault on a device or the hub, makes a few user
 * writes while it lasts (none while the hub is down), and ends it. Every fault is undone by the
 * end of the schedule.
 */
export function schedule(seed: number, nodes: readonly string[], seconds: number): Step[] {
  const rnd = prng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const steps: Step[] = [];
  const live: string[] = [];
  let podN = 0;
  let budget = seconds * 1000;
  const wait = (ms: number): void => {
    steps.push({ op: 'sleep', ms });
    budget -= ms;
  };
  const write = (): void => {
    const r = rnd();
    if ((r < 0.45 && live.length < MAX_PODS) || live.length === 0) {
      const name = `ffz-${podN++}`;
      live.push(name);
      steps.push({ op: 'createPod', name, node: pick(nodes), mountsConfig: rnd() < 0.5 });
    } else if (r < 0.75) {
      const name = live.splice(int(0, live.length - 1), 1)[0] ?? '';
      steps.push({ op: 'deletePod', name });
    } else {
      steps.push({ op: 'setConfig', value: `v${int(0, 1e6)}` });
    }
  };
  while (budget > 0) {
    const node = pick(nodes);
    const kind = pick(['link', 'link', 'pause', 'slow', 'agent', 'reboot', 'hub'] as const);
    const writes = kind === 'hub' ? 0 : int(1, 3);
    const during = (): void => {
      for (let i = 0; i < writes; i++) {
        write();
        wait(int(200, 1200));
      }
      wait(int(500, 2500));
    };
    if (kind === 'link') steps.push({ op: 'linkDown', node });
    if (kind === 'pause') steps.push({ op: 'pause', node });
    if (kind === 'slow') steps.push({ op: 'slowLink', node, delayMs: int(100, 800) });
    if (kind === 'agent') steps.push({ op: 'agentKill', node });
    if (kind === 'reboot') steps.push({ op: 'reboot', node });
    if (kind === 'hub') steps.push({ op: 'hubKill' });
    during();
    if (kind === 'link' || kind === 'reboot') steps.push({ op: 'linkUp', node });
    if (kind === 'pause') steps.push({ op: 'resume', node });
    if (kind === 'slow') steps.push({ op: 'slowLink', node, delayMs: 0 });
    if (kind === 'agent') steps.push({ op: 'agentStart', node });
    if (kind === 'hub') steps.push({ op: 'hubStart' });
    // A quiet spell with writes: the fleet settles between faults (or not).
    write();
    wait(int(300, 1500));
  }
  return steps;
}

export function describeStep(s: Step): string {
  const { op, ...rest } = s;
  return `${op} ${JSON.stringify(rest)}`;
}

/** Carries out one step against the fleet. */
export async function runStep(fleet: FaultFleet, s: Step): Promise<void> {
  const api = fleet.api;
  switch (s.op) {
    case 'linkDown':
      return fleet.agent(s.node).relay.setLink(false);
    case 'linkUp':
      return fleet.agent(s.node).relay.setLink(true);
    case 'pause':
      return fleet.agent(s.node).relay.pause();
    case 'resume':
      return fleet.agent(s.node).relay.resume();
    case 'slowLink':
      fleet.agent(s.node).relay.delayMs = s.delayMs;
      return;
    case 'agentKill':
      return fleet.agent(s.node).kill9();
    case 'agentStart':
      return fleet.agent(s.node).start();
    case 'reboot':
      return fleet.agent(s.node).reboot();
    case 'hubKill':
      return fleet.hub.kill9();
    case 'hubStart':
      return fleet.hub.start();
    case 'createPod':
      await create(api, '/api/v1/namespaces/default/pods', boundPod(s.name, s.node, s.mountsConfig ? { configMap: CONFIG_NAME } : {}));
      return;
    case 'deletePod':
      return deletePod(api, s.name);
    case 'setConfig': {
      const r = await api(`/api/v1/namespaces/default/configmaps/${CONFIG_NAME}`, { method: 'PUT', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CONFIG_NAME }, data: { greeting: s.value } } });
      if (r.status !== 200) throw new Error(`PUT configmap: ${r.status} ${r.text}`);
      return;
    }
    case 'sleep':
      return sleep(s.ms);
  }
}

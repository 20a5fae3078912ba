import assert from 'node:assert/strict';
import type { ObservedContainer } from '../../agent/engine/types.js';
import { computePodStatus, type PodStatusInput, type WaitingReason } from '../../agent/pods/status.js';
import type { ProbeState } from '../../agent/probes/types.js';
import { isRecord, type JsonObject } from '../../shared/util/guards.js';

const IMAGE = '127.0.0.1:5000/flotilla/busybox:1.0';

interface C {
  name: string;
  role?: 'init' | 'app' | 'sandbox';
  attempt?: number;
  state?: ObservedContainer['state'];
  exit?: number;
  oom?: boolean;
  error?: string;
}

function c(o: C): ObservedContainer {
  const attempt = o.attempt ?? 0;
  const state = o.state ?? 'running';
  const out: ObservedContainer = {
    id: `${o.name}-${attempt}`,
    name: `n-${o.name}-${attempt}`,
    podUid: 'u',
    podNamespace: 'default',
    podName: 'p',
    container: o.name,
    role: o.role ?? 'app',
    specHash: 'h',
    attempt,
    image: IMAGE,
    imageId: 'sha256:feed',
    state,
    createdAt: `2026-01-01T00:0${attempt}:00.000Z`,
  };
  if (state !== 'created' || o.error !== undefined) out.startedAt = `2026-01-01T00:0${attempt}:01.500Z`;
  if (state === 'exited') {
    out.finishedAt = `2026-01-01T00:0${attempt}:05.000Z`;
    out.exitCode = o.exit ?? 0;
    out.oomKilled = o.oom ?? false;
  }
  if (o.error !== undefined) {
    out.error = o.error;
    out.exitCode = o.exit ?? 127;
  }
  return out;
}

function input(over: Partial<PodStatusInput>): PodStatusInput {
  return {
    restartPolicy: 'Always',
    hostNetwork: false,
    hostIP: '10.0.0.5',
    init: [],
    app: [{ name: 'app', image: IMAGE }],
    containers: [],
    waiting: new Map(),
    probe: () => undefined,
    ...over,
  };
}

function cs(status: JsonObject, name: string, field = 'containerStatuses'): JsonObject {
  const list = status[field];
  const found = Array.isArray(list) ? list.filter(isRecord).find((x) => x['name'] === name) : undefined;
  assert.ok(found, `no status for ${name}`);
  return found;
}

/** `waiting:Reason`, `running`, `terminated:Reason:code`. */
function stateText(s: unknown): string {
  if (!isRecord(s)) return '?';
  if (isRecord(s['waiting'])) return `waiting:${String(s['waiting']['reason'])}`;
  if (isRecord(s['running'])) return 'running';
  if (isRecord(s['terminated'])) return `terminated:${String(s['terminated']['reason'])}:${String(s['terminated']['exitCode'])}`;
  return 'none';
}

function conditions(status: JsonObject): string[] {
  const list = Array.isArray(status['conditions']) ? status['conditions'].filter(isRecord) : [];
  return list.map((x) => `${String(x['type'])}=${String(x['status'])}${typeof x['reason'] === 'string' ? `(${x['reason']})` : ''}`);
}

const w = (entries: [string, string][]): Map<string, WaitingReason> => new Map(entries.map(([k, reason]) => [k, { reason }]));

interface Row {
  name: string;
  in: Partial<PodStatusInput>;
  phase: string;
  app?: Record<string, string>;
  init?: Record<string, string>;
  conditions?: string[];
}

const ROWS: Row[] = [
  { name: 'nothing yet: Pending, ContainerCreating', in: {}, phase: 'Pending', app: { app: 'waiting:ContainerCreating' }, conditions: ['Initialized=True', 'Ready=False(ContainersNotReady)', 'ContainersReady=False(ContainersNotReady)', 'PodScheduled=True'] },
  {
    name: 'init containers pending: app PodInitializing, first init ContainerCreating, the next PodInitializing',
    in: { init: [{ name: 'i1', image: IMAGE }, { name: 'i2', image: IMAGE }] },
    phase: 'Pending',
    init: { i1: 'waiting:ContainerCreating', i2: 'waiting:PodInitializing' },
    app: { app: 'waiting:PodInitializing' },
    conditions: ['Initialized=False(ContainersNotInitialized)', 'Ready=False(ContainersNotReady)', 'ContainersReady=False(ContainersNotReady)', 'PodScheduled=True'],
  },
  {
    name: 'init running: Pending',
    in: { init: [{ name: 'i1', image: IMAGE }, { name: 'i2', image: IMAGE }], containers: [c({ name: 'i1', role: 'init', state: 'exited' }), c({ name: 'i2', role: 'init' })] },
    phase: 'Pending',
    init: { i1: 'terminated:Completed:0', i2: 'running' },
  },
  {
    name: 'init failed under Never: Failed',
    in: { restartPolicy: 'Never', init: [{ name: 'i1', image: IMAGE }], containers: [c({ name: 'i1', role: 'init', state: 'exited', exit: 2 })] },
    phase: 'Failed',
    init: { i1: 'terminated:Error:2' },
  },
  {
    name: 'running and ready',
    in: { containers: [c({ name: 'app' })] },
    phase: 'Running',
    app: { app: 'running' },
    conditions: ['Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True'],
  },
  {
    name: 'running, readiness failing: not ready',
    in: { containers: [c({ name: 'app' })], probe: (): ProbeState => ({ started: true, ready: false, mustRestart: false }) },
    phase: 'Running',
    conditions: ['Initialized=True', 'Ready=False(ContainersNotReady)', 'ContainersReady=False(ContainersNotReady)', 'PodScheduled=True'],
  },
  {
    name: 'CrashLoopBackOff under Always: Running (restarting), lastState terminated',
    in: { containers: [c({ name: 'app', attempt: 4, state: 'exited', exit: 1 })], waiting: w([['app', 'CrashLoopBackOff']]) },
    phase: 'Running',
    app: { app: 'waiting:CrashLoopBackOff' },
  },
  { name: 'Never + exit 0: Succeeded', in: { restartPolicy: 'Never', containers: [c({ name: 'app', state: 'exited' })] }, phase: 'Succeeded', app: { app: 'terminated:Completed:0' }, conditions: ['Initialized=True', 'Ready=False(PodCompleted)', 'ContainersReady=False(PodCompleted)', 'PodScheduled=True'] },
  { name: 'Never + exit 1: Failed', in: { restartPolicy: 'Never', containers: [c({ name: 'app', state: 'exited', exit: 1 })] }, phase: 'Failed', app: { app: 'terminated:Error:1' } },
  { name: 'OnFailure + exit 1 (about to restart): Running', in: { restartPolicy: 'OnFailure', containers: [c({ name: 'app', state: 'exited', exit: 1 })] }, phase: 'Running' },
  { name: 'OOMKilled', in: { restartPolicy: 'Never', containers: [c({ name: 'app', state: 'exited', exit: 137, oom: true })] }, phase: 'Failed', app: { app: 'terminated:OOMKilled:137' } },
  { name: 'start error (StartError, 127)', in: { restartPolicy: 'Never', containers: [c({ name: 'app', state: 'created', error: 'exec: "/x": not found' })] }, phase: 'Failed', app: { app: 'terminated:StartError:127' } },
  { name: 'ImagePullBackOff: Pending', in: { waiting: w([['app', 'ImagePullBackOff']]) }, phase: 'Pending', app: { app: 'waiting:ImagePullBackOff' } },
  { name: 'CreateContainerConfigError: Pending', in: { waiting: w([['app', 'CreateContainerConfigError']]) }, phase: 'Pending', app: { app: 'waiting:CreateContainerConfigError' } },
  {
    name: 'two containers, one waiting: Pending',
    in: { app: [{ name: 'a', image: IMAGE }, { name: 'b', image: IMAGE }], containers: [c({ name: 'a' })], waiting: w([['b', 'ErrImagePull']]) },
    phase: 'Pending',
    app: { a: 'running', b: 'waiting:ErrImagePull' },
  },
  {
    name: 'Never, one completed and one running: Running',
    in: { restartPolicy: 'Never', app: [{ name: 'a', image: IMAGE }, { name: 'b', image: IMAGE }], containers: [c({ name: 'a', state: 'exited' }), c({ name: 'b' })] },
    phase: 'Running',
  },
];

describe('pod status computation (table)', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const st = computePodStatus(input(row.in));
      assert.equal(st['phase'], row.phase);
      for (const [name, want] of Object.entries(row.app ?? {})) assert.equal(stateText(cs(st, name)['state']), want, name);
      for (const [name, want] of Object.entries(row.init ?? {})) assert.equal(stateText(cs(st, name, 'initContainerStatuses')['state']), want, name);
      if (row.conditions) assert.deepEqual(conditions(st), row.conditions);
    });
  }

  it('a running container: ids, times, restartCount = attempt, lastState = the run before', () => {
    const st = computePodStatus(input({ containers: [c({ name: 'app', attempt: 2 }), c({ name: 'app', attempt: 1, state: 'exited', exit: 1 })] }));
    assert.deepEqual(cs(st, 'app'), {
      name: 'app',
      state: { running: { startedAt: '2026-01-01T00:02:01Z' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', containerID: 'docker://app-1', startedAt: '2026-01-01T00:01:01Z', finishedAt: '2026-01-01T00:01:05Z' } },
      ready: true,
      restartCount: 2,
      image: IMAGE,
      imageID: 'sha256:feed',
      containerID: 'docker://app-2',
      started: true,
    });
  });

  it('waiting with a message; lastState is the last run', () => {
    const st = computePodStatus(
      input({
        containers: [c({ name: 'app', attempt: 3, state: 'exited', exit: 2 })],
        waiting: new Map([['app', { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=app pod=p_default(u)' }]]),
      }),
    );
    const s = cs(st, 'app');
    assert.deepEqual(s['state'], { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=app pod=p_default(u)' } });
    assert.equal(stateText(s['lastState']), 'terminated:Error:2');
    assert.equal(s['restartCount'], 3);
  });

  it('IPs: podIP is the host IP on the host network only; startTime in RFC 3339', () => {
    const host = computePodStatus(input({ hostNetwork: true, startTime: new Date('2026-01-01T00:00:00.123Z') }));
    assert.equal(host['hostIP'], '10.0.0.5');
    assert.equal(host['podIP'], '10.0.0.5');
    assert.deepEqual(host['podIPs'], [{ ip: '10.0.0.5' }]);
    assert.equal(host['startTime'], '2026-01-01T00:00:00Z');
    const pod = computePodStatus(input({}));
    assert.equal(pod['podIP'], undefined);
    assert.deepEqual(pod['hostIPs'], [{ ip: '10.0.0.5' }]);
  });

  it('startup probe not passed: started false, not ready', () => {
    const st = computePodStatus(input({ containers: [c({ name: 'app' })], probe: () => ({ started: false, ready: false, mustRestart: false }) }));
    assert.equal(cs(st, 'app')['started'], false);
    assert.equal(cs(st, 'app')['ready'], false);
  });
});

describe('pod status computation: accepted by the hub', () => {
  it('every status of the table passes the hub check of reported pod status', async () => {
    const { checkReportedPodStatus } = await import('../../server/link/pod-status.js');
    for (const row of ROWS) {
      const r = checkReportedPodStatus(computePodStatus(input(row.in)));
      assert.ok(r.ok, `${row.name}: ${r.ok ? '' : r.message}`);
    }
  });
});

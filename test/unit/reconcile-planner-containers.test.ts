import assert from 'node:assert/strict';
import { nextCrashDelay } from '../../agent/reconcile/backoff.js';
import { ctr, IMAGE, inst, itPlansEachRow, PAUSE, pod, type Row, s, sandbox, startedWithBackoff, stoppedFor } from '../support/planner-table.js';

const ROWS: Row[] = [
  // ---- first start ------------------------------------------------------------------------------
  { name: 'first start: the sandbox comes first', pods: [pod()], want: { steps: ['run POD#0'] } },
  { name: 'first start: the infra image is pulled when absent', pods: [pod()], images: [IMAGE], want: { steps: [`pull ${PAUSE}`, 'run POD#0'] } },
  {
    name: 'first start: volumes, then the first init container only',
    pods: [pod({ init: [ctr('init1'), ctr('init2')] })],
    volumesSynced: false,
    observed: (d) => [sandbox(d)],
    want: { steps: ['volumes', 'run init1#0'] },
  },
  {
    name: 'init containers in order: init2 after init1 completed',
    pods: [pod({ init: [ctr('init1'), ctr('init2')] })],
    observed: (d) => [sandbox(d), inst(d, 'init1', 0, { state: 'exited', exitCode: 0 })],
    want: { steps: ['run init2#0'] },
  },
  {
    name: 'init containers in order: nothing while init1 runs',
    pods: [pod({ init: [ctr('init1'), ctr('init2')] })],
    observed: (d) => [sandbox(d), inst(d, 'init1', 0)],
    want: { steps: [] },
  },
  {
    name: 'app containers start together once every init container completed',
    pods: [pod({ init: [ctr('init1')], containers: [ctr('a'), ctr('b')] })],
    observed: (d) => [sandbox(d), inst(d, 'init1', 0, { state: 'exited', exitCode: 0 })],
    want: {
      steps: ['run a#0', 'run b#0'],
      check: (p) => {
        const run = p.steps.find((x) => x.kind === 'run');
        assert.ok(run?.kind === 'run');
        assert.equal(run.spec.networkMode, 'container:POD.0');
        assert.equal(run.spec.name, 'flotilla_a_web_default_uid-web_0');
      },
    },
  },
  {
    name: 'failed init container restarts (Always) at once the first time',
    pods: [pod({ init: [ctr('init1')] })],
    observed: (d) => [sandbox(d), inst(d, 'init1', 0, { state: 'exited', exitCode: 1 })],
    want: { steps: ['run init1#1'] },
  },
  {
    name: 'failed init container with restartPolicy Never: the pod failed, its sandbox stops',
    pods: [pod({ init: [ctr('init1')], restartPolicy: 'Never' })],
    observed: (d) => [sandbox(d), inst(d, 'init1', 0, { state: 'exited', exitCode: 1 })],
    want: { steps: ['stop POD.0:pod-completed'] },
  },
  // ---- adoption and spec changes ---------------------------------------------------------------
  {
    name: 'adoption: running containers with matching spec hashes are left alone',
    pods: [pod({ containers: [ctr('a'), ctr('b')] })],
    observed: (d) => [sandbox(d), inst(d, 'a', 0), inst(d, 'b', 3)],
    want: { steps: [] },
  },
  {
    name: 'adoption after an agent restart: volumes are set up again, containers untouched',
    pods: [pod({ volumes: [{ name: 'cache', emptyDir: {} }], containers: [ctr('app', { volumeMounts: [{ name: 'cache', mountPath: '/cache' }] })] })],
    volumesSynced: false,
    observed: (d) => [sandbox(d), inst(d, 'app', 0)],
    want: { steps: ['volumes'] },
  },
  {
    name: 'spec change: the running container is stopped to be recreated',
    pods: [pod()],
    observed: (d) => [sandbox(d), inst(d, 'app', 0, { hash: 'stale' })],
    want: { steps: ['stop app.0:spec-changed+always'], notices: ['Killing'] },
  },
  {
    name: 'spec change: once stopped it is recreated with the next attempt, even under Never',
    pods: [pod({ restartPolicy: 'Never' })],
    observed: (d) => [sandbox(d), inst(d, 'app', 0, { hash: 'stale', state: 'exited', exitCode: 137 })],
    memory: (m) => stoppedFor(m, 'app.0', 'always'),
    want: { steps: ['run app#1'] },
  },
  {
    name: 'a sandbox with a changed spec is replaced: containers stop, a new sandbox runs',
    pods: [pod()],
    observed: (d) => [sandbox(d, { hash: 'stale' }), inst(d, 'app', 0)],
    want: { steps: ['stop app.0:sandbox-changed', 'stop POD.0:sandbox-changed', 'run POD#1'], notices: ['SandboxChanged'] },
  },
  {
    name: 'a dead sandbox (reboot) is re-created; exited containers then restart in it',
    pods: [pod()],
    observed: (d) => [sandbox(d, { state: 'exited', exitCode: 255 }), inst(d, 'app', 0, { state: 'exited', exitCode: 255 })],
    want: { steps: ['run POD#1'], notices: ['SandboxChanged'] },
  },
  {
    name: 'restartPolicy Never: a dead sandbox is not brought back after the pod ran',
    pods: [pod({ restartPolicy: 'Never' })],
    observed: (d) => [sandbox(d, { state: 'exited', exitCode: 255 }), inst(d, 'app', 0)],
    want: { steps: ['stop app.0:sandbox-changed'] },
  },
  // ---- restart policies × exit codes --------------------------------------------------------------
  {
    name: 'Always + exit 0 → restart',
    pods: [pod()],
    observed: (d) => [sandbox(d), inst(d, 'app', 0, { state: 'exited', exitCode: 0 })],
    want: { steps: ['run app#1'] },
  },
  {
    name: 'Always + exit 1 → restart',
    pods: [pod()],
    observed: (d) => [sandbox(d), inst(d, 'app', 0, { state: 'exited', exitCode: 1 })],
    want: { steps: ['run app#1'] },
  },
  {
    name: 'OnFailure + exit 0 → completed, the sandbox stops',
    pods: [pod({ restartPolicy: 'OnFailure' })],
    observed: (d) => [sandbox(d), inst(d, 'app', 0, { state: 'exited', exitCode: 0 })],
    want: { steps: ['stop POD.0:pod-completed'] },
  },
  {
    name: 'OnFailure + exit 2 → restart',
    pods: [pod({ restartPolicy: 'OnFailure' })],
    observed: (d) => [sandbox(d), inst(d, 'app', 0, { state: 'exited', exitCode: 2 })],
    want: { steps: ['run app#1'] },
  },
  {
    name: 'Never + exit 1 → failed, no restart',
    pods: [pod({ restartPolicy: 'Never' })],
    observed: (d) => [sandbox(d), inst(d, 'app', 0, { state: 'exited', exitCode: 1 })],
    want: { steps: ['stop POD.0:pod-completed'] },
  },
  {
    name: 'Never + exit 0 (one of two still running) → nothing',
    pods: [pod({ restartPolicy: 'Never', containers: [ctr('a'), ctr('b')] })],
    observed: (d) => [sandbox(d), inst(d, 'a', 0, { state: 'exited', exitCode: 0 }), inst(d, 'b', 0)],
    want: { steps: [] },
  },
  {
    name: 'OOMKilled under Always → restart',
    pods: [pod()],
    observed: (d) => [sandbox(d), inst(d, 'app', 0, { state: 'exited', exitCode: 137, oomKilled: true })],
    want: { steps: ['run app#1'] },
  },
  {
    name: 'a start error (executable not found) counts as a failed run',
    pods: [pod({ restartPolicy: 'OnFailure' })],
    observed: (d) => [sandbox(d), inst(d, 'app', 0, { state: 'created', exitCode: 127, error: 'exec: "/nope": no such file' })],
    want: { steps: ['run app#1'] },
  },
  {
    name: 'created but never started (agent died in between) → started',
    pods: [pod()],
    observed: (d) => [sandbox(d), inst(d, 'app', 0, { state: 'created' })],
    want: { steps: ['start app.0'] },
  },
  // ---- CrashLoopBackOff -----------------------------------------------------------------------
  {
    name: 'CrashLoopBackOff: exited 5 s ago, backoff 10 s → wait 5 s more',
    pods: [pod()],
    observed: (d) => [sandbox(d), inst(d, 'app', 1, { state: 'exited', exitCode: 1, finished: -5 })],
    memory: (m, d) => startedWithBackoff(m, d, 10_000, s(-8)),
    want: { steps: [], waiting: { app: 'CrashLoopBackOff' }, notices: ['BackOff'], wakeIn: 5 },
  },
  {
    name: 'CrashLoopBackOff over: restart, the next delay doubles to 20 s',
    pods: [pod()],
    observed: (d) => [sandbox(d), inst(d, 'app', 1, { state: 'exited', exitCode: 1, finished: -11 })],
    memory: (m, d) => startedWithBackoff(m, d, 10_000, s(-14)),
    want: {
      steps: ['run app#2'],
      check: (p) => {
        const run = p.steps[0];
        assert.ok(run?.kind === 'run');
        assert.equal(run.backoff?.delayMs, 20_000);
      },
    },
  },
  {
    name: 'CrashLoopBackOff at the cap: back-off 5m0s',
    pods: [pod()],
    observed: (d) => [sandbox(d), inst(d, 'app', 7, { state: 'exited', exitCode: 1, finished: -60 })],
    memory: (m, d) => startedWithBackoff(m, d, 300_000, s(-70)),
    want: {
      steps: [],
      waiting: { app: 'CrashLoopBackOff' },
      wakeIn: 240,
      check: (p) => assert.match(p.views.get('uid-web')?.waiting.get('app')?.message ?? '', /^back-off 5m0s restarting failed container=app pod=web_default\(uid-web\)$/),
    },
  },
  {
    name: 'backoff resets after 10 min of running: restart at once, delay back to 10 s',
    pods: [pod()],
    observed: (d) => [sandbox(d), inst(d, 'app', 7, { state: 'exited', exitCode: 1, finished: -1 })],
    memory: (m, d) => startedWithBackoff(m, d, 300_000, s(-601)),
    want: {
      steps: ['run app#8'],
      check: (p) => {
        const run = p.steps[0];
        assert.ok(run?.kind === 'run');
        assert.equal(run.backoff?.delayMs, 10_000);
      },
    },
  },
  // ---- probes -----------------------------------------------------------------------------------
  {
    name: 'liveness failure: stop with grace, restart intended, events Unhealthy + Killing',
    pods: [pod({ grace: 5 })],
    observed: (d) => [sandbox(d), inst(d, 'app', 0)],
    probes: { 'uid-web/app': { started: true, ready: false, mustRestart: true, probe: 'liveness', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500' } },
    want: {
      steps: ['stop app.0:liveness+unless-never'],
      notices: ['Unhealthy', 'Killing'],
      check: (p) => {
        const st = p.steps[0];
        assert.ok(st?.kind === 'stop');
        assert.equal(st.graceSeconds, 5);
      },
    },
  },
  {
    name: 'after a liveness kill (exit 143) under OnFailure: restarted with attempt+1',
    pods: [pod({ restartPolicy: 'OnFailure' })],
    observed: (d) => [sandbox(d), inst(d, 'app', 0, { state: 'exited', exitCode: 0 })],
    memory: (m) => stoppedFor(m, 'app.0', 'unless-never'),
    want: { steps: ['run app#1'] },
  },
  {
    name: 'startup probe failure under Never: killed, not restarted',
    pods: [pod({ restartPolicy: 'Never' })],
    observed: (d) => [sandbox(d), inst(d, 'app', 0)],
    probes: { 'uid-web/app': { started: false, ready: false, mustRestart: true, probe: 'startup', message: 'Startup probe failed: connection refused' } },
    want: { steps: ['stop app.0:startup'], notices: ['Unhealthy', 'Killing'] },
  },
];

describe('reconcile planner: containers (table)', () => {
  it('has at least 25 rows', () => assert.ok(ROWS.length >= 25, `${ROWS.length} rows`));

  itPlansEachRow(ROWS);
});

describe('reconcile backoffs', () => {
  it('CrashLoopBackOff delays: 10, 20, 40, 80, 160, 300, 300 s; reset after 10 min', () => {
    let entry: { delayMs: number; lastUpdate: number } | undefined;
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const d = nextCrashDelay(entry, s(i * 10));
      delays.push(d / 1000);
      entry = { delayMs: d, lastUpdate: s(i * 10) };
    }
    assert.deepEqual(delays, [10, 20, 40, 80, 160, 300, 300]);
    assert.equal(nextCrashDelay(entry, s(60 + 601)), 10_000);
    assert.equal(nextCrashDelay(entry, s(60 + 599)), 300_000);
  });
});

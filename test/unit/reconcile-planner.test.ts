import assert from 'node:assert/strict';
import type { ObservedContainer } from '../../agent/engine/types.js';
import type { ProbeState } from '../../agent/probes/types.js';
import { nextCrashDelay } from '../../agent/reconcile/backoff.js';
import { buildDesired, type BuildContext, type DesiredPods } from '../../agent/reconcile/desired.js';
import { eventsOf } from '../../agent/pods/event-policy.js';
import { PlannerMemory } from '../../agent/reconcile/memory.js';
import { plan } from '../../agent/reconcile/planner.js';
import type { Plan, RestartIntent, Step } from '../../agent/reconcile/types.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { JsonObject } from '../../shared/util/guards.js';
import { PI_BUILD_CONTEXT } from '../support/fixtures.js';

const T0 = Date.parse('2026-01-01T12:00:00Z');
const NOW = new Date(T0);
const s = (seconds: number): number => T0 + seconds * 1000;
const iso = (ms: number): string => new Date(ms).toISOString();

const IMAGE = '127.0.0.1:5000/flotilla/busybox:1.0';
const LATEST = '127.0.0.1:5000/flotilla/busybox:latest';
const PAUSE = 'registry.k8s.io/pause:3.10';

const CTX: BuildContext = PI_BUILD_CONTEXT;

interface PodOpts {
  name?: string;
  uid?: string;
  hostNetwork?: boolean;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  init?: JsonObject[];
  containers?: JsonObject[];
  volumes?: JsonObject[];
  deletion?: { grace: number };
  grace?: number;
}

function ctr(name: string, extra: JsonObject = {}): JsonObject {
  return { name, image: IMAGE, imagePullPolicy: 'IfNotPresent', ...extra };
}

function pod(o: PodOpts = {}): KubeObject {
  const name = o.name ?? 'web';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: o.uid ?? `uid-${name}`,
      ...(o.deletion ? { deletionTimestamp: '2026-01-01T11:59:00Z', deletionGracePeriodSeconds: o.deletion.grace } : {}),
    },
    spec: {
      nodeName: 'pi',
      restartPolicy: o.restartPolicy ?? 'Always',
      terminationGracePeriodSeconds: o.grace ?? 30,
      ...(o.hostNetwork ? { hostNetwork: true } : {}),
      ...(o.init ? { initContainers: o.init } : {}),
      containers: o.containers ?? [ctr('app')],
      ...(o.volumes ? { volumes: o.volumes } : {}),
    },
  };
}

interface InstOpts {
  state?: ObservedContainer['state'];
  exitCode?: number;
  /** Seconds relative to NOW. */
  finished?: number;
  started?: number;
  created?: number;
  hash?: string;
  oomKilled?: boolean;
  error?: string;
  pod?: number;
}

/** An observed container of desired pod `o.pod` (0): id `container.attempt`. */
function inst(d: DesiredPods, container: string, attempt: number, o: InstOpts = {}): ObservedContainer {
  const p = d.pods[o.pod ?? 0];
  assert.ok(p, 'no such desired pod');
  const role = container === 'POD' ? 'sandbox' : p.init.some((c) => c.name === container) ? 'init' : 'app';
  const hash = o.hash ?? (role === 'sandbox' ? p.sandbox?.specHash : [...p.init, ...p.app].find((c) => c.name === container)?.specHash) ?? 'gone';
  const state = o.state ?? 'running';
  const c: ObservedContainer = {
    id: `${container}.${attempt}`,
    name: `flotilla_${container}_${p.model.ref.name}_default_${p.model.ref.uid}_${attempt}`,
    podUid: p.model.ref.uid,
    podNamespace: 'default',
    podName: p.model.ref.name,
    container,
    role,
    specHash: hash,
    attempt,
    image: IMAGE,
    imageId: 'sha256:abc',
    state,
    createdAt: iso(s(o.created ?? (role === 'sandbox' ? -7200 : -3600 + attempt * 10))),
  };
  if (o.started !== undefined || state !== 'created') c.startedAt = iso(s(o.started ?? -3000 + attempt * 10));
  if (state === 'exited' || state === 'dead') {
    c.exitCode = o.exitCode ?? 0;
    c.finishedAt = iso(s(o.finished ?? -1));
  }
  if (o.exitCode !== undefined) c.exitCode = o.exitCode;
  if (o.oomKilled) c.oomKilled = true;
  if (o.error !== undefined) c.error = o.error;
  return c;
}

const sandbox = (d: DesiredPods, o: InstOpts = {}): ObservedContainer => inst(d, 'POD', 0, o);

// ---- memory as earlier outcomes leave it (PlannerMemory.apply) --------------------------------

const WEB = { uid: 'uid-web', namespace: 'default', name: 'web' };
const SPEC = { name: 'n', labels: {}, image: IMAGE, env: [], mounts: [], ports: [], networkMode: 'host', privileged: false };
/** Jitter pinned at its top: a first step failure retries 2 s later. */
const TOP = (): number => 1;

/** Container `id` was stopped to be restarted. */
function stoppedFor(m: PlannerMemory, id: string, restart: RestartIntent): void {
  m.apply({ kind: 'stop', pod: WEB, chain: 'c:app', container: 'app', id, graceSeconds: 30, reason: 'liveness', message: '', restart }, { status: 'ok' }, s(-1));
}

/** Container app of the first pod was (re)started at `at` with crash backoff `delayMs`. */
function startedWithBackoff(m: PlannerMemory, d: DesiredPods, delayMs: number, at: number): void {
  const backoff = { specHash: d.pods[0]?.app[0]?.specHash ?? '', delayMs };
  m.apply({ kind: 'run', pod: WEB, chain: 'c:app', container: 'app', role: 'app', attempt: 0, spec: SPEC, backoff, warnings: [] }, { status: 'ok' }, at);
}

/** The pull of IMAGE failed at each of `times`. */
function pullFailed(m: PlannerMemory, ...times: number[]): void {
  for (const at of times) m.apply({ kind: 'pull', pod: WEB, chain: 'c:app', container: 'app', image: IMAGE, present: false }, { status: 'failed', error: 'manifest unknown' }, at);
}

interface Want {
  steps: string[];
  waiting?: Record<string, string>;
  notices?: string[];
  wakeIn?: number;
  check?: (p: Plan, d: DesiredPods) => void;
}

interface Row {
  name: string;
  pods: KubeObject[];
  configMaps?: KubeObject[];
  ctx?: Partial<BuildContext>;
  observed?: (d: DesiredPods) => ObservedContainer[];
  /** Memory as the outcomes of earlier steps left it. */
  memory?: (m: PlannerMemory, d: DesiredPods) => void;
  /** Images present (default: the test image and pause). */
  images?: string[];
  probes?: Record<string, ProbeState>;
  /** Volumes of every pod already set up (default true). */
  volumesSynced?: boolean;
  podDirs?: string[];
  want: Want;
}

function show(st: Step): string {
  switch (st.kind) {
    case 'syncVolumes':
      return 'volumes';
    case 'pull':
      return `pull ${st.image === IMAGE ? 'img' : st.image}`;
    case 'run':
      return `run ${st.container}#${st.attempt}`;
    case 'start':
      return `start ${st.id}`;
    case 'stop':
      return `stop ${st.id}:${st.reason}${st.restart ? `+${st.restart}` : ''}`;
    case 'remove':
      return `remove ${st.id}`;
    case 'removePodDir':
      return 'rmdir';
    case 'finalize':
      return 'finalize';
  }
}

const HEALTHY: ProbeState = { started: true, ready: true, mustRestart: false };

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
  // ---- images ----------------------------------------------------------------------------------
  {
    name: 'IfNotPresent, present: no pull (event: already present)',
    pods: [pod({ hostNetwork: true })],
    want: { steps: ['run app#0'], notices: ['Pulled'] },
  },
  {
    name: 'IfNotPresent, absent: pull then run',
    pods: [pod({ hostNetwork: true })],
    images: [],
    want: { steps: ['pull img', 'run app#0'] },
  },
  {
    name: 'Always (a :latest image): pulled before every start, even when present',
    pods: [pod({ hostNetwork: true, containers: [{ name: 'app', image: LATEST }] })],
    images: [LATEST],
    want: {
      steps: [`pull ${LATEST}`, 'run app#0'],
      check: (p) => assert.equal(p.steps[0]?.kind === 'pull' && p.steps[0].present, true),
    },
  },
  {
    name: 'Never, absent: ErrImageNeverPull',
    pods: [pod({ hostNetwork: true, containers: [ctr('app', { imagePullPolicy: 'Never' })] })],
    images: [],
    want: { steps: [], waiting: { app: 'ErrImageNeverPull' }, notices: ['ErrImageNeverPull'] },
  },
  {
    name: 'a failed pull shows ErrImagePull first',
    pods: [pod({ hostNetwork: true })],
    images: [],
    memory: (m) => pullFailed(m, s(-1)), // retry at 9 s
    want: { steps: [], waiting: { app: 'ErrImagePull' }, wakeIn: 2 },
  },
  {
    name: '… then ImagePullBackOff until the backoff ends',
    pods: [pod({ hostNetwork: true })],
    images: [],
    memory: (m) => pullFailed(m, s(-20), s(-5)), // retry at 15 s
    want: { steps: [], waiting: { app: 'ImagePullBackOff' }, notices: ['BackOff'], wakeIn: 15 },
  },
  {
    name: '… and pulled again when it ended',
    pods: [pod({ hostNetwork: true })],
    images: [],
    memory: (m) => pullFailed(m, s(-40), s(-25)), // retry at -5 s
    want: { steps: ['pull img', 'run app#0'] },
  },
  // ---- configuration errors ----------------------------------------------------------------------
  {
    name: 'privileged refused unless allowPrivileged: CreateContainerConfigError',
    pods: [pod({ hostNetwork: true, containers: [ctr('app', { securityContext: { privileged: true } })] })],
    want: {
      steps: [],
      waiting: { app: 'CreateContainerConfigError' },
      notices: ['Failed'],
      check: (p) => assert.match(p.views.get('uid-web')?.waiting.get('app')?.message ?? '', /allowPrivileged/),
    },
  },
  {
    name: 'privileged allowed by the node',
    pods: [pod({ hostNetwork: true, containers: [ctr('app', { securityContext: { privileged: true } })] })],
    ctx: { allowPrivileged: true },
    want: { steps: ['run app#0'], check: (p) => assert.equal(p.steps[0]?.kind === 'run' && p.steps[0].spec.privileged, true) },
  },
  {
    name: 'missing ConfigMap key: CreateContainerConfigError, the other container still starts',
    pods: [
      pod({
        hostNetwork: true,
        containers: [
          ctr('bad', { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope' } } }] }),
          ctr('good', { env: [{ name: 'Y', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope', optional: true } } }] }),
        ],
      }),
    ],
    configMaps: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { k: 'v' } }],
    want: {
      steps: ['run good#0'],
      waiting: { bad: 'CreateContainerConfigError' },
      check: (p) => assert.equal(p.views.get('uid-web')?.waiting.get('bad')?.message, "couldn't find key nope in ConfigMap default/cfg"),
    },
  },
  {
    name: 'a volume that failed to set up blocks starts until its retry',
    pods: [pod({ hostNetwork: true, volumes: [{ name: 'data', hostPath: { path: '/nonexistent/x', type: 'Directory' } }] })],
    volumesSynced: false,
    memory: (m, d) =>
      m.apply(
        { kind: 'syncVolumes', pod: WEB, chain: 'pod', hash: d.pods[0]?.volumes.hash ?? '' },
        { status: 'failed', error: 'x', problems: [{ volume: 'data', message: 'hostPath type check failed: /nonexistent/x is not a directory' }] },
        s(2),
        TOP,
      ),
    want: {
      steps: [],
      waiting: { app: 'ContainerCreating' },
      wakeIn: 4,
      check: (p) => assert.match(p.views.get('uid-web')?.waiting.get('app')?.message ?? '', /^MountVolume.SetUp failed for volume "data" : hostPath type check failed/),
    },
  },
  {
    name: 'a create error (CreateContainerError) waits for its retry',
    pods: [pod({ hostNetwork: true })],
    memory: (m) =>
      m.apply(
        { kind: 'run', pod: WEB, chain: 'c:app', container: 'app', role: 'app', attempt: 0, spec: SPEC, warnings: [] },
        { status: 'failed', error: 'Conflict. The container name is already in use', phase: 'create' },
        s(1),
        TOP,
      ),
    want: { steps: [], waiting: { app: 'CreateContainerError' }, wakeIn: 3 },
  },
  {
    name: 'a memory limit the kernel cannot enforce: started with a warning, not silently',
    pods: [pod({ hostNetwork: true, containers: [ctr('app', { resources: { limits: { memory: '64Mi' } } })] })],
    ctx: { runtime: { memoryLimitSupported: false, cpuCfsQuotaSupported: true, pidsLimitSupported: true } },
    want: {
      steps: ['run app#0'],
      check: (p) => {
        const run = p.steps[0];
        assert.ok(run?.kind === 'run');
        assert.equal(run.spec.memoryBytes, undefined);
        assert.equal(run.warnings[0]?.reason, 'ResourceLimitNotEnforced');
        assert.match(run.warnings[0]?.message ?? '', /memory cgroup disabled/);
      },
    },
  },
  // ---- garbage ---------------------------------------------------------------------------------
  {
    name: 'old attempts: the newest and the one before are kept (lastState), older removed',
    pods: [pod()],
    observed: (d) => [sandbox(d), ...[0, 1, 2].map((a) => inst(d, 'app', a, { state: 'exited', exitCode: 1 })), inst(d, 'app', 3)],
    want: { steps: ['remove app.1', 'remove app.0'] },
  },
  {
    name: 'a container no longer in the spec is stopped and removed',
    pods: [pod()],
    observed: (d) => [sandbox(d), inst(d, 'app', 0), inst(d, 'sidecar', 0)],
    want: { steps: ['stop sidecar.0:not-in-spec', 'remove sidecar.0'] },
  },
  // ---- deletion and removal ----------------------------------------------------------------------
  {
    name: 'deletionTimestamp: containers stop with deletionGracePeriodSeconds, then everything goes',
    pods: [pod({ deletion: { grace: 7 }, containers: [ctr('a'), ctr('b')] })],
    observed: (d) => [sandbox(d), inst(d, 'a', 0), inst(d, 'b', 0, { state: 'exited', exitCode: 1 })],
    want: {
      steps: ['stop a.0:pod-deleted', 'stop POD.0:pod-deleted', 'remove a.0', 'remove b.0', 'remove POD.0', 'rmdir', 'finalize'],
      check: (p) => {
        for (const st of p.steps) if (st.kind === 'stop') assert.equal(st.graceSeconds, st.container === 'POD' ? 1 : 7);
        assert.equal(p.views.get('uid-web')?.terminating, true);
      },
    },
  },
  {
    name: 'deletionTimestamp, finalized and nothing left: reported deleted, no steps',
    pods: [pod({ deletion: { grace: 30 } })],
    memory: (m) => m.apply({ kind: 'finalize', pod: WEB, chain: 'delete' }, { status: 'ok' }, s(-1)),
    want: { steps: [], check: (p) => assert.equal(p.views.get('uid-web')?.deleted, true) },
  },
  {
    name: 'a pod no longer desired: stopped with its last known grace period and removed',
    pods: [pod({ name: 'keep', hostNetwork: true })],
    observed: (d) => [inst(d, 'app', 0), { ...inst(d, 'app', 0), id: 'gone.app.0', podUid: 'uid-gone', podName: 'gone' }],
    podDirs: ['uid-gone'],
    memory: (m) => m.remember(buildDesired({ node: 'pi', seq: 1, issuedAt: '', pods: [pod({ name: 'gone', grace: 12 })], configMaps: [], secrets: [] }, CTX), s(-100)),
    want: {
      steps: ['stop gone.app.0:pod-removed', 'remove gone.app.0', 'rmdir'],
      check: (p) => {
        const st = p.steps[0];
        assert.ok(st?.kind === 'stop');
        assert.equal(st.graceSeconds, 12);
        assert.equal(p.views.has('uid-gone'), false);
      },
    },
  },
  {
    name: 'a leftover pod directory of an unknown pod is removed',
    pods: [],
    podDirs: ['uid-old'],
    want: { steps: ['rmdir'] },
  },
  {
    name: 'hostNetwork: no sandbox, containers on the host network',
    pods: [pod({ hostNetwork: true, containers: [ctr('app', { ports: [{ containerPort: 8080 }] })] })],
    want: {
      steps: ['run app#0'],
      check: (p) => {
        const run = p.steps[0];
        assert.ok(run?.kind === 'run');
        assert.equal(run.spec.networkMode, 'host');
        assert.deepEqual(run.spec.ports, [{ containerPort: 8080, hostPort: 8080, protocol: 'TCP' }]);
      },
    },
  },
];

function buildRow(row: Row): { d: DesiredPods; observed: ObservedContainer[]; memory: PlannerMemory; result: Plan } {
  const d = buildDesired(
    { node: 'pi', seq: 1, issuedAt: '', pods: row.pods, configMaps: row.configMaps ?? [], secrets: [] },
    { ...CTX, ...row.ctx },
  );
  const observed = row.observed?.(d) ?? [];
  const memory = new PlannerMemory();
  if (row.volumesSynced !== false) for (const p of d.pods) memory.apply({ kind: 'syncVolumes', pod: p.model.ref, chain: 'pod', hash: p.volumes.hash }, { status: 'ok' }, s(-3600));
  row.memory?.(memory, d);
  const probes = new Map<string, ProbeState>(Object.entries(row.probes ?? {}));
  for (const c of observed) if (c.role === 'app' && !probes.has(`${c.podUid}/${c.container}`)) probes.set(`${c.podUid}/${c.container}`, HEALTHY);
  const result = plan(d, { containers: observed, images: new Set(row.images ?? [IMAGE, PAUSE]), probes, podDirs: new Set(row.podDirs ?? []) }, memory, NOW);
  return { d, observed, memory, result };
}

describe('reconcile planner (table)', () => {
  it('has at least 25 rows', () => assert.ok(ROWS.length >= 25, `${ROWS.length} rows`));

  for (const row of ROWS) {
    it(row.name, () => {
      const { d, observed, result } = buildRow(row);
      assert.deepEqual(result.steps.map(show), row.want.steps);
      // Only observed (managed) containers can appear in a step.
      const ids = new Set(observed.map((c) => c.id));
      for (const st of result.steps) if ('id' in st) assert.ok(ids.has(st.id), `step on unobserved container ${st.id}`);
      for (const [name, reason] of Object.entries(row.want.waiting ?? {})) {
        assert.equal([...result.views.values()][0]?.waiting.get(name)?.reason, reason, `waiting reason of ${name}`);
      }
      if (row.want.notices) {
        const reasons = result.conditions.flatMap((c) => eventsOf(c.condition).map((e) => e.reason));
        assert.deepEqual(reasons.filter((r) => row.want.notices?.includes(r)), row.want.notices);
      }
      if (row.want.wakeIn !== undefined) assert.equal(result.wakeAt, s(row.want.wakeIn));
      row.want.check?.(result, d);
    });
  }

  it('decoys: containers the engine does not list never appear, whatever their names', () => {
    const { result } = buildRow({ name: '', pods: [pod()], observed: (dd) => [sandbox(dd), inst(dd, 'app', 0)], want: { steps: [] } });
    assert.deepEqual(result.steps, []);
  });
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

import assert from 'node:assert/strict';
import { buildDesired } from '../../agent/reconcile/desired.js';
import { buildRow, CTX, ctr, inst, itPlansEachRow, LATEST, pod, pullFailed, type Row, s, sandbox, SPEC, TOP, WEB } from '../support/planner-table.js';

const ROWS: Row[] = [
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

describe('reconcile planner: images, configuration, garbage and deletion (table)', () => {
  itPlansEachRow(ROWS);


  it('decoys: containers the engine does not list never appear, whatever their names', () => {
    const { result } = buildRow({ name: '', pods: [pod()], observed: (dd) => [sandbox(dd), inst(dd, 'app', 0)], want: { steps: [] } });
    assert.deepEqual(result.steps, []);
  });
});

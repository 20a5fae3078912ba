import assert from 'node:assert/strict';
import type { ObservedNetwork } from '../../agent/engine/types.js';
import { hostPortRefusals, type HostPortSettings, type PortClaimant } from '../../agent/network/host-ports.js';
import { pauseCommand, pauseRootfs } from '../../agent/network/pause-image.js';
import { planInfra, type InfraDesired, type InfraFailure, type InfraObserved, type InfraStepKind } from '../../agent/network/plan.js';
import { computePodStatus } from '../../agent/pods/status.js';
import { podModel } from '../../agent/reconcile/pod-model.js';
import type { Plan, Step } from '../../agent/reconcile/types.js';
import type { KubeObject } from '../../shared/api/meta.js';
import type { JsonObject } from '../../shared/util/guards.js';
import { ctr, inst, itPlansEachRow, pod, sandbox, type Row } from '../support/planner-table.js';

const NET = { name: 'flotilla0', subnet: '10.88.0.0/16', hostPortAddress: '0.0.0.0' };
const OURS: ObservedNetwork = { id: 'n1', name: 'flotilla0', driver: 'bridge', subnets: ['10.88.0.0/16'], masquerade: true, labels: {} };
const PAUSE_BUILD = { ref: 'flotilla.local/pause:1', binaryPath: '/bin/busybox' };
const NOW = 1_000_000;

describe('pod infrastructure planner (table)', () => {
  const rows: {
    name: string;
    desired: InfraDesired;
    observed: InfraObserved;
    failures?: [InfraStepKind, InfraFailure][];
    steps: string[];
    blocked?: RegExp;
    warnings?: RegExp[];
    wakeAt?: number;
  }[] = [
    { name: 'nothing wanted: nothing to do', desired: {}, observed: { pauseImagePresent: true }, steps: [] },
    { name: 'network missing: created (bridge, subnet, masquerade); sandboxes wait', desired: { network: NET }, observed: { pauseImagePresent: true }, steps: ['createNetwork flotilla0 10.88.0.0/16 masquerade'], blocked: /network flotilla0 does not exist yet/ },
    { name: 'network as configured: ready', desired: { network: NET }, observed: { network: OURS, pauseImagePresent: true }, steps: [] },
    {
      name: 'network with another subnet: refused, never changed',
      desired: { network: NET },
      observed: { network: { ...OURS, subnets: ['172.20.0.0/16'] }, pauseImagePresent: true },
      steps: [],
      blocked: /network flotilla0 exists with 172\.20\.0\.0\/16, but podNetwork\.subnet is 10\.88\.0\.0\/16: remove it \(docker network rm flotilla0\) or change podNetwork\.subnet/,
    },
    { name: 'network of another driver: refused', desired: { network: NET }, observed: { network: { ...OURS, driver: 'macvlan' }, pauseImagePresent: true }, steps: [], blocked: /exists with driver "macvlan"/ },
    { name: 'network without masquerade: used, with a warning', desired: { network: NET }, observed: { network: { ...OURS, masquerade: false }, pauseImagePresent: true }, steps: [], warnings: [/without IP masquerade/] },
    {
      name: 'network creation failed: no retry before the backoff ends',
      desired: { network: NET },
      observed: { pauseImagePresent: true },
      failures: [['createNetwork', { error: 'Pool overlaps with other one on this address space', failures: 1, retryAt: NOW + 2000 }]],
      steps: [],
      blocked: /creating network flotilla0 failed: Pool overlaps/,
      wakeAt: NOW + 2000,
    },
    {
      name: 'network creation failed: retried once the backoff ended',
      desired: { network: NET },
      observed: { pauseImagePresent: true },
      failures: [['createNetwork', { error: 'boom', failures: 1, retryAt: NOW - 1 }]],
      steps: ['createNetwork flotilla0 10.88.0.0/16 masquerade'],
      blocked: /does not exist yet/,
    },
    { name: 'pause image missing: built from the host binary', desired: { pauseImage: PAUSE_BUILD }, observed: { pauseImagePresent: false }, steps: ['buildPauseImage flotilla.local/pause:1 /bin/busybox'], blocked: /pause image flotilla\.local\/pause:1 is not built yet/ },
    { name: 'pause image present: nothing', desired: { pauseImage: PAUSE_BUILD }, observed: { pauseImagePresent: true }, steps: [] },
    {
      name: 'pause image build failed: sandboxes wait, saying why',
      desired: { network: NET, pauseImage: PAUSE_BUILD },
      observed: { network: OURS, pauseImagePresent: false },
      failures: [['buildPauseImage', { error: 'ENOENT: no such file /bin/busybox', failures: 2, retryAt: NOW + 4000 }]],
      steps: [],
      blocked: /building the pause image flotilla\.local\/pause:1 from \/bin\/busybox failed: ENOENT/,
      wakeAt: NOW + 4000,
    },
    {
      name: 'both missing: both steps in one pass',
      desired: { network: NET, pauseImage: PAUSE_BUILD },
      observed: { pauseImagePresent: false },
      steps: ['createNetwork flotilla0 10.88.0.0/16 masquerade', 'buildPauseImage flotilla.local/pause:1 /bin/busybox'],
      blocked: /does not exist yet; the pause image/,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const p = planInfra(row.desired, row.observed, new Map(row.failures ?? []), NOW);
      const shown = p.steps.map((s) => (s.kind === 'createNetwork' ? `createNetwork ${s.spec.name} ${s.spec.subnet}${s.spec.masquerade ? ' masquerade' : ''}` : `buildPauseImage ${s.ref} ${s.binaryPath}`));
      assert.deepEqual(shown, row.steps);
      if (row.blocked) assert.match(p.blocked ?? '', row.blocked);
      else assert.equal(p.blocked, undefined);
      assert.equal(p.warnings.length, row.warnings?.length ?? 0, p.warnings.join('; '));
      row.warnings?.forEach((re, i) => assert.match(p.warnings[i] ?? '', re));
      assert.equal(p.wakeAt, row.wakeAt);
    });
  }
  it('the created network is the bridge interface of the same name, labelled as the agent’s', () => {
    const p = planInfra({ network: NET }, { pauseImagePresent: true }, new Map(), NOW);
    const step = p.steps[0];
    assert.ok(step?.kind === 'createNetwork');
    assert.deepEqual(step.spec, { name: 'flotilla0', subnet: '10.88.0.0/16', bridgeName: 'flotilla0', masquerade: true, labels: { 'io.flotilla.managed': 'true' } });
  });
});

function model(name: string, ports: JsonObject[], o: { hostNetwork?: boolean; created?: string; init?: boolean; initPorts?: JsonObject[] } = {}): PortClaimant['model'] {
  const c = { name: 'main', image: 'i', ports };
  const obj: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z' },
    spec: { ...(o.hostNetwork ? { hostNetwork: true } : {}), containers: [c], ...(o.init ? { initContainers: [{ ...c, name: 'setup', ports: o.initPorts ?? [] }] } : {}) },
  };
  const r = podModel(obj);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.pod;
}

describe('hostPort admission on the node (table)', () => {
  const BRIDGE: HostPortSettings = { publishes: true, hostPortAddress: '0.0.0.0' };
  const LOCAL: HostPortSettings = { publishes: true, hostPortAddress: '127.0.0.1' };
  const p8080 = { containerPort: 80, hostPort: 8080 };
  const rows: { name: string; pods: PortClaimant[]; settings?: HostPortSettings; refused: Record<string, RegExp> }[] = [
    { name: 'different ports: both run', pods: [{ model: model('a', [p8080]), holds: false }, { model: model('b', [{ containerPort: 80, hostPort: 8081 }]), holds: false }], refused: {} },
    {
      name: 'same port: the older pod gets it, the newer is refused (NodePorts)',
      pods: [{ model: model('b', [p8080], { created: '2026-01-02T00:00:00Z' }), holds: false }, { model: model('a', [p8080]), holds: false }],
      refused: { 'uid-b': /^Predicate NodePorts failed: .*hostPort 8080\/TCP on 0\.0\.0\.0 is used by pod default\/a\)$/ },
    },
    {
      name: 'the pod that runs keeps its port, even when it is newer',
      pods: [{ model: model('a', [p8080]), holds: false }, { model: model('b', [p8080], { created: '2026-01-02T00:00:00Z' }), holds: true }],
      refused: { 'uid-a': /used by pod default\/b/ },
    },
    { name: 'same port, other protocol: no conflict', pods: [{ model: model('a', [p8080]), holds: false }, { model: model('b', [{ ...p8080, protocol: 'UDP' }]), holds: false }], refused: {} },
    {
      name: 'distinct host addresses do not conflict; 0.0.0.0 conflicts with any',
      pods: [
        { model: model('a', [{ ...p8080, hostIP: '127.0.0.1' }]), holds: false },
        { model: model('b', [{ ...p8080, hostIP: '127.0.0.2' }]), holds: false },
        { model: model('c', [{ ...p8080, hostIP: '0.0.0.0' }]), holds: false },
      ],
      refused: { 'uid-c': /on 0\.0\.0\.0 is used by pod default\/a/ },
    },
    {
      name: 'the configured hostPort address is a pod’s default binding',
      settings: LOCAL,
      pods: [{ model: model('a', [p8080]), holds: false }, { model: model('b', [{ ...p8080, hostIP: '127.0.0.2' }]), holds: false }],
      refused: {},
    },
    {
      name: 'a hostNetwork pod claims its container ports on every address',
      settings: LOCAL,
      pods: [{ model: model('a', [{ containerPort: 8080 }], { hostNetwork: true }), holds: true }, { model: model('b', [p8080]), holds: false }],
      refused: { 'uid-b': /hostPort 8080\/TCP on 127\.0\.0\.1 is used by pod default\/a/ },
    },
    {
      name: 'no pod network: bridged pods publish nothing, so claim nothing',
      settings: { publishes: false, hostPortAddress: '0.0.0.0' },
      pods: [{ model: model('a', [p8080]), holds: false }, { model: model('b', [p8080]), holds: false }],
      refused: {},
    },
    {
      name: 'init containers claim their hostPorts too',
      pods: [{ model: model('a', [p8080]), holds: true }, { model: model('b', [{ containerPort: 81, hostPort: 9090 }], { init: true, initPorts: [p8080] }), holds: false }],
      refused: { 'uid-b': /hostPort 8080\/TCP on 0\.0\.0\.0 is used by pod default\/a/ },
    },
    { name: 'a hostIP that is no IPv4 address is refused naming the field', pods: [{ model: model('a', [{ ...p8080, hostIP: '::1' }]), holds: false }], refused: { 'uid-a': /spec\.containers\[0\]\.ports\[0\]\.hostIP: "::1" is not an IPv4 address/ } },
  ];
  it('a hostPort out of range or twice in a pod never gets here: the pod is refused when decoded, naming the field', () => {
    const decode = (spec: JsonObject) => podModel({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', uid: 'u' }, spec });
    const range = decode({ containers: [{ name: 'main', image: 'i', ports: [{ containerPort: 80, hostPort: 70000 }] }] });
    assert.ok(!range.ok);
    assert.match(range.error, /spec\.containers\[0\]\.ports\[0\]\.hostPort: Invalid value: 70000/);
    const twice = decode({ initContainers: [{ name: 'i', image: 'i', ports: [p8080] }], containers: [{ name: 'main', image: 'i', ports: [p8080] }] });
    assert.ok(!twice.ok);
    assert.match(twice.error, /hostPort: Duplicate value: "8080\/TCP"/);
  });
  for (const row of rows) {
    it(row.name, () => {
      const refused = hostPortRefusals(row.pods, row.settings ?? BRIDGE);
      assert.deepEqual([...refused.keys()].sort(), Object.keys(row.refused).sort());
      for (const [uid, re] of Object.entries(row.refused)) assert.match(refused.get(uid)?.message ?? '', re);
    });
  }
});

/** The plan's first step, which must be a run. */
function firstRun(p: Plan): Extract<Step, { kind: 'run' }> {
  const run = p.steps[0];
  assert.ok(run?.kind === 'run', `first step: ${run?.kind ?? 'none'}`);
  return run;
}

const NET_CTX = { podNetwork: { name: 'flotilla0', hostPortAddress: '127.0.0.1' } };
const withPort = (name: string, hostPort: number): KubeObject => pod({ name, containers: [ctr('app', { ports: [{ containerPort: 8080, hostPort }] })] });

describe('reconcile planner: pods on the pod network (table)', () => {
  const rows: Row[] = [
    {
      name: 'the sandbox joins the pod network; hostPorts published on the configured address',
      pods: [withPort('web', 18080)],
      ctx: NET_CTX,
      want: {
        steps: ['run POD#0'],
        check: (p) => {
          const run = firstRun(p);
          assert.equal(run.spec.networkMode, 'flotilla0');
          assert.deepEqual(run.spec.ports, [{ containerPort: 8080, hostPort: 18080, protocol: 'TCP', hostIP: '127.0.0.1' }]);
          assert.deepEqual(run.warnings, []);
        },
      },
    },
    {
      name: 'app containers share the sandbox network namespace as before',
      pods: [withPort('web', 18080)],
      ctx: NET_CTX,
      observed: (d) => [sandbox(d)],
      want: {
        steps: ['run app#0'],
        check: (p) => {
          const run = firstRun(p);
          assert.equal(run.spec.networkMode, 'container:POD.0');
          assert.deepEqual(run.spec.ports, []);
        },
      },
    },
    {
      name: 'without a pod network the sandbox has none, and a hostPort gets a warning',
      pods: [withPort('web', 18080)],
      want: {
        steps: ['run POD#0'],
        check: (p) => {
          const run = firstRun(p);
          assert.equal(run.spec.networkMode, 'none');
          assert.deepEqual(run.warnings.map((w) => w.reason), ['HostPortNotPublished']);
        },
      },
    },
    {
      name: 'status.podIP from the downward API is the sandbox address, in env and in $(VAR) args',
      pods: [
        pod({
          containers: [
            ctr('app', { env: [{ name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }, { name: 'URL', value: 'http://$(MY_IP):80/' }], args: ['--bind', '$(MY_IP)'] }),
          ],
        }),
      ],
      ctx: NET_CTX,
      observed: (d) => [{ ...sandbox(d), ip: '10.88.0.5' }],
      want: {
        steps: ['run app#0'],
        check: (p) => {
          const run = firstRun(p);
          assert.deepEqual(run.spec.env.filter((e) => /^(MY_IP|URL)=/.test(e)), ['MY_IP=10.88.0.5', 'URL=http://10.88.0.5:80/']);
          assert.deepEqual(run.spec.cmd, ['--bind', '10.88.0.5']);
        },
      },
    },
    {
      name: 'status.podIP without a pod network: empty, as the kubelet gives a pod with no address',
      pods: [pod({ containers: [ctr('app', { env: [{ name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] })] })],
      observed: (d) => [sandbox(d)],
      want: {
        steps: ['run app#0'],
        check: (p) => {
          const run = firstRun(p);
          assert.ok(run.spec.env.includes('MY_IP='));
        },
      },
    },
    {
      name: 'the pod infrastructure is not there: no sandbox, the pod waits saying why',
      pods: [withPort('web', 18080)],
      ctx: NET_CTX,
      sandboxBlocked: 'network flotilla0 exists with 172.20.0.0/16, but podNetwork.subnet is 10.88.0.0/16',
      want: {
        steps: [],
        waiting: { app: 'ContainerCreating' },
        check: (p) => assert.match([...p.views.values()][0]?.waiting.get('app')?.message ?? '', /^Failed to create pod sandbox: network flotilla0 exists with 172\.20/),
      },
    },
    {
      name: 'hostNetwork pods need no pod infrastructure',
      pods: [pod({ hostNetwork: true })],
      ctx: NET_CTX,
      sandboxBlocked: 'anything',
      want: { steps: ['run app#0'] },
    },
    {
      name: 'a hostPort another pod holds: the pod fails (NodePorts) and nothing of it is created',
      pods: [withPort('web', 18080), withPort('aaa', 18080)],
      ctx: NET_CTX,
      observed: (d) => [sandbox(d), inst(d, 'app', 0)],
      want: {
        steps: [],
        notices: ['NodePorts'],
        check: (p) => {
          const view = p.views.get('uid-aaa');
          assert.equal(view?.rejected?.reason, 'NodePorts');
          assert.match(view.rejected.message ?? '', /hostPort 18080\/TCP on 127\.0\.0\.1 is used by pod default\/web/);
          assert.equal(p.views.get('uid-web')?.rejected, undefined);
        },
      },
    },
  ];
  itPlansEachRow(rows);
});

describe('pod status: the pod IP', () => {
  const base = { restartPolicy: 'Always' as const, hostIP: '192.168.1.10', init: [], app: [], containers: [], waiting: new Map(), probe: () => undefined };
  it('a pod on the pod network reports its sandbox address as podIP and podIPs', () => {
    const s = computePodStatus({ ...base, hostNetwork: false, podIP: '10.88.0.7' });
    assert.equal(s['podIP'], '10.88.0.7');
    assert.deepEqual(s['podIPs'], [{ ip: '10.88.0.7' }]);
  });
  it('no address yet: no podIP; hostNetwork: the host address', () => {
    assert.equal(computePodStatus({ ...base, hostNetwork: false })['podIP'], undefined);
    assert.equal(computePodStatus({ ...base, hostNetwork: true, podIP: '10.88.0.7' })['podIP'], '192.168.1.10');
  });
});

describe('the pause image built on the device', () => {
  it('is a ustar archive holding the binary at /bin/<name>, executable', () => {
    const content = Buffer.from('#!binary');
    const tar = pauseRootfs('/usr/bin/busybox', content);
    assert.equal(tar.length % 512, 0);
    const name = (at: number): string => tar.subarray(at, at + 100).toString('ascii').replace(/\0.*$/s, '');
    assert.equal(name(0), 'bin/');
    assert.equal(name(512), 'bin/busybox');
    assert.equal(tar.subarray(512 + 100, 512 + 107).toString('ascii'), '0000755');
    assert.equal(parseInt(tar.subarray(512 + 124, 512 + 135).toString('ascii'), 8), content.length);
    assert.deepEqual(tar.subarray(1024, 1024 + content.length), content);
    // The checksum covers the header with its own field as spaces.
    const h = Buffer.from(tar.subarray(512, 1024));
    const sum = parseInt(h.subarray(148, 154).toString('ascii'), 8);
    h.fill(' ', 148, 156);
    assert.equal(h.reduce((n, b) => n + b, 0), sum);
  });
  it('runs busybox as a shell that exits on SIGTERM; another binary as itself', () => {
    assert.deepEqual(pauseCommand('/bin/busybox').slice(0, 3), ['/bin/busybox', 'sh', '-c']);
    assert.match(pauseCommand('/bin/busybox')[3] ?? '', /trap 'exit 0' TERM/);
    assert.deepEqual(pauseCommand('/opt/pause'), ['/bin/pause']);
  });
});

import assert from 'node:assert/strict';
import { kindByName, type KindInfo } from '../../shared/api/kinds.js';
import type { KubeObject } from '../../shared/api/meta.js';
import { podSummary } from '../../server/apiserver/table/pod-summary.js';
import { toTable } from '../../server/apiserver/table/printers.js';
import { defaultTable, renderTable } from '../../server/flotctl/table-render.js';
import { isTable, type Table } from '../../shared/api/table.js';
import { ago, D, H, M, NOW, S } from '../support/ages.js';

function kind(name: string): KindInfo {
  const info = kindByName(name);
  assert.ok(info, `kind ${name} is served`);
  return info;
}

function obj(kindName: string, name: string, fields: Record<string, unknown> = {}, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  const info = kind(kindName);
  return {
    apiVersion: info.group ? `${info.group}/v1` : 'v1',
    kind: kindName,
    metadata: { name, creationTimestamp: ago(5 * M), resourceVersion: '7', ...(info.namespaced ? { namespace: 'default' } : {}), ...meta },
    ...fields,
  };
}

function names(t: Table): string[] {
  return t.columnDefinitions.map((c) => c.name);
}

function row(t: Table, i = 0): unknown[] {
  const r = t.rows[i];
  assert.ok(r, `row ${i} exists`);
  return r.cells;
}

function cell(t: Table, column: string, i = 0): unknown {
  const idx = t.columnDefinitions.findIndex((c) => c.name === column);
  assert.ok(idx >= 0, `column ${column} exists`);
  return row(t, i)[idx];
}

function pod(status: Record<string, unknown>, spec: Record<string, unknown> = {}, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return obj('Pod', 'p', { spec: { containers: [{ name: 'a', image: 'x' }], ...spec }, status }, meta);
}

const running = (name: string, ready = true, restartCount = 0): Record<string, unknown> => ({
  name,
  ready,
  restartCount,
  state: { running: { startedAt: ago(M) } },
});

describe('table: Node', () => {
  const node = obj(
    'Node',
    'dev1',
    {
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [
          { type: 'Hostname', address: 'dev1' },
          { type: 'InternalIP', address: '10.0.0.5' },
        ],
        nodeInfo: { kubeletVersion: 'flotilla-agent/0.1.0', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'docker://24.0.7' },
      },
    },
    { labels: { 'node-role.kubernetes.io/gateway': '', 'node-role.kubernetes.io/edge': '', 'kubernetes.io/role': 'camera' } },
  );

  it('has kubectl columns, the wide ones at priority 1', () => {
    const t = toTable(kind('Node'), [node], { now: NOW, includeObject: 'None' });
    assert.deepEqual(names(t), ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime', 'Desired', 'Applied', 'Sync']);
    assert.deepEqual(
      t.columnDefinitions.map((c) => c.priority),
      [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
    );
    assert.equal(t.columnDefinitions[0]?.format, 'name');
  });

  it('computes STATUS, ROLES, VERSION and the wide cells', () => {
    const t = toTable(kind('Node'), [node], { now: NOW, includeObject: 'None' });
    assert.deepEqual(row(t), [
      'dev1',
      'Ready,SchedulingDisabled',
      'camera,edge,gateway',
      '5m',
      'flotilla-agent/0.1.0',
      '10.0.0.5',
      '<none>',
      'Debian GNU/Linux 12',
      '6.1.0',
      'docker://24.0.7',
      '<none>',
      '<none>',
      'Unknown',
    ]);
  });

  it('shows the desired and applied revisions and whether the device caught up', () => {
    const at = (desired: string, applied?: string): KubeObject =>
      obj('Node', 'n', {}, { annotations: { 'flotilla.io/desired-revision': desired, ...(applied !== undefined ? { 'flotilla.io/applied-revision': applied } : {}) } });
    const rows = [at('120', '120'), at('130', '120'), at('90', '120'), at('1733460000.95', '120'), at('130'), at('130', 'garbage')];
    const t = toTable(kind('Node'), rows, { now: NOW, includeObject: 'None' });
    assert.deepEqual(
      rows.map((_, i) => [cell(t, 'Desired', i), cell(t, 'Applied', i), cell(t, 'Sync', i)]),
      [
        ['120', '120', 'Current'],
        ['130', '120', 'Behind'],
        ['90', '120', 'Ahead'],
        ['1733460000.95', '120', 'Behind'],
        ['130', '<none>', 'Unknown'],
        ['130', 'garbage', 'Unknown'],
      ],
    );
  });

  it('says NotReady, Unknown and <none> when it should', () => {
    const notReady = obj('Node', 'a', { status: { conditions: [{ type: 'Ready', status: 'False' }] } });
    const unknown = obj('Node', 'b', { status: {} });
    const t = toTable(kind('Node'), [notReady, unknown], { now: NOW, includeObject: 'None' });
    assert.equal(cell(t, 'Status', 0), 'NotReady');
    assert.equal(cell(t, 'Status', 1), 'Unknown');
    assert.equal(cell(t, 'Roles', 1), '<none>');
    assert.equal(cell(t, 'OS-Image', 1), '<unknown>');
  });
});

describe('table: Pod status as kubectl computes it', () => {
  it('Running with all containers ready', () => {
    const s = podSummary(pod({ phase: 'Running', containerStatuses: [running('a')] }), NOW);
    assert.deepEqual(s, { ready: '1/1', status: 'Running', restarts: '0' });
  });

  it('a waiting reason wins (ContainerCreating, CrashLoopBackOff, ImagePullBackOff)', () => {
    for (const reason of ['ContainerCreating', 'CrashLoopBackOff', 'ImagePullBackOff']) {
      const s = podSummary(pod({ phase: 'Pending', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { waiting: { reason } } }] }), NOW);
      assert.equal(s.status, reason);
      assert.equal(s.ready, '0/1');
    }
  });

  it('terminated reason, else ExitCode:N or Signal:N', () => {
    const t = (terminated: Record<string, unknown>): string =>
      podSummary(pod({ phase: 'Running', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { terminated } }] }), NOW).status;
    assert.equal(t({ exitCode: 137, reason: 'OOMKilled' }), 'OOMKilled');
    assert.equal(t({ exitCode: 3 }), 'ExitCode:3');
    assert.equal(t({ exitCode: 0, signal: 9 }), 'Signal:9');
  });

  it('Completed stays Completed unless another container still runs', () => {
    const done = { name: 'b', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } };
    assert.equal(podSummary(pod({ phase: 'Succeeded', containerStatuses: [done] }), NOW).status, 'Completed');
    const mixed = pod(
      { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [running('a'), done] },
      { containers: [{ name: 'a' }, { name: 'b' }] },
    );
    assert.equal(podSummary(mixed, NOW).status, 'Running');
    const notReady = pod({ phase: 'Running', containerStatuses: [running('a'), done] }, { containers: [{ name: 'a' }, { name: 'b' }] });
    assert.equal(podSummary(notReady, NOW).status, 'NotReady');
  });

  it('init containers: Init:N/M, Init:Reason, Init:ExitCode', () => {
    const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }] };
    const first = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 0, state: { running: {} } }] }, spec);
    assert.equal(podSummary(first, NOW).status, 'Init:0/2');
    const second = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', restartCount: 0, state: { terminated: { exitCode: 0 } } },
          { name: 'i2', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
        ],
      },
      spec,
    );
    assert.equal(podSummary(second, NOW).status, 'Init:1/2');
    const crash = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, spec);
    assert.equal(podSummary(crash, NOW).status, 'Init:CrashLoopBackOff');
    assert.equal(podSummary(crash, NOW).restarts, '2');
    const failed = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 0, state: { terminated: { exitCode: 4 } } }] }, spec);
    assert.equal(podSummary(failed, NOW).status, 'Init:ExitCode:4');
  });

  it('the pod reason (Evicted) and the phase are the start', () => {
    assert.equal(podSummary(pod({ phase: 'Failed', reason: 'Evicted' }), NOW).status, 'Evicted');
    assert.equal(podSummary(pod({ phase: 'Pending' }), NOW).status, 'Pending');
  });

  it('Terminating when deleted and not terminal; Unknown when NodeLost', () => {
    const meta = { deletionTimestamp: ago(S) };
    assert.equal(podSummary(pod({ phase: 'Running', containerStatuses: [running('a')] }, {}, meta), NOW).status, 'Terminating');
    assert.equal(podSummary(pod({ phase: 'Succeeded' }, {}, meta), NOW).status, 'Succeeded');
    assert.equal(podSummary(pod({ phase: 'Running', reason: 'NodeLost' }, {}, meta), NOW).status, 'Unknown');
  });

  it('RESTARTS shows when the last restart was', () => {
    const cs = { ...running('a', true, 3), lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * M) } } };
    assert.equal(podSummary(pod({ phase: 'Running', containerStatuses: [cs] }), NOW).restarts, '3 (2m ago)');
  });

  it('table columns, wide cells and Completed row conditions', () => {
    const p = pod(
      { phase: 'Succeeded', podIPs: [{ ip: '10.0.0.9' }], conditions: [{ type: 'gate/one', status: 'True' }] },
      { nodeName: 'dev1', readinessGates: [{ conditionType: 'gate/one' }, { conditionType: 'gate/two' }] },
    );
    const t = toTable(kind('Pod'), [p], { now: NOW, includeObject: 'None' });
    assert.deepEqual(names(t), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    assert.deepEqual(row(t).slice(5), ['10.0.0.9', 'dev1', '<none>', '1/2']);
    assert.equal(t.rows[0]?.conditions?.[0]?.type, 'Completed');
  });
});

describe('table: the other kinds', () => {
  it('DaemonSet', () => {
    const ds = obj('DaemonSet', 'exporter', {
      spec: {
        selector: { matchLabels: { app: 'exporter' } },
        template: { spec: { nodeSelector: { zone: 'north', arch: 'arm64' }, containers: [{ name: 'a', image: 'img:1' }, { name: 'b', image: 'img:2' }] } },
      },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 },
    });
    const t = toTable(kind('DaemonSet'), [ds], { now: NOW, includeObject: 'None' });
    assert.deepEqual(names(t), ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers', 'Images', 'Selector']);
    assert.deepEqual(row(t), ['exporter', 3, 2, 1, 2, 1, 'arch=arm64,zone=north', '5m', 'a,b', 'img:1,img:2', 'app=exporter']);
  });

  it('DaemonSet without status or node selector', () => {
    const t = toTable(kind('DaemonSet'), [obj('DaemonSet', 'x', { spec: {} })], { now: NOW, includeObject: 'None' });
    assert.deepEqual(row(t).slice(1, 7), [0, 0, 0, 0, 0, '<none>']);
  });

  it('Namespace, ConfigMap, Secret', () => {
    const ns = toTable(kind('Namespace'), [obj('Namespace', 'prod', { status: { phase: 'Active' } })], { now: NOW, includeObject: 'None' });
    assert.deepEqual(names(ns), ['Name', 'Status', 'Age']);
    assert.deepEqual(row(ns), ['prod', 'Active', '5m']);
    const cm = toTable(kind('ConfigMap'), [obj('ConfigMap', 'c', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } })], { now: NOW, includeObject: 'None' });
    assert.deepEqual(names(cm), ['Name', 'Data', 'Age']);
    assert.deepEqual(row(cm), ['c', 3, '5m']);
    const sec = toTable(kind('Secret'), [obj('Secret', 's', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'AA==', 'tls.key': 'AA==' } })], { now: NOW, includeObject: 'None' });
    assert.deepEqual(names(sec), ['Name', 'Type', 'Data', 'Age']);
    assert.deepEqual(row(sec), ['s', 'kubernetes.io/tls', 2, '5m']);
  });

  it('Event: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE (+ wide)', () => {
    const ev = obj('Event', 'p.123', {
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'default', fieldPath: 'spec.containers{a}' },
      reason: 'Pulled',
      message: '  Successfully pulled image\n',
      type: 'Normal',
      source: { component: 'flotilla-agent', host: 'dev1' },
      firstTimestamp: ago(10 * M),
      lastTimestamp: ago(30 * S),
      count: 4,
    });
    const t = toTable(kind('Event'), [ev], { now: NOW, includeObject: 'None' });
    assert.deepEqual(
      t.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name),
      ['Last Seen', 'Type', 'Reason', 'Object', 'Message'],
    );
    assert.deepEqual(row(t), ['30s', 'Normal', 'Pulled', 'pod/p', 'spec.containers{a}', 'flotilla-agent, dev1', 'Successfully pulled image', '10m', 4, 'p.123']);
  });

  it('ControllerRevision names its controller as kind.group/name', () => {
    const cr = obj('ControllerRevision', 'exporter-5d8f', { revision: 2 }, {
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'exporter', uid: 'u1', controller: true }],
    });
    const t = toTable(kind('ControllerRevision'), [cr], { now: NOW, includeObject: 'None' });
    assert.deepEqual(names(t), ['Name', 'Controller', 'Revision', 'Age']);
    assert.deepEqual(row(t), ['exporter-5d8f', 'daemonset.apps/exporter', 2, '5m']);
    const orphan = toTable(kind('ControllerRevision'), [obj('ControllerRevision', 'o', { revision: 1 })], { now: NOW, includeObject: 'None' });
    assert.equal(cell(orphan, 'Controller'), '<none>');
  });
});

describe('table: the Table object', () => {
  const items = [obj('ConfigMap', 'a', { data: {} }, { managedFields: [] }), obj('ConfigMap', 'b', { data: {} })];

  it('is a meta.k8s.io/v1 Table with the list resourceVersion', () => {
    const t = toTable(kind('ConfigMap'), items, { now: NOW, includeObject: 'None', resourceVersion: '42' });
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(t.metadata, { resourceVersion: '42' });
    assert.equal(t.rows[0]?.object, undefined);
    for (const c of t.columnDefinitions) assert.deepEqual(Object.keys(c).sort(), ['description', 'format', 'name', 'priority', 'type']);
    assert.ok(isTable(JSON.parse(JSON.stringify(t))));
  });

  it('a single object gives its own resourceVersion', () => {
    assert.equal(toTable(kind('ConfigMap'), [items[1] as KubeObject], { now: NOW, includeObject: 'None' }).metadata.resourceVersion, '7');
  });

  it('includeObject=Metadata puts a PartialObjectMetadata in each row, Object the whole object', () => {
    const meta = toTable(kind('ConfigMap'), items, { now: NOW, includeObject: 'Metadata' });
    assert.deepEqual(meta.rows[0]?.object, { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: items[0]?.metadata });
    const full = toTable(kind('ConfigMap'), items, { now: NOW, includeObject: 'Object' });
    assert.equal(full.rows[1]?.object, items[1]);
  });

  it('isTable refuses what is not a Table', () => {
    assert.equal(isTable({ kind: 'ConfigMapList', items: [] }), false);
    assert.equal(isTable({ kind: 'Table', columnDefinitions: [{ name: 'x', type: 'string' }], rows: [{ cells: [{}] }] }), false);
  });
});

describe('table: plain-text rendering', () => {
  const pods = [
    pod({ phase: 'Running', containerStatuses: [running('a')], podIP: '10.0.0.9' }, { nodeName: 'dev1' }, { name: 'web-1', namespace: 'prod' }),
    pod({ phase: 'Pending' }, {}, { name: 'db', namespace: 'default', creationTimestamp: ago(2 * D + 4 * H) }),
  ];
  const t = toTable(kind('Pod'), pods, { now: NOW, includeObject: 'Metadata' });

  it('upper-case headers, left aligned, 3 spaces between columns, no trailing padding', () => {
    assert.equal(
      renderTable(t, { wide: false }),
      ['NAME    READY   STATUS    RESTARTS   AGE', 'web-1   1/1     Running   0          5m', 'db      0/1     Pending   0          2d4h', ''].join('\n'),
    );
  });

  it('-o wide adds the priority-1 columns', () => {
    const text = renderTable(t, { wide: true });
    const header = text.split('\n')[0] ?? '';
    assert.match(header, /^NAME {4}READY {3}STATUS {4}RESTARTS {3}AGE {4}IP {9}NODE {5}NOMINATED NODE {3}READINESS GATES$/);
    assert.match(text.split('\n')[1] ?? '', /10\.0\.0\.9 +dev1 +<none> +<none>$/);
  });

  it('--no-headers and -A (NAMESPACE first, from the row object)', () => {
    assert.equal(renderTable(t, { wide: false, noHeaders: true }).split('\n')[0], 'web-1   1/1   Running   0     5m');
    const lines = renderTable(t, { wide: false, namespaceColumn: true }).split('\n');
    assert.match(lines[0] ?? '', /^NAMESPACE {3}NAME {4}READY/);
    assert.match(lines[1] ?? '', /^prod {8}web-1 /);
    assert.match(lines[2] ?? '', /^default {5}db /);
  });

  it('short columns are at least 6 wide; cells are cut at a line break', () => {
    const table: Table = {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '' },
      columnDefinitions: [
        { name: 'A', type: 'string', format: '', description: '', priority: 0 },
        { name: 'B', type: 'string', format: '', description: '', priority: 0 },
      ],
      rows: [{ cells: ['x', 'one\ntwo'] }, { cells: [null, 5] }],
    };
    assert.equal(renderTable(table, { wide: false }), 'A     B\nx     one...\n      5\n');
  });

  it('objects a server sent without a Table print as NAME and AGE', () => {
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'prod', creationTimestamp: '2024-05-01T11:59:00Z' } };
    const text = renderTable(defaultTable([cm], NOW, '7'), { wide: false, namespaceColumn: true });
    assert.equal(text, 'NAMESPACE   NAME   AGE\nprod        cfg    60s\n');
  });
});


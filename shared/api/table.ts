/**
 * Server-side printing: the `meta.k8s.io/v1` Table Kubernetes returns for
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, with the columns
 * kubectl shows for each served kind, and kubectl's plain-text layout of it.
 *
 * Tables always carry every column (as the Kubernetes API server builds them);
 * columns with priority 1 are shown only with `-o wide`.
 */

import type { KubeObject, ObjectMeta } from './meta.js';
import type { KindInfo } from './kinds.js';
import { isRecord } from '../util/guards.js';

export type TableColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

export interface TableColumnDefinition {
  name: string;
  type: TableColumnType;
  format: string;
  description: string;
  /** 0 = always shown; 1 = only with `-o wide`. */
  priority: number;
}

export type TableCell = string | number | boolean | null;

export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  apiVersion: 'meta.k8s.io/v1';
  kind: 'PartialObjectMetadata';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: TableCell[];
  /** Absent with includeObject=None. */
  object?: KubeObject | PartialObjectMetadata;
  conditions?: TableRowCondition[];
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Object' | 'Metadata';

export interface ToTableOptions {
  now: Date;
  includeObject: IncludeObject;
  /** The list's resourceVersion; defaults to the object's own when there is exactly one. */
  resourceVersion?: string;
}

// ---------------------------------------------------------------------------
// Field access on objects whose kind-specific parts are `unknown`.

type Rec = Record<string, unknown>;

function rec(v: unknown): Rec {
  return isRecord(v) ? v : {};
}

function recs(v: unknown): Rec[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(rec(v))) if (typeof val === 'string') out[k] = val;
  return out;
}

// ---------------------------------------------------------------------------
// Durations and ages, as k8s.io/apimachinery/pkg/util/duration.HumanDuration.

/** kubectl's short human duration: `5s`, `3m2s`, `10m`, `5h3m`, `20h`, `2d4h`, `45d`, `2y30d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const d = Math.trunc(hours / 24);
    return h === 0 ? `${d}d` : `${d}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  const years = Math.trunc(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

/** Age of an RFC 3339 timestamp at `now`; `<unknown>` when absent or unparseable. */
export function formatAge(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

// ---------------------------------------------------------------------------
// Label and selector formatting, as k8s.io/apimachinery/pkg/labels.

/** `a=1,b=2` sorted by key, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',');
}

/** A LabelSelector (`matchLabels` + `matchExpressions`) as kubectl prints it, `<none>` when empty. */
export function formatLabelSelector(selector: unknown): string {
  if (!isRecord(selector)) return '<none>';
  const reqs: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(stringMap(selector.matchLabels))) reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of recs(selector.matchExpressions)) {
    const key = str(e.key);
    const values = (Array.isArray(e.values) ? e.values.filter((x): x is string => typeof x === 'string') : []).sort();
    switch (str(e.operator)) {
      case 'In':
        reqs.push({ key, text: `${key} in (${values.join(',')})` });
        break;
      case 'NotIn':
        reqs.push({ key, text: `${key} notin (${values.join(',')})` });
        break;
      case 'Exists':
        reqs.push({ key, text: key });
        break;
      case 'DoesNotExist':
        reqs.push({ key, text: `!${key}` });
        break;
      default:
        return '<error>';
    }
  }
  if (reqs.length === 0) return '<none>';
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

// ---------------------------------------------------------------------------
// Column definitions.

const D_NAME =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.';
const D_AGE =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations.';

function col(name: string, type: TableColumnType, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}

const NAME_COL = col('Name', 'string', D_NAME, 0, 'name');
const AGE_COL = col('Age', 'string', D_AGE);

const NODE_COLUMNS: TableColumnDefinition[] = [
  NAME_COL,
  col('Status', 'string', 'The status of the node'),
  col('Roles', 'string', 'The roles of the node'),
  AGE_COL,
  col('Version', 'string', 'Kubelet Version reported by the node.'),
  col('Internal-IP', 'string', 'List of addresses reachable to the node.', 1),
  col('External-IP', 'string', 'List of addresses reachable to the node.', 1),
  col('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
  col('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
  col('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
];

const POD_COLUMNS: TableColumnDefinition[] = [
  NAME_COL,
  col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  col('Status', 'string', 'The aggregate status of the containers in this pod.'),
  col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
  AGE_COL,
  col('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
  col('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', 1),
  col('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
  col('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
];

const DAEMONSET_COLUMNS: TableColumnDefinition[] = [
  NAME_COL,
  col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
  col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
  col('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
  col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
  col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.'),
  col('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
  AGE_COL,
  col('Containers', 'string', 'Names of each container in the template.', 1),
  col('Images', 'string', 'Images referenced by each container in the template.', 1),
  col('Selector', 'string', 'A label query over pods that are managed by the daemon set.', 1),
];

const NAMESPACE_COLUMNS: TableColumnDefinition[] = [NAME_COL, col('Status', 'string', 'The status of the namespace'), AGE_COL];

const CONFIGMAP_COLUMNS: TableColumnDefinition[] = [
  NAME_COL,
  col('Data', 'integer', 'Data contains the configuration data.'),
  AGE_COL,
];

const SECRET_COLUMNS: TableColumnDefinition[] = [
  NAME_COL,
  col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
  col('Data', 'integer', 'Data contains the secret data.'),
  AGE_COL,
];

const EVENT_COLUMNS: TableColumnDefinition[] = [
  col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
  col('Reason', 'string', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
  col('Object', 'string', 'The object that this event is about.'),
  col('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', 1),
  col('Source', 'string', 'The component reporting this event.', 1),
  col('Message', 'string', 'A human-readable description of the status of this operation.'),
  col('First Seen', 'string', 'The time at which the event was first recorded.', 1),
  col('Count', 'string', 'The number of times this event has occurred.', 1),
  col('Name', 'string', D_NAME, 1, 'name'),
];

const CONTROLLERREVISION_COLUMNS: TableColumnDefinition[] = [
  NAME_COL,
  col('Controller', 'string', 'Controller of the object'),
  col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
  AGE_COL,
];

const DEFAULT_COLUMNS: TableColumnDefinition[] = [NAME_COL, AGE_COL];

// ---------------------------------------------------------------------------
// Rows.

function nodeCells(o: KubeObject, now: Date): TableCell[] {
  const status = rec(o.status);
  const spec = rec(o.spec);
  const ready = recs(status.conditions).find((c) => c.type === 'Ready');
  const states: string[] = [];
  if (ready) states.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  else states.push('Unknown');
  if (spec.unschedulable === true) states.push('SchedulingDisabled');

  const roles = new Set<string>();
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  const info = rec(status.nodeInfo);
  const address = (type: string): string => str(recs(status.addresses).find((a) => a.type === type)?.address) || '<none>';
  return [
    o.metadata.name ?? '',
    states.join(','),
    roles.size ? [...roles].sort().join(',') : '<none>',
    formatAge(o.metadata.creationTimestamp, now),
    str(info.kubeletVersion),
    address('InternalIP'),
    address('ExternalIP'),
    str(info.osImage) || '<unknown>',
    str(info.kernelVersion) || '<unknown>',
    str(info.containerRuntimeVersion) || '<unknown>',
  ];
}

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

function terminatedFinishedAt(cs: Rec): number | undefined {
  const t = rec(rec(cs.lastState).terminated);
  const at = Date.parse(str(t.finishedAt));
  return Object.keys(t).length && !Number.isNaN(at) ? at : undefined;
}

/** READY, STATUS and RESTARTS of a pod, computed as kubectl's printPod does. */
export function podSummary(pod: KubeObject, now: Date): PodSummary {
  const spec = rec(pod.spec);
  const status = rec(pod.status);
  const containers = recs(spec.containers);
  const initContainers = recs(spec.initContainers);
  const conditions = recs(status.conditions);

  const restartableInit = new Set(initContainers.filter((c) => c.restartPolicy === 'Always').map((c) => str(c.name)));
  const totalContainers = containers.length + restartableInit.size;
  let readyContainers = 0;
  let restarts = 0;
  let restartableInitRestarts = 0;
  let lastRestart: number | undefined;
  let lastRestartableInitRestart: number | undefined;
  const later = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined ? b : b === undefined ? a : Math.max(a, b);

  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  let initializing = false;
  const initStatuses = recs(status.initContainerStatuses);
  for (const [i, cs] of initStatuses.entries()) {
    restarts += int(cs.restartCount);
    lastRestart = later(lastRestart, terminatedFinishedAt(cs));
    const restartable = restartableInit.has(str(cs.name));
    if (restartable) {
      restartableInitRestarts += int(cs.restartCount);
      lastRestartableInitRestart = later(lastRestartableInitRestart, terminatedFinishedAt(cs));
    }
    const state = rec(cs.state);
    const terminated = isRecord(state.terminated) ? state.terminated : undefined;
    const waiting = isRecord(state.waiting) ? state.waiting : undefined;
    if (terminated && int(terminated.exitCode) === 0) continue;
    if (restartable && cs.started === true) {
      if (cs.ready === true) readyContainers++;
      continue;
    }
    if (terminated) {
      const r = str(terminated.reason);
      if (r) reason = `Init:${r}`;
      else if (int(terminated.signal) !== 0) reason = `Init:Signal:${int(terminated.signal)}`;
      else reason = `Init:ExitCode:${int(terminated.exitCode)}`;
    } else if (waiting && str(waiting.reason) && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  const initializedTrue = conditions.some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = recs(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i] ?? {};
      restarts += int(cs.restartCount);
      lastRestart = later(lastRestart, terminatedFinishedAt(cs));
      const state = rec(cs.state);
      const terminated = isRecord(state.terminated) ? state.terminated : undefined;
      const waiting = isRecord(state.waiting) ? state.waiting : undefined;
      if (waiting && str(waiting.reason)) {
        reason = str(waiting.reason);
      } else if (terminated && str(terminated.reason)) {
        reason = str(terminated.reason);
      } else if (terminated) {
        reason = int(terminated.signal) !== 0 ? `Signal:${int(terminated.signal)}` : `ExitCode:${int(terminated.exitCode)}`;
      } else if (cs.ready === true && isRecord(state.running)) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsText = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  }
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

function podCells(o: KubeObject, now: Date): TableCell[] {
  const spec = rec(o.spec);
  const status = rec(o.status);
  const s = podSummary(o, now);
  const ip = str(recs(status.podIPs)[0]?.ip) || str(status.podIP) || '<none>';
  const gates = recs(spec.readinessGates);
  let readinessGates = '<none>';
  if (gates.length > 0) {
    const conditions = recs(status.conditions);
    const trueCount = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
    readinessGates = `${trueCount}/${gates.length}`;
  }
  return [
    o.metadata.name ?? '',
    s.ready,
    s.status,
    s.restarts,
    formatAge(o.metadata.creationTimestamp, now),
    ip,
    str(spec.nodeName) || '<none>',
    str(status.nominatedNodeName) || '<none>',
    readinessGates,
  ];
}

function podConditions(o: KubeObject): TableRowCondition[] | undefined {
  const phase = rec(o.status).phase;
  if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
  return undefined;
}

function daemonSetCells(o: KubeObject, now: Date): TableCell[] {
  const spec = rec(o.spec);
  const status = rec(o.status);
  const podSpec = rec(rec(spec.template).spec);
  const containers = recs(podSpec.containers);
  return [
    o.metadata.name ?? '',
    int(status.desiredNumberScheduled),
    int(status.currentNumberScheduled),
    int(status.numberReady),
    int(status.updatedNumberScheduled),
    int(status.numberAvailable),
    formatLabels(stringMap(podSpec.nodeSelector)),
    formatAge(o.metadata.creationTimestamp, now),
    containers.map((c) => str(c.name)).join(','),
    containers.map((c) => str(c.image)).join(','),
    formatLabelSelector(spec.selector),
  ];
}

function eventSource(o: KubeObject): string {
  const source = rec(o.source);
  const component = str(source.component) || str(o.reportingController);
  const instance = str(source.host) || str(o.reportingInstance);
  return instance ? `${component}, ${instance}` : component;
}

function eventCells(o: KubeObject, now: Date): TableCell[] {
  const firstSeen = o.firstTimestamp ? formatAge(o.firstTimestamp, now) : formatAge(o.eventTime, now);
  let lastSeen = o.lastTimestamp ? formatAge(o.lastTimestamp, now) : firstSeen;
  let count = int(o.count);
  const series = isRecord(o.series) ? o.series : undefined;
  if (series) {
    lastSeen = formatAge(series.lastObservedTime, now);
    count = int(series.count);
  } else if (count === 0) {
    count = 1;
  }
  const involved = rec(o.involvedObject);
  const kind = str(involved.kind).toLowerCase();
  const target = str(involved.name) ? `${kind}/${str(involved.name)}` : kind;
  return [
    lastSeen,
    str(o.type),
    str(o.reason),
    target,
    str(involved.fieldPath),
    eventSource(o),
    str(o.message).trim(),
    firstSeen,
    count,
    o.metadata.name ?? '',
  ];
}

function controllerRevisionCells(o: KubeObject, now: Date): TableCell[] {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  let controller = '<none>';
  if (ref) {
    const slash = ref.apiVersion.indexOf('/');
    const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : '';
    const groupKind = group ? `${ref.kind}.${group}` : ref.kind;
    controller = `${groupKind.toLowerCase()}/${ref.name}`;
  }
  return [o.metadata.name ?? '', controller, int(o.revision), formatAge(o.metadata.creationTimestamp, now)];
}

interface Printer {
  columns: TableColumnDefinition[];
  cells(o: KubeObject, now: Date): TableCell[];
  conditions?(o: KubeObject): TableRowCondition[] | undefined;
}

const PRINTERS: Record<string, Printer> = {
  Node: { columns: NODE_COLUMNS, cells: nodeCells },
  Pod: { columns: POD_COLUMNS, cells: podCells, conditions: podConditions },
  DaemonSet: { columns: DAEMONSET_COLUMNS, cells: daemonSetCells },
  Namespace: {
    columns: NAMESPACE_COLUMNS,
    cells: (o, now) => [o.metadata.name ?? '', str(rec(o.status).phase), formatAge(o.metadata.creationTimestamp, now)],
  },
  ConfigMap: {
    columns: CONFIGMAP_COLUMNS,
    cells: (o, now) => [
      o.metadata.name ?? '',
      Object.keys(rec(o.data)).length + Object.keys(rec(o.binaryData)).length,
      formatAge(o.metadata.creationTimestamp, now),
    ],
  },
  Secret: {
    columns: SECRET_COLUMNS,
    cells: (o, now) => [
      o.metadata.name ?? '',
      str(o.type) || 'Opaque',
      new Set([...Object.keys(rec(o.data)), ...Object.keys(rec(o.stringData))]).size,
      formatAge(o.metadata.creationTimestamp, now),
    ],
  },
  Event: { columns: EVENT_COLUMNS, cells: eventCells },
  ControllerRevision: { columns: CONTROLLERREVISION_COLUMNS, cells: controllerRevisionCells },
};

const DEFAULT_PRINTER: Printer = {
  columns: DEFAULT_COLUMNS,
  cells: (o, now) => [o.metadata.name ?? '', formatAge(o.metadata.creationTimestamp, now)],
};

/** The column definitions of a kind's Table. */
export function tableColumns(info: KindInfo): TableColumnDefinition[] {
  return (PRINTERS[info.kind] ?? DEFAULT_PRINTER).columns.map((c) => ({ ...c }));
}

function rowObject(o: KubeObject, includeObject: IncludeObject): KubeObject | PartialObjectMetadata | undefined {
  if (includeObject === 'Object') return o;
  if (includeObject === 'Metadata') return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: o.metadata };
  return undefined;
}

/** Builds the `meta.k8s.io/v1` Table for objects of one kind, as the Kubernetes API server does. */
export function toTable(info: KindInfo, objects: KubeObject[], opts: ToTableOptions): Table {
  const printer = PRINTERS[info.kind] ?? DEFAULT_PRINTER;
  const rows = objects.map((o): TableRow => {
    const row: TableRow = { cells: printer.cells(o, opts.now) };
    const object = rowObject(o, opts.includeObject);
    if (object) row.object = object;
    const conditions = printer.conditions?.(o);
    if (conditions) row.conditions = conditions;
    return row;
  });
  const resourceVersion = opts.resourceVersion ?? (objects.length === 1 ? (objects[0]?.metadata.resourceVersion ?? '') : '');
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: printer.columns.map((c) => ({ ...c })),
    rows,
  };
}

// ---------------------------------------------------------------------------
// Recognising a Table received as JSON.

function isColumnDefinition(v: unknown): v is TableColumnDefinition {
  return isRecord(v) && typeof v.name === 'string' && typeof v.type === 'string' && (v.priority === undefined || typeof v.priority === 'number');
}

function isCell(v: unknown): v is TableCell {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function isRow(v: unknown): v is TableRow {
  return isRecord(v) && Array.isArray(v.cells) && v.cells.every(isCell) && (v.object === undefined || v.object === null || isRecord(v.object));
}

/** True for a `meta.k8s.io/v1` Table whose columns and cells this module can render. */
export function isTable(v: unknown): v is Table {
  return (
    isRecord(v) &&
    v.kind === 'Table' &&
    Array.isArray(v.columnDefinitions) &&
    v.columnDefinitions.every(isColumnDefinition) &&
    Array.isArray(v.rows) &&
    v.rows.every(isRow)
  );
}

// ---------------------------------------------------------------------------
// Plain-text layout.

export interface RenderTableOptions {
  wide: boolean;
  noHeaders?: boolean;
  /** Prefix a NAMESPACE column taken from each row's object metadata (kubectl -A). */
  namespaceColumn?: boolean;
}

/** Cell text as kubectl prints it: strings cut at the first line break with `...`. */
export function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') {
    const cut = cell.search(/[\f\n\r]/);
    return cut >= 0 ? `${cell.slice(0, cut)}...` : cell;
  }
  if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
  return JSON.stringify(cell);
}

function rowNamespace(row: TableRow): string {
  const object: unknown = row.object;
  if (!isRecord(object) || !isRecord(object.metadata)) return '';
  return str(object.metadata.namespace);
}

/** The header and row lines of a table, cells already chosen and stringified (without layout). */
export function tableLines(table: Table, opts: RenderTableOptions): { header: string[]; rows: string[][] } {
  const shown = table.columnDefinitions
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => opts.wide || (c.priority ?? 0) === 0);
  const header = shown.map(({ c }) => c.name.toUpperCase());
  const rows = table.rows.map((r) => shown.map(({ i }) => cellText(r.cells[i])));
  if (opts.namespaceColumn) {
    header.unshift('NAMESPACE');
    table.rows.forEach((r, n) => rows[n]?.unshift(rowNamespace(r)));
  }
  return { header, rows };
}

/** Column widths as kubectl's tabwriter computes them: min width 6, padding 3. */
export function columnWidths(lines: string[][]): number[] {
  const widths: number[] = [];
  for (const line of lines) {
    line.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 6, cell.length + 3);
    });
  }
  return widths;
}

/** One line laid out with the given widths; the last cell is not padded. */
export function layoutLine(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('');
}

/** kubectl's plain-text (and `-o wide`) table: upper-case headers, columns 3 spaces apart, left aligned. */
export function renderTable(table: Table, opts: RenderTableOptions): string {
  const { header, rows } = tableLines(table, opts);
  const lines = opts.noHeaders ? rows : [header, ...rows];
  if (lines.length === 0) return '';
  const widths = columnWidths(lines);
  return lines.map((l) => layoutLine(l, widths)).join('\n') + '\n';
}

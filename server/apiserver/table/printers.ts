/**
 * Server-side printing: the `meta.k8s.io/v1` Table the API answers with for
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, with the columns and cells kubectl
 * shows for each served kind.
 */
import { desiredSync } from '../../../shared/api/desired-sync.js';
import type { KindInfo } from '../../../shared/api/kinds.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { formatAge, formatLabels, formatLabelSelector } from '../../../shared/api/print-format.js';
import type { PartialObjectMetadata, Table, TableCell, TableColumnDefinition, TableRow, TableRowCondition } from '../../../shared/api/table.js';
import {
  fromStore,
  type ConfigMap,
  type ControllerRevision,
  type DaemonSet,
  type Event,
  type KindName,
  type KindTypes,
  type Namespace,
  type Node,
  type Pod,
  type PodDisruptionBudget,
  type PodSpec,
  type Secret,
} from '../../../shared/api/types/index.js';
import {
  CONFIGMAP_COLUMNS,
  CONTROLLERREVISION_COLUMNS,
  DAEMONSET_COLUMNS,
  DEFAULT_COLUMNS,
  EVENT_COLUMNS,
  NAMESPACE_COLUMNS,
  NODE_COLUMNS,
  PDB_COLUMNS,
  POD_COLUMNS,
  SECRET_COLUMNS,
} from './columns.js';
import { podSummary } from './pod-summary.js';

export type IncludeObject = 'None' | 'Object' | 'Metadata';

export interface ToTableOptions {
  now: Date;
  includeObject: IncludeObject;
  /** The list's resourceVersion; defaults to the object's own when there is exactly one. */
  resourceVersion?: string;
}

function nodeCells(o: Node, now: Date): TableCell[] {
  const status = o.status ?? {};
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  const states: string[] = [];
  if (ready) states.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  else states.push('Unknown');
  if (o.spec?.unschedulable === true) states.push('SchedulingDisabled');

  const roles = new Set<string>();
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  const info = status.nodeInfo ?? {};
  const address = (type: string): string => status.addresses?.find((a) => a.type === type)?.address || '<none>';
  const sync = desiredSync(o.metadata.annotations);
  return [
    o.metadata.name ?? '',
    states.join(','),
    roles.size ? [...roles].sort().join(',') : '<none>',
    formatAge(o.metadata.creationTimestamp, now),
    info.kubeletVersion ?? '',
    address('InternalIP'),
    address('ExternalIP'),
    info.osImage || '<unknown>',
    info.kernelVersion || '<unknown>',
    info.containerRuntimeVersion || '<unknown>',
    sync.desired ?? '<none>',
    sync.applied ?? '<none>',
    sync.state,
  ];
}

function podCells(o: Pod, now: Date): TableCell[] {
  const { spec } = o;
  const status = o.status ?? {};
  const s = podSummary(o, now);
  const ip = status.podIPs?.[0]?.ip || status.podIP || '<none>';
  const gates = spec.readinessGates ?? [];
  let readinessGates = '<none>';
  if (gates.length > 0) {
    const conditions = status.conditions ?? [];
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
    spec.nodeName || '<none>',
    status.nominatedNodeName || '<none>',
    readinessGates,
  ];
}

function podConditions(o: Pod): TableRowCondition[] | undefined {
  const phase = o.status?.phase;
  if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
  return undefined;
}

function daemonSetCells(o: DaemonSet, now: Date): TableCell[] {
  const { spec } = o;
  const status = o.status ?? {};
  // A listing never fails on one object, even one without the template validation requires.
  const podSpec: Partial<PodSpec> = spec.template?.spec ?? {};
  const containers = podSpec.containers ?? [];
  return [
    o.metadata.name ?? '',
    status.desiredNumberScheduled ?? 0,
    status.currentNumberScheduled ?? 0,
    status.numberReady ?? 0,
    status.updatedNumberScheduled ?? 0,
    status.numberAvailable ?? 0,
    formatLabels(podSpec.nodeSelector),
    formatAge(o.metadata.creationTimestamp, now),
    containers.map((c) => c.name).join(','),
    containers.map((c) => c.image).join(','),
    formatLabelSelector(spec.selector),
  ];
}

function eventSource(o: Event): string {
  const component = o.source?.component || o.reportingComponent || '';
  const instance = o.source?.host || o.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

function eventCells(o: Event, now: Date): TableCell[] {
  const firstSeen = o.firstTimestamp ? formatAge(o.firstTimestamp, now) : formatAge(o.eventTime, now);
  let lastSeen = o.lastTimestamp ? formatAge(o.lastTimestamp, now) : firstSeen;
  let count = o.count ?? 0;
  const { series } = o;
  if (series) {
    lastSeen = formatAge(series.lastObservedTime, now);
    count = series.count ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const involved = o.involvedObject;
  const kind = (involved.kind ?? '').toLowerCase();
  const target = involved.name ? `${kind}/${involved.name}` : kind;
  return [
    lastSeen,
    o.type ?? '',
    o.reason ?? '',
    target,
    involved.fieldPath ?? '',
    eventSource(o),
    (o.message ?? '').trim(),
    firstSeen,
    count,
    o.metadata.name ?? '',
  ];
}

function controllerRevisionCells(o: ControllerRevision, now: Date): TableCell[] {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  let controller = '<none>';
  if (ref) {
    const slash = ref.apiVersion.indexOf('/');
    const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : '';
    const groupKind = group ? `${ref.kind}.${group}` : ref.kind;
    controller = `${groupKind.toLowerCase()}/${ref.name}`;
  }
  return [o.metadata.name ?? '', controller, o.revision, formatAge(o.metadata.creationTimestamp, now)];
}

/** An IntOrString as kubectl prints it; N/A when unset. */
function intOrString(v: number | string | undefined): string {
  return v === undefined ? 'N/A' : String(v);
}

const pdbCells = (o: PodDisruptionBudget, now: Date): TableCell[] => [
  o.metadata.name ?? '',
  intOrString(o.spec.minAvailable),
  intOrString(o.spec.maxUnavailable),
  o.status?.disruptionsAllowed ?? 0,
  formatAge(o.metadata.creationTimestamp, now),
];

interface Printer<T> {
  columns: TableColumnDefinition[];
  cells(o: T, now: Date): TableCell[];
  conditions?(o: T): TableRowCondition[] | undefined;
}

const namespaceCells = (o: Namespace, now: Date): TableCell[] => [o.metadata.name ?? '', o.status?.phase ?? '', formatAge(o.metadata.creationTimestamp, now)];

const configMapCells = (o: ConfigMap, now: Date): TableCell[] => [
  o.metadata.name ?? '',
  Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length,
  formatAge(o.metadata.creationTimestamp, now),
];

const secretCells = (o: Secret, now: Date): TableCell[] => [
  o.metadata.name ?? '',
  o.type || 'Opaque',
  new Set([...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})]).size,
  formatAge(o.metadata.creationTimestamp, now),
];

const PRINTERS: { [K in KindName]: Printer<KindTypes[K]> } = {
  Node: { columns: NODE_COLUMNS, cells: nodeCells },
  Pod: { columns: POD_COLUMNS, cells: podCells, conditions: podConditions },
  DaemonSet: { columns: DAEMONSET_COLUMNS, cells: daemonSetCells },
  Namespace: { columns: NAMESPACE_COLUMNS, cells: namespaceCells },
  ConfigMap: { columns: CONFIGMAP_COLUMNS, cells: configMapCells },
  Secret: { columns: SECRET_COLUMNS, cells: secretCells },
  Event: { columns: EVENT_COLUMNS, cells: eventCells },
  ControllerRevision: { columns: CONTROLLERREVISION_COLUMNS, cells: controllerRevisionCells },
  PodDisruptionBudget: { columns: PDB_COLUMNS, cells: pdbCells },
};

const DEFAULT_PRINTER: Printer<KubeObject> = {
  columns: DEFAULT_COLUMNS,
  cells: (o, now) => [o.metadata.name ?? '', formatAge(o.metadata.creationTimestamp, now)],
};

function rowObject(o: KubeObject, includeObject: IncludeObject): KubeObject | PartialObjectMetadata | undefined {
  if (includeObject === 'Object') return o;
  if (includeObject === 'Metadata') return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: o.metadata };
  return undefined;
}

function isPrinted(kind: string): kind is KindName {
  return Object.hasOwn(PRINTERS, kind);
}

interface Printed {
  cells: TableCell[];
  conditions?: TableRowCondition[] | undefined;
}

/** One row's cells and conditions; the store holds only decoded objects, so `o` is its kind's type. */
function printAs<K extends KindName>(kind: K, o: KubeObject, now: Date): Printed {
  const printer: Printer<KindTypes[K]> = PRINTERS[kind];
  const typed = fromStore(kind, o);
  return { cells: printer.cells(typed, now), conditions: printer.conditions?.(typed) };
}

/** Builds the `meta.k8s.io/v1` Table for objects of one kind, as the Kubernetes API server does. */
export function toTable(info: KindInfo, objects: KubeObject[], opts: ToTableOptions): Table {
  const { kind } = info;
  const rows = objects.map((o): TableRow => {
    const printed: Printed = isPrinted(kind) ? printAs(kind, o, opts.now) : { cells: DEFAULT_PRINTER.cells(o, opts.now) };
    const row: TableRow = { cells: printed.cells };
    const object = rowObject(o, opts.includeObject);
    if (object) row.object = object;
    if (printed.conditions) row.conditions = printed.conditions;
    return row;
  });
  const printer = isPrinted(kind) ? PRINTERS[kind] : DEFAULT_PRINTER;
  const resourceVersion = opts.resourceVersion ?? (objects.length === 1 ? (objects[0]?.metadata.resourceVersion ?? '') : '');
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: printer.columns.map((c) => ({ ...c })),
    rows,
  };
}

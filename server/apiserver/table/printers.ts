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
import { isRecord } from '../../../shared/util/guards.js';
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
import { int, rec, recs, str, stringMap } from './fields.js';
import { podSummary } from './pod-summary.js';

export type IncludeObject = 'None' | 'Object' | 'Metadata';

export interface ToTableOptions {
  now: Date;
  includeObject: IncludeObject;
  /** The list's resourceVersion; defaults to the object's own when there is exactly one. */
  resourceVersion?: string;
}

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
  const sync = desiredSync(o.metadata.annotations);
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
    sync.desired ?? '<none>',
    sync.applied ?? '<none>',
    sync.state,
  ];
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

/** An IntOrString as kubectl prints it; N/A when unset. */
function intOrString(v: unknown): string {
  return typeof v === 'number' || typeof v === 'string' ? String(v) : 'N/A';
}

function pdbCells(o: KubeObject, now: Date): TableCell[] {
  const spec = rec(o.spec);
  return [o.metadata.name ?? '', intOrString(spec.minAvailable), intOrString(spec.maxUnavailable), int(rec(o.status).disruptionsAllowed), formatAge(o.metadata.creationTimestamp, now)];
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
  PodDisruptionBudget: { columns: PDB_COLUMNS, cells: pdbCells },
};

const DEFAULT_PRINTER: Printer = {
  columns: DEFAULT_COLUMNS,
  cells: (o, now) => [o.metadata.name ?? '', formatAge(o.metadata.creationTimestamp, now)],
};

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

/**
 * The `meta.k8s.io/v1` Table Kubernetes returns for
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`: the wire shape both sides share, and
 * the check a client makes on one it received. The hub builds them in server/apiserver/table/;
 * flotctl lays them out as text in server/flotctl/table-render.ts.
 *
 * Tables always carry every column (as the Kubernetes API server builds them);
 * columns with priority 1 are shown only with `-o wide`.
 */

import type { KubeObject, ObjectMeta } from './meta.js';
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
